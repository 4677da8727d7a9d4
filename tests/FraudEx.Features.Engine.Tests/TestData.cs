using FraudEx.Features.Engine;

namespace FraudEx.Features.Engine.Tests;

internal static class TestData
{
    // 2026-03-02 00:00:00 UTC, a Monday.
    public const long T0 = 1772409600000;
    public const long Minute = 60_000;
    public const long Hour = 60 * Minute;
    public const long Day = 24 * Hour;

    public static TransactionEvent Tx(
        string id,
        long ms,
        string account = "acct-1",
        string merchant = "m-1",
        long amountMinor = 1000,
        string? device = null,
        string? ip = null,
        double? lat = null,
        double? lon = null) =>
        new(id, account, merchant, "5411", amountMinor, "EUR", ms, PaymentChannel.Ecommerce, false, device, ip, lat, lon, "DE", "DE");

    public static int I(string name)
    {
        var i = FeatureSchema.IndexOf(name);
        Assert.True(i >= 0, $"feature {name} missing from the schema");
        return i;
    }

    /// <summary>A deterministic, varied history: several accounts, merchants, devices, IPs, locations, labels.</summary>
    public static (List<TransactionEvent> Transactions, List<LabelEvent> Labels) History(int count, int seed, int accounts = 20)
    {
        var rng = new Random(seed);
        var txs = new List<TransactionEvent>(count);
        var labels = new List<LabelEvent>();
        var t = T0;
        for (var i = 0; i < count; i++)
        {
            t += rng.Next(1, 40 * 60_000);
            var acct = $"acct-{rng.Next(accounts)}";
            var merchant = $"m-{rng.Next(50)}";
            var device = rng.NextDouble() < 0.7 ? $"dev-{rng.Next(30)}" : null;
            var ip = rng.NextDouble() < 0.6 ? $"10.0.{rng.Next(4)}.{rng.Next(20)}" : null;
            double? lat = rng.NextDouble() < 0.5 ? 40 + rng.NextDouble() * 10 : null;
            double? lon = lat.HasValue ? rng.NextDouble() * 20 : null;
            var tx = new TransactionEvent($"tx-{i}", acct, merchant, rng.NextDouble() < 0.9 ? "5411" : "", rng.Next(100, 500_000), "EUR", t,
                (PaymentChannel)rng.Next(0, 7), rng.NextDouble() < 0.5, device, ip, lat, lon, "DE", rng.NextDouble() < 0.8 ? "DE" : "FR");
            txs.Add(tx);
            if (rng.NextDouble() < 0.05)
            {
                labels.Add(new LabelEvent(tx.TransactionId, merchant, device, rng.NextDouble() < 0.8, t, t + 7 * Day));
            }
        }

        return (txs, labels);
    }

    public static void BitEqual(float[] expected, float[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{context}: feature {FeatureSchema.Get(i).Name} differs: {expected[i]} vs {actual[i]}");
            }
        }
    }
}
