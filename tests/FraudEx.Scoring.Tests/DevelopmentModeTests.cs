using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Security;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;

namespace FraudEx.Scoring.Tests;

public sealed class DevelopmentModeTests
{
    [Fact]
    public async Task NoKeysConfigured_CallsWithoutKeyAllowed()
    {
        await using var host = await ScoringTestHost.StartAsync(withKeys: false);
        var tx = Transactions.Valid("dev-1");
        tx.Timestamp = Timestamp.FromDateTime(DateTime.UtcNow);
        var response = await host.Client.ScoreAsync(new ScoreRequest { Transaction = tx }, ApiKeys.CallOptions(null, DateTime.UtcNow.AddSeconds(10)));
        Assert.Equal("dev-1", response.TransactionId);
    }

    [Fact]
    public void ListenUrls_ReadFromUrlsAndKestrelEndpoints()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:5100;https://0.0.0.0:5443",
            ["Kestrel:Endpoints:extra:Url"] = "http://[::1]:5200",
        }).Build();
        Assert.Equal(["http://127.0.0.1:5100", "https://0.0.0.0:5443", "http://[::1]:5200"], ListenAddressGuard.ConfiguredUrls(configuration));
    }
}
