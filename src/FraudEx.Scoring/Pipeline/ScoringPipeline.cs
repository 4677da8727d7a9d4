using System.Diagnostics;
using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Idempotency;
using FraudEx.Scoring.Internal;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Pipeline;

/// <summary>A validated transaction waiting for its batch, with the timestamp it was received at.</summary>
public readonly record struct PendingScore(Transaction Transaction, long ReceivedAt);

/// <summary>
/// The scoring path after validation: idempotency, micro-batching, features (with a budget and a degraded
/// fallback), the model (champion and shadow challenger), explanations, policy, and the hand-off of decisions.
/// </summary>
public sealed partial class ScoringPipeline : IAsyncDisposable
{
    private readonly IFeatureSource features;
    private readonly IFeatureCatalog catalog;
    private readonly ModelHost models;
    private readonly PolicyEngine policy;
    private readonly IDecisionHandOff handOff;
    private readonly ScoringTelemetry telemetry;
    private readonly IOptionsMonitor<ScoringOptions> options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly DecisionCache cache;
    private readonly MicroBatcher<PendingScore, ScoreResponse> batcher;

    /// <summary>Wires the pipeline and starts its batcher.</summary>
    public ScoringPipeline(
        IFeatureSource features,
        IFeatureCatalog catalog,
        ModelHost models,
        PolicyEngine policy,
        IDecisionHandOff handOff,
        ScoringTelemetry telemetry,
        IOptionsMonitor<ScoringOptions> options,
        IOptions<MicroBatcherOptions> batching,
        TimeProvider timeProvider,
        ILogger<ScoringPipeline> logger)
    {
        this.features = features;
        this.catalog = catalog;
        this.models = models;
        this.policy = policy;
        this.handOff = handOff;
        this.telemetry = telemetry;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        cache = new DecisionCache(options.CurrentValue.DecisionCacheCapacity, options.CurrentValue.DecisionCacheBytes);
        batcher = new MicroBatcher<PendingScore, ScoreResponse>(ProcessBatchAsync, batching.Value, timeProvider);
    }

    /// <summary>Batches processed so far.</summary>
    public long BatchCount => batcher.BatchCount;

