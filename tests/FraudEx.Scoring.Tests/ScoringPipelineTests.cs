using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudEx.Contracts.V1;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Tests;

public sealed class ScoringPipelineTests : IAsyncDisposable
{
    private readonly FakeCatalog catalog = new();
    private readonly FakeFeatureSource features = new();
    private readonly CollectingHandOff handOff = new();
    private readonly ModelHost models;
    private readonly TestOptionsMonitor<PolicyOptions> policyOptions = new(new PolicyOptions { Degraded = DegradedScorePolicy.Score });
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ScoringPipeline pipeline;
    private readonly FakeModel champion = new("fraud-1");

    public ScoringPipelineTests()
    {
        models = new ModelHost(catalog, TimeProvider.System, NullLogger<ModelHost>.Instance);
        models.Swap(champion, null);
        var rules = new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);
        pipeline = new ScoringPipeline(
            features, catalog, models, new PolicyEngine(rules, policyOptions), handOff,
            new ScoringTelemetry(services.GetRequiredService<IMeterFactory>()),
            new TestOptionsMonitor<ScoringOptions>(new ScoringOptions { FeatureBudget = TimeSpan.FromMilliseconds(200) }),
            Options.Create(new MicroBatcherOptions()), TimeProvider.System, NullLogger<ScoringPipeline>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.DisposeAsync();
        await services.DisposeAsync();
    }

    private Task<ScoreResponse> Score(Transaction tx) =>
        pipeline.ScoreAsync(tx, TimeProvider.System.GetTimestamp(), CancellationToken.None).WaitAsync(Wait.Timeout);

    private static Transaction Tx(string id, long amount)
    {
        var tx = Transactions.Valid(id);
        tx.AmountMinor = amount;
        return tx;
    }

    [Theory]
    [InlineData(1000, Decision.Approve)]
    [InlineData(6000, Decision.Review)]
    [InlineData(9500, Decision.Decline)]
    public async Task Score_AppliesModelAndThresholds(long amount, Decision expected)
    {
        var response = await Score(Tx("t", amount));
        Assert.Equal(expected, response.Decision);
        Assert.Equal(amount / 10_000.0, response.Score, 5);
        Assert.Equal("fraud-1", response.ModelVersion);
        Assert.False(response.Degraded);
        Assert.False(response.Replayed);
        Assert.NotNull(response.ServerProcessingTime);
    }

    [Fact]
    public async Task Score_TopReasonsStrongestFirst()
    {
        var response = await Score(Tx("t", 5000));
        Assert.Equal(["F0", "F2", "F1", "F3"], response.Reasons.Select(r => r.Code));
        Assert.True(response.Reasons[0].Contribution > response.Reasons[1].Contribution);
    }

    [Fact]
    public async Task Approved_NotExplained()
    {
        var response = await Score(Tx("ok", 1000));
        Assert.Equal(Decision.Approve, response.Decision);
        Assert.Empty(response.Reasons);
    }

    [Fact]
    public async Task SameTransactionTwice_ReplaysOriginalAndHandsOffOnce()
    {
        var first = await Score(Tx("dup", 9500));
        var second = await Score(Tx("dup", 10));
        Assert.True(second.Replayed);
        Assert.Equal(first.Decision, second.Decision);
        Assert.Equal(first.Score, second.Score);
        Assert.Single(handOff.Records);
        Assert.Equal(1, features.Calls);
    }

    [Fact]
    public async Task ScoredInARecordedTrace_DecisionCarriesTheCallsTraceparent()
    {
        using var call = new Activity("Score call").SetIdFormat(ActivityIdFormat.W3C);
        call.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        call.Start();

        await Score(Tx("traced", 9500));
        call.Stop();

        var record = Assert.Single(handOff.Records);
        Assert.Equal($"00-{call.TraceId.ToHexString()}-{call.SpanId.ToHexString()}-01", record.TraceParent);
    }

    [Fact]
    public async Task ScoredOutsideATrace_DecisionCarriesNoTraceparent()
    {
        Activity.Current = null;

        await Score(Tx("untraced", 9500));

        Assert.Equal(string.Empty, Assert.Single(handOff.Records).TraceParent);
    }

