using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace FraudEx.AppHost.Tests;

/// <summary>The system started from the app host: a Score call through the real endpoints to PostgreSQL and the console.</summary>
[Collection(AppHostCollection.Name)]
public sealed class WholeSystemTests(AppHostFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_EveryResourceHealthy_InitFinishedAndConnectionStringsInAspiresConvention()
    {
        using var cts = new CancellationTokenSource(Timeout);
        foreach (var resource in AppHostFixture.Resources)
        {
            Assert.True(system.App.ResourceNotifications.TryGetCurrentState(resource, out var state), resource);
            Assert.Equal(KnownResourceStates.Running, state!.Snapshot.State?.Text);
        }
        var init = await system.App.ResourceNotifications.WaitForResourceAsync("postgres-init", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), cts.Token);
        Assert.Equal(0, init.Snapshot.ExitCode);

        Assert.Equal(system.AlertsDbConnectionString, await system.EnvironmentOfAsync("alerts", "ConnectionStrings__alertsdb"));
        Assert.StartsWith("127.0.0.1:", await system.EnvironmentOfAsync("features", "ConnectionStrings__redis"), StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{system.AlertsPort}", await system.EnvironmentOfAsync("scoring", "services__alerts__grpc__0"));
        Assert.Equal($"http://127.0.0.1:{system.ScoringPort}", await system.EnvironmentOfAsync("scoring", "ASPNETCORE_URLS"));
        Assert.StartsWith("scoring-service.", await system.EnvironmentOfAsync("scoring", "Auth__ClientKey"), StringComparison.Ordinal);
        Assert.Equal("console-analyst", await system.EnvironmentOfAsync("alerts", "Auth__Keys__1__Id"));
    }

    [Fact]
    public async Task Score_BlockedDevice_DeclinedRecordedInPostgresAndAlertInConsole()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transactionId = "apphost-test-" + Guid.NewGuid().ToString("N");
        var account = "acct-" + transactionId;
        var scorerKey = await system.EnvironmentOfAsync("console", "Console__ScorerKey");

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.ScoringPort}");
        var response = await new ScoringService.ScoringServiceClient(channel).ScoreAsync(
            new ScoreRequest { Transaction = Transaction(transactionId, account, system.BlockedDevice) },
            new Metadata { { "authorization", "Bearer " + scorerKey } },
            deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cts.Token);
        Assert.Equal(Decision.Decline, response.Decision);
        Assert.Contains("RULE_BLOCKED_DEVICE", response.RulesFired);

        // The decision reaches PostgreSQL through the scorer's spool and the alert service.
        await using var db = new NpgsqlConnection(system.AlertsDbConnectionString);
        await db.OpenAsync(cts.Token);
        short? stored = null;
        while (stored is null)
        {
            await using var query = new NpgsqlCommand("SELECT decision FROM decisions WHERE transaction_id = $1", db) { Parameters = { new() { Value = transactionId } } };
            stored = (short?)await query.ExecuteScalarAsync(cts.Token);
            if (stored is null)
            {
                await Task.Delay(200, cts.Token);
            }
        }
        Assert.Equal((short)Decision.Decline, stored);

        // Its alert shows in the console's list.
        using var http = new HttpClient { BaseAddress = new Uri(system.ConsoleUrl) };
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/alerts?account={account}&decision=DECLINE", cts.Token);
        var alert = page.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("transactionId").GetString() == transactionId);
        Assert.Equal("OPEN", alert.GetProperty("status").GetString());
        Assert.Equal("DECLINE", alert.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task ConsoleTraffic_FraudBurst_EveryTransactionScored()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var http = new HttpClient { BaseAddress = new Uri(system.ConsoleUrl) };
        using var response = await http.PostAsync(new Uri("/api/traffic?scenario=fraud&count=20", UriKind.Relative), null, cts.Token);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        Assert.True(response.IsSuccessStatusCode, result.ToString());
        Assert.Equal(20, result.GetProperty("scored").GetInt32());
        Assert.Equal(0, result.GetProperty("errors").GetInt32());
        Assert.NotEmpty(result.GetProperty("sampleTraceIds").EnumerateArray());
    }

    internal static Transaction Transaction(string id, string account, string device)
    {
        var tx = TestTransactions.Valid(id, account, "m-apphost-test");
        tx.AmountMinor = 4_250;
        tx.DeviceId = device;
        tx.IpAddress = "10.1.2.3";
        return tx;
    }
}
