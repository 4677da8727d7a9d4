using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Tests;

internal sealed class TestOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    private readonly List<Action<T, string?>> listeners = [];

    public T CurrentValue { get; private set; } = value;

    public T Get(string? name) => CurrentValue;

    public IDisposable OnChange(Action<T, string?> listener)
    {
        listeners.Add(listener);
        return new Unsubscribe(() => listeners.Remove(listener));
    }

    public void Set(T value)
    {
        CurrentValue = value;
        foreach (var listener in listeners.ToArray())
        {
            listener(value, null);
        }
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

internal static class Transactions
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static Transaction Valid(string id = "tx-1") => new()
    {
        TransactionId = id,
        AccountId = "acct-1",
        MerchantId = "merch-1",
        MerchantCategoryCode = "5411",
        AmountMinor = 1250,
        Currency = "EUR",
        Timestamp = Timestamp.FromDateTimeOffset(Now),
        Channel = Channel.Ecommerce,
        DeviceId = "dev-1",
        IpAddress = "203.0.113.7",
        Location = new GeoPoint { Latitude = 48.85, Longitude = 2.35 },
        Country = "FR",
        MerchantCountry = "FR",
    };
}

internal static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