    /// <summary>
    /// Scores one validated transaction. An id scored before gets its original decision, replayed. Throws
    /// <see cref="BatcherFullException"/> when overloaded.
    /// </summary>
    public async Task<ScoreResponse> ScoreAsync(Transaction transaction, long receivedAt, CancellationToken cancellationToken)
    {
        var id = transaction.TransactionId;
        if (!cache.TryReserve(id, out var existing))
        {
            var original = await existing!.WaitAsync(cancellationToken).ConfigureAwait(false);
            var replay = original.Clone();
            replay.Replayed = true;
            var elapsed = timeProvider.GetElapsedTime(receivedAt);
            replay.ServerProcessingTime = Duration.FromTimeSpan(elapsed);
            telemetry.CountReplay();
            telemetry.RecordDuration(elapsed, replayed: true);
            return replay;
        }

        Task<ScoreResponse> scored;
        try
        {
            // The batch goes on even if this caller gives up: its decision is handed off and must be remembered.
            scored = batcher.EnqueueAsync(new PendingScore(transaction, receivedAt), Activity.Current?.Context ?? default, CancellationToken.None);
        }
        catch (Exception e)
        {
            cache.Abandon(id, e);
            throw;
        }

        // The caller is answered only after the cache has settled the id: a client that retries a failed call the
        // moment its error arrives must find the id released, not the failed attempt still reserved.
        var settled = scored.ContinueWith(
            static (t, state) =>
            {
                var (cache, id) = ((DecisionCache, string))state!;
                if (t.IsCompletedSuccessfully)
                {
                    cache.Complete(id, t.Result);
                    return t.Result;
                }

                cache.Abandon(id, t.Exception?.InnerException ?? new OperationCanceledException());
                return t.GetAwaiter().GetResult();
            },
            (cache, id),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        ScoreResponse response;
        try
        {
            response = await settled.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up; the batch goes on. Should it fail, its error is observed here rather than left to
            // the finalizer as an unobserved task exception.
            _ = settled.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        telemetry.RecordDuration(timeProvider.GetElapsedTime(receivedAt), response.Replayed);
        return response;
    }

    private async ValueTask<ScoreResponse[]> ProcessBatchAsync(IReadOnlyList<BatchItem<PendingScore>> items, CancellationToken ct)
    {
        var n = items.Count;
        var marks = new StepMarks { BatchStart = timeProvider.GetUtcNow(), BatchStartTimestamp = timeProvider.GetTimestamp() };
        using var batchActivity = ScoringTelemetry.Source.StartActivity("scoring.batch", ActivityKind.Internal, items[0].Parent);
        batchActivity?.SetTag("fraudex.batch.size", n);
        telemetry.RecordBatch(n);

        var set = models.Current;
        var width = set.Champion.FeatureCount;
        var transactions = new Transaction[n];
        for (var i = 0; i < n; i++)
        {
            transactions[i] = items[i].Item.Transaction;
        }

        var matrix = new float[n * width];
        var duplicates = new bool[n];
        var degradedReason = await ComputeFeaturesAsync(transactions, matrix, width, duplicates, ct).ConfigureAwait(false);
        var degraded = degradedReason != DegradedReason.Unspecified;
        marks.FeaturesEnd = timeProvider.GetUtcNow();

        float[] probabilities;
        float[]? challengerProbabilities = null;
        using (ScoringTelemetry.Source.StartActivity("scoring.onnx_run"))
        {
            probabilities = set.Champion.Score(matrix, n);
            if (set.Challenger is { } challenger)
            {
                challengerProbabilities = ScoreChallenger(challenger, matrix, n);
            }
        }

        marks.ModelEnd = timeProvider.GetUtcNow();

        var thresholds = set.Champion.Thresholds;
        var degradedThresholds = set.Champion.DegradedThresholds;
        var outcomes = new PolicyOutcome[n];
        var scores = new double[n];
        using (ScoringTelemetry.Source.StartActivity("scoring.policy"))
        {
            for (var i = 0; i < n; i++)
            {
                scores[i] = Math.Clamp((double)probabilities[i], 0.0, 1.0);
                outcomes[i] = policy.Decide(transactions[i], scores[i], degraded, thresholds, degradedThresholds);
            }
        }

        marks.PolicyEnd = timeProvider.GetUtcNow();
        var current = options.CurrentValue;
        var responses = new ScoreResponse[n];
        var records = new DecisionRecord[n];
        var decidedAt = Timestamp.FromDateTimeOffset(marks.PolicyEnd);
        using (var explainActivity = ScoringTelemetry.Source.StartActivity("scoring.explain"))
        {
            var contributions = new double[width + 1];
            var explained = 0;
            for (var i = 0; i < n; i++)
            {
                var tx = transactions[i];
                var outcome = outcomes[i];
                var row = matrix.AsSpan(i * width, width);
                var response = new ScoreResponse
                {
                    TransactionId = tx.TransactionId,
                    Score = scores[i],
                    Decision = outcome.Decision,
                    ModelVersion = set.Champion.Version,
                    Degraded = degraded,
                    DegradedReason = degradedReason,
                    Replayed = duplicates[i],
                };
                if (outcome.Decision != Decision.Approve || current.ExplainApproved)
                {
                    set.Champion.Explain(row, contributions);
                    AddModelReasons(response, row, contributions.AsSpan(0, width), current.TopReasons);
                    explained++;
                }

                response.Reasons.Add(outcome.RuleReasons);
                response.RulesFired.Add(outcome.RulesFired);
                responses[i] = response;

                var record = new DecisionRecord
                {
                    Transaction = tx,
                    Score = scores[i],
                    Decision = outcome.Decision,
                    ModelVersion = set.Champion.Version,
                    Degraded = degraded,
                    FeatureSchemaVersion = catalog.Version,
                    DecidedAt = decidedAt,
                    ServerProcessingTime = Duration.FromTimeSpan(timeProvider.GetElapsedTime(items[i].Item.ReceivedAt)),
                    // The call's trace context travels through the spool, so shipping and storing the decision show
                    // in (or link to) this call's trace.
                    TraceParent = DecisionTrace.Format(items[i].Parent),
                };
                record.Reasons.Add(response.Reasons);
                record.RulesFired.Add(outcome.RulesFired);
                record.Features.Add(row.ToArray());
                if (challengerProbabilities is not null)
                {
                    record.ChallengerScore = challengerProbabilities[i];
                    record.ChallengerVersion = set.Challenger!.Version;
                }

                records[i] = record;
                if (duplicates[i])
                {
                    telemetry.CountReplay();
                }
                else
                {
                    telemetry.CountDecision(outcome.Decision, degraded);
                }
            }

            explainActivity?.SetTag("fraudex.explained", explained);
        }

        marks.ExplainEnd = timeProvider.GetUtcNow();
        using (var handOffActivity = ScoringTelemetry.Source.StartActivity("scoring.handoff"))
        {
            try
            {
                await handOff.HandOffAsync(records, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                handOffActivity?.SetStatus(ActivityStatusCode.Error, e.Message);
                var failurePolicy = current.HandOffFailure;
                telemetry.CountHandOffFailures(n, failurePolicy);
                if (failurePolicy != HandOffFailurePolicy.Answer)
                {
                    // Nothing is answered that is not spooled: every call of the batch fails, the clients retry.
                    ScoringLog.HandOffFailed(logger, n, e);
                    throw new DecisionNotRecordedException(n, e);
                }

                telemetry.CountUnrecorded(n);
                foreach (var record in records)
                {
                    ScoringLog.DecisionNotRecorded(logger, record.Transaction.TransactionId, record.Decision, e.Message);
                }
            }
        }

        marks.HandOffEnd = timeProvider.GetUtcNow();
        for (var i = 0; i < n; i++)
        {
            responses[i].ServerProcessingTime = Duration.FromTimeSpan(timeProvider.GetElapsedTime(items[i].Item.ReceivedAt));
        }

        if (ScoringTelemetry.Source.HasListeners())
        {
            RecordItemSpans(items, marks, batchActivity);
        }

        return responses;
    }

    private async ValueTask<DegradedReason> ComputeFeaturesAsync(Transaction[] transactions, float[] matrix, int width, bool[] duplicates, CancellationToken ct)
    {
        using var activity = ScoringTelemetry.Source.StartActivity("scoring.features");
        var budget = options.CurrentValue.FeatureBudgetFor(transactions.Length);
        using var budgetCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budgetCts.CancelAfter(budget);
        DegradedReason reason;
        string detail;
        try
        {
            var batch = await features.ComputeAsync(transactions, budgetCts.Token).ConfigureAwait(false);
            if (batch.SchemaVersion != catalog.Version || batch.Vectors.Length != transactions.Length)
            {
                throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable,
                    $"The feature service answered schema {batch.SchemaVersion} with {batch.Vectors.Length} vectors; expected {catalog.Version} with {transactions.Length}.");
            }

            for (var i = 0; i < transactions.Length; i++)
            {
                var vector = batch.Vectors[i];
                if (vector.Length != width)
                {
                    throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable,
                        $"The feature service returned {vector.Length} features; the model takes {width}.");
                }

                vector.CopyTo(matrix, i * width);
                duplicates[i] = batch.Duplicates[i];
            }

            return DegradedReason.Unspecified;
        }
        catch (OperationCanceledException) when (budgetCts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            reason = DegradedReason.FeaturesTimeout;
            detail = $"no answer within {budget.TotalMilliseconds} ms";
        }
        catch (FeaturesUnavailableException e)
        {
            reason = e.Reason;
            detail = e.Message;
        }

        activity?.SetStatus(ActivityStatusCode.Error, detail);
        activity?.SetTag("fraudex.degraded_reason", reason.ToString());
        ScoringLog.FeaturesDegraded(logger, transactions.Length, reason, detail);
        for (var i = 0; i < transactions.Length; i++)
        {
            catalog.ComputeTransactionOnly(transactions[i], matrix.AsSpan(i * width, width));
        }

        return reason;
    }

    private float[]? ScoreChallenger(IScoringModel challenger, float[] matrix, int rows)
    {
        try
        {
            return challenger.Score(matrix, rows);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The challenger is an experiment: its failure must never touch the champion's answer.
            ScoringLog.ChallengerFailed(logger, challenger.Version, e);
            return null;
        }
    }

    private void AddModelReasons(ScoreResponse response, ReadOnlySpan<float> values, ReadOnlySpan<double> contributions, int top)
    {
        if (top <= 0)
        {
            return;
        }

        Span<int> best = stackalloc int[top];
        var count = 0;
        for (var f = 0; f < contributions.Length; f++)
        {
            var c = contributions[f];
            if (!(c > 0))
            {
                continue;
            }

            // Insertion into a tiny sorted buffer: cheaper than sorting all features for five winners.
            int pos;
            if (count < top)
            {
                pos = count++;
            }
            else if (c > contributions[best[top - 1]])
            {
                pos = top - 1;
            }
            else
            {
                continue;
            }

            while (pos > 0 && contributions[best[pos - 1]] < c)
            {
                best[pos] = best[pos - 1];
                pos--;
            }

            best[pos] = f;
        }

        for (var k = 0; k < count; k++)
        {
            var f = best[k];
            var (code, sentence) = catalog.Describe(f, values[f]);
            response.Reasons.Add(new Reason { Code = code, Description = sentence, Contribution = contributions[f] });
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => batcher.DisposeAsync();
}
