using FraudEx.Testing;

namespace FraudEx.Redis.Tests;

/// <summary>One shared server for the tests that do not stop it; every test uses its own key prefix.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync(extraArgs: ["--enable-debug-command", "yes"]);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

internal static class Timeouts
{
    public static readonly TimeSpan Call = TimeSpan.FromSeconds(10);

    public static Task<T> T<T>(this Task<T> task) => task.WaitAsync(Call);

    public static Task T(this Task task) => task.WaitAsync(Call);
}
