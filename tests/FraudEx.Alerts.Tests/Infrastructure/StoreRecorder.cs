using System.Collections.Concurrent;
using System.Diagnostics;
using FraudEx.Alerts.Client;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Tests.Infrastructure;

/// <summary>Ships spooled batches straight into a <see cref="DecisionStore"/> (the alert service's logic, without the
/// network hop), optionally failing while <see cref="Down"/> is set, as an unreachable alert service would.</summary>
public sealed class StoreRecorder(DecisionStore store) : IDecisionRecorder
{
    private long _calls;

    public volatile bool Down;

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The span each call ran under (the spool's ship span when a listener records it), with its batch.</summary>
    public ConcurrentQueue<(Activity? Span, IReadOnlyList<DecisionRecord> Batch)> Spans { get; } = new();

    public async Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        Spans.Enqueue((Activity.Current, decisions));
        if (Down)
        {
            throw new IOException("alert service unreachable");
        }

        await store.RecordAsync(decisions, cancellationToken);
    }
}
