using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.Testing;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace FraudEx.Alerts.Tests;

/// <summary>Labels reported to the real alert service reach the real feature service (with its Redis), including
/// those reported while the feature service was not running yet.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LabelForwardingEndToEndTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static CallOptions Call => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task LabelReportedWhileFeatureServiceDown_ReachesItOnceItRuns()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(LabelReportedWhileFeatureServiceDown_ReachesItOnceItRuns), Timeout);
        await using var redis = await RedisServer.StartAsync(cancellationToken: Timeout);
        var featuresPort = FreePort.Next();
        await using var alerts = await AlertServiceHost.StartAsync(connectionString, new Dictionary<string, string?>
        {
            ["services__features__grpc__0"] = $"http://127.0.0.1:{featuresPort}",
        }, Timeout);
        var record = new RecordDecisionsRequest();
        record.Decisions.AddRange(Decisions.Range("e2elabel", 0, 2));
        await alerts.Client.RecordDecisionsAsync(record, Call);

        var whileDown = await alerts.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "e2elabel-00000000", Kind = LabelKind.Chargeback, Source = "issuer-chargeback-feed",
        }, Call);
        await using var features = ChildProcess.Start("dotnet", [FeaturesDll()], AppContext.BaseDirectory, new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{featuresPort}",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await FreePort.WaitUntilListeningAsync(featuresPort, TimeSpan.FromSeconds(60), Timeout);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var token = Timeout;
        while (await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM labels WHERE forwarded_at IS NULL") > 0)
        {
            await Task.Delay(200, token);
        }

        var whileUp = await alerts.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "e2elabel-00000001", Kind = LabelKind.ConfirmedFraud, Source = "analyst:jane",
        }, Call);
        // Sending the same labels to the feature service directly: it already has both, so both are duplicates.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{featuresPort}");
        var again = new RecordLabelsRequest();
        foreach (var (id, kind) in new[] { ("e2elabel-00000000", LabelKind.Chargeback), ("e2elabel-00000001", LabelKind.ConfirmedFraud) })
        {
            var decision = Decisions.Make("e2elabel", id.EndsWith('0') ? 0 : 1);
            again.Labels.Add(new Label
            {
                TransactionId = id, Kind = kind, MerchantId = decision.Transaction.MerchantId, DeviceId = decision.Transaction.DeviceId,
                AccountId = decision.Transaction.AccountId, TransactionTime = decision.Transaction.Timestamp,
                LabeledTime = Timestamp.FromDateTime(DateTime.UtcNow),
            });
        }

        var direct = await new FeatureService.FeatureServiceClient(channel).RecordLabelsAsync(again, Call);

        Assert.True(whileDown.Recorded);
        Assert.False(whileDown.Forwarded);
        Assert.True(whileUp.Recorded);
        Assert.True(whileUp.Forwarded);
        Assert.Equal((0, 2), (direct.Applied, direct.Duplicates));
    }

    private static string FeaturesDll()
    {
        // tests/FraudEx.Alerts.Tests/bin/<Configuration>/net10.0 → src/FraudEx.Features/bin/<Configuration>/net10.0
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(RepositoryPaths.Root, "src", "FraudEx.Features", "bin", configuration, "net10.0", "FraudEx.Features.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/FraudEx.Features first.", path);
    }
}
