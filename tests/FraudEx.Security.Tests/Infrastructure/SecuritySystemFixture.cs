using FraudEx.Contracts.V1;
using Grpc.Core;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>One running system shared by the security tests, with each service's memory at the start.</summary>
public sealed class SecuritySystemFixture : IAsyncLifetime
{
    private FraudExSystem? _system;

    public FraudExSystem System => _system ?? throw new InvalidOperationException("The system is not started.");

    /// <summary>Resident memory of each service once it answered its first calls.</summary>
    public Dictionary<Service, long> BaselineRss { get; } = [];

    public async Task InitializeAsync()
    {
        _system = await FraudExSystem.StartAsync();
        // Warm every path once, so the baseline includes the JIT-compiled code and pools a first call creates.
        await _system.Scoring.ScoreAsync(new ScoreRequest { Transaction = Wire.ValidTransaction("warm") }, FraudExSystem.With(_system.Keys.Admin.Key, 30));
        foreach (var service in Enum.GetValues<Service>())
        {
            BaselineRss[service] = _system.ResidentBytes(service);
        }
    }

    /// <summary>
    /// The service is still up, answers a normal call within five seconds, and its resident memory stays below
    /// <paramref name="ceilingMiB"/> above the baseline. Returns a transcript line.
    /// </summary>
    public async Task<string> AssertHealthyAsync(Service service, int ceilingMiB = 256)
    {
        Assert.True(System.IsRunning(service), $"{service} died:\n{System.Output(service)}");
        var options = FraudExSystem.With(System.Keys.Admin.Key, 5);
        try
        {
            switch (service)
            {
                case Service.Scoring:
                    var answer = await System.Scoring.ScoreAsync(new ScoreRequest { Transaction = Wire.ValidTransaction("after") }, options);
                    Assert.NotEqual(Decision.Unspecified, answer.Decision);
                    break;
                case Service.Alerts:
                    await System.Alerts.ListAlertsAsync(new ListAlertsRequest { PageSize = 1 }, options);
                    break;
                case Service.Features:
                    await System.Features.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "sec-acct-after" }, options);
                    break;
            }
        }
        catch (RpcException e)
        {
            Assert.Fail($"{service} did not answer a normal call after the abuse: {e.Status}");
        }

        var rss = System.ResidentBytes(service);
        var growth = (rss - BaselineRss[service]) / (1024.0 * 1024);
        Assert.True(growth < ceilingMiB, $"{service} grew by {growth:F0} MiB (RSS {rss / (1024 * 1024)} MiB), more than {ceilingMiB} MiB");
        return $"{service} answers a normal call; RSS {rss / (1024 * 1024)} MiB ({growth:+0;-0} MiB since start)";
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecuritySystemCollection : ICollectionFixture<SecuritySystemFixture>
{
    public const string Name = "security system";
}