    [Fact]
    public async Task ConcurrentTwins_ScoredOnce()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Score(Tx("twin", 7000)))));
        Assert.Single(responses, r => !r.Replayed);
        Assert.Single(handOff.Records);
    }

    [Fact]
    public async Task DuplicateSeenOnlyByFeatureService_IsMarkedReplayed()
    {
        await Score(Tx("old", 9500));
        await using var restarted = new ScoringPipeline(
            features, catalog, models, new PolicyEngine(new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance), policyOptions),
            handOff, new ScoringTelemetry(services.GetRequiredService<IMeterFactory>()),
            new TestOptionsMonitor<ScoringOptions>(new ScoringOptions()), Options.Create(new MicroBatcherOptions()),
            TimeProvider.System, NullLogger<ScoringPipeline>.Instance);
        var replay = await restarted.ScoreAsync(Tx("old", 10), TimeProvider.System.GetTimestamp(), CancellationToken.None).WaitAsync(Wait.Timeout);
        Assert.True(replay.Replayed);
        Assert.Equal(Decision.Decline, replay.Decision);
    }

    [Fact]
    public void FeatureBudget_GrowsWithTheBatch()
    {
        var o = new ScoringOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(20.5), o.FeatureBudgetFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(148), o.FeatureBudgetFor(256));
        o.FeatureBudgetPerTransaction = TimeSpan.Zero;
        Assert.Equal(o.FeatureBudget, o.FeatureBudgetFor(256));
    }

    [Fact]
    public async Task SlowFeatures_ScoreDegradedWithTimeout()
    {
        features.Delay = TimeSpan.FromSeconds(5);
        var response = await Score(Tx("slow", 9500));
        Assert.True(response.Degraded);
        Assert.Equal(DegradedReason.FeaturesTimeout, response.DegradedReason);
        Assert.Equal(0.05, response.Score, 5);
        var record = Assert.Single(handOff.Records);
        Assert.True(record.Degraded);
        Assert.True(float.IsNaN(record.Features[3]));
        Assert.False(float.IsNaN(record.Features[0]));
    }

    [Fact]
    public async Task FeaturesDown_ScoreDegradedUnavailable_AndPolicyApplies()
    {
        policyOptions.Set(new PolicyOptions { Degraded = DegradedScorePolicy.Review });
        features.Failure = new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable, "connection refused");
        var response = await Score(Tx("down", 9500));
        Assert.Equal(DegradedReason.FeaturesUnavailable, response.DegradedReason);
        Assert.Equal(Decision.Review, response.Decision);
        Assert.Contains("RULE_DEGRADED_REVIEW", response.RulesFired);
    }

    [Fact]
    public async Task FeatureSchemaMismatch_ScoresDegraded()
    {
        features.SchemaVersion = "fx-other";
        var response = await Score(Tx("schema", 9500));
        Assert.Equal(DegradedReason.FeaturesUnavailable, response.DegradedReason);
    }

    [Fact]
    public async Task Challenger_ScoredInShadowAndLogged()
    {
        models.Swap(champion, new FakeModel("fraud-2", offset: 0.3f));
        var response = await Score(Tx("c", 1000));
        Assert.Equal(0.1, response.Score, 5);
        Assert.Equal(Decision.Approve, response.Decision);
        var record = Assert.Single(handOff.Records);
        Assert.Equal(0.4, record.ChallengerScore, 5);
        Assert.Equal("fraud-2", record.ChallengerVersion);
        Assert.Equal(1, champion.Runs);
    }

    [Fact]
    public async Task ManyConcurrentCalls_ShareBatches()
    {
        features.Delay = TimeSpan.FromMilliseconds(5);
        var responses = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Score(Tx($"m{i}", 100 + i))));
        Assert.Equal(Enumerable.Range(0, 600).Select(i => $"m{i}"), responses.Select(r => r.TransactionId));
        Assert.True(pipeline.BatchCount < 100, $"{pipeline.BatchCount} batches for 600 calls");
        Assert.Equal(600, handOff.Records.Count);
    }

    [Fact]
    public void ModelOnOtherSchema_IsRefusedAndOldKept()
    {
        var wrong = new FakeModel("fraud-x", schema: "fx-0");
        Assert.Throws<InvalidDataException>(() => models.Swap(wrong, null));
        Assert.Same(champion, models.Current.Champion);
        Assert.Throws<InvalidDataException>(() => models.Swap(new FakeModel("fraud-y", features: 5), null));
    }
}
