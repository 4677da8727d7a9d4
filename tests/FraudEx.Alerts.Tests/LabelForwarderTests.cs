using System.Collections.Concurrent;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class LabelForwarderTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task FeatureServiceDownThenUp_EveryLabelForwardedOnceItIsBack()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(FeatureServiceDownThenUp_EveryLabelForwardedOnceItIsBack));
        await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance).RecordAsync(Decisions.Range("lbl", 0, 20), Timeout);
        var labels = new LabelStore(dataSource, TimeProvider.System);
        for (var i = 0; i < 20; i++)
        {
            await labels.ReportAsync(new ReportLabelRequest
            {
                TransactionId = $"lbl-{i:D8}", Kind = i % 2 == 0 ? LabelKind.Chargeback : LabelKind.Genuine, Source = "feed",
            }, Timeout);
        }

        var sink = new SwitchableSink { Down = true };
        var forwarder = new LabelForwarder(dataSource, sink, TimeProvider.System, NullLogger<LabelForwarder>.Instance);

        var whileDown = await forwarder.ForwardDueAsync(null, Timeout);
        var pendingWhileDown = await forwarder.CountPendingAsync(Timeout);
        // Failed labels wait for their backoff (about a second after the first failure) before the next attempt.
        sink.Down = false;
        var forwarded = 0;
        while (forwarded < 20)
        {
            forwarded += await forwarder.ForwardDueAsync(null, Timeout);
            await Task.Delay(100, Timeout);
        }

        Assert.Equal(0, whileDown);
        Assert.Equal(20, pendingWhileDown);
        Assert.Equal(0, await forwarder.CountPendingAsync(Timeout));
        Assert.Equal(20, sink.Received.Count);
        Assert.Equal(20, sink.Received.Select(l => l.TransactionId).Distinct().Count());
        var first = sink.Received.Single(l => l.TransactionId == "lbl-00000000");
        Assert.Equal(("m-0", "dev-0", "acct-0", LabelKind.Chargeback), (first.MerchantId, first.DeviceId, first.AccountId, first.Kind));
        Assert.Equal(20, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM labels WHERE forward_attempts = 1 AND forwarded_at IS NOT NULL"));
    }

    private sealed class SwitchableSink : ILabelSink
    {
        public volatile bool Down;

        public ConcurrentBag<Label> Received { get; } = [];

        public Task RecordLabelsAsync(IReadOnlyList<Label> labels, CancellationToken cancellationToken)
        {
            if (Down)
            {
                throw new HttpRequestException("feature service unreachable");
            }

            foreach (var label in labels)
            {
                Received.Add(label);
            }

            return Task.CompletedTask;
        }
    }
}
