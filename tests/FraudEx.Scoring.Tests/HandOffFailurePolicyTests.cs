using System.Diagnostics.Metrics;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.Contracts.V1;
using Grpc.Core;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Tests;

/// <summary>Scoring:HandOffFailure with a hand-off that fails (an injected IDecisionHandOff fault): Refuse, the default,
/// answers nothing unrecorded; Answer scores on and counts each decision as not recorded.</summary>
public sealed class HandOffFailurePolicyTests : IAsyncDisposable
{
    private readonly CollectingHandOff handOff = new();
    private readonly ScoringOptions scoringOptions = new() { FeatureBudget = TimeSpan.FromMilliseconds(200) };
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ScoringPipeline pipeline;

    public HandOffFailurePolicyTests()
    {
        var catalog = new FakeCatalog();
        var models = new ModelHost(catalog, TimeProvider.System, NullLogger<ModelHost>.Instance);
        models.Swap(new FakeModel("fraud-1"), null);
        var rules = new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);
        pipeline = new ScoringPipeline(
            new FakeFeatureSource(), catalog, models,
            new PolicyEngine(rules, new TestOptionsMonitor<PolicyOptions>(new PolicyOptions { Degraded = DegradedScorePolicy.Score })), handOff,
            new ScoringTelemetry(services.GetRequiredService<IMeterFactory>()), new TestOptionsMonitor<ScoringOptions>(scoringOptions),
            Options.Create(new MicroBatcherOptions()), TimeProvider.System, NullLogger<ScoringPipeline>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.DisposeAsync();
        await services.DisposeAsync();
    }

    private Task<ScoreResponse> Score(string id, long amount = 9500)
    {
        var tx = Transactions.Valid(id);
        tx.AmountMinor = amount;
        return pipeline.ScoreAsync(tx, TimeProvider.System.GetTimestamp(), CancellationToken.None).WaitAsync(Wait.Timeout);
    }

    [Fact]
    public void Default_IsRefuse()
    {
        Assert.Equal(HandOffFailurePolicy.Refuse, new ScoringOptions().HandOffFailure);
    }

    [Fact]
    public async Task Refuse_HandOffFails_CallFailsAndRetryAfterRecoveryIsAnsweredAndRecordedOnce()
    {
        handOff.Fail = true;

        var error = await Assert.ThrowsAsync<DecisionNotRecordedException>(() => Score("refused"));
        Assert.IsType<IOException>(error.InnerException);
        Assert.Empty(handOff.Records);

        handOff.Fail = false;
        var retried = await Score("refused");

        Assert.Equal(Decision.Decline, retried.Decision);
        Assert.Equal("refused", Assert.Single(handOff.Records).Transaction.TransactionId);
    }

    [Fact]
    public async Task Refuse_RetryTheMomentTheErrorArrives_IsScoredNotFailedAgain()
    {
        // The error reaches the caller on one thread while the id is released on another; the retry must never
        // find the failed attempt still reserved (and inherit its error).
        for (var i = 0; i < 200; i++)
        {
            var id = $"again{i}";
            handOff.Fail = true;
            await Assert.ThrowsAsync<DecisionNotRecordedException>(() => Score(id));
            handOff.Fail = false;

            var retried = await Score(id);

            Assert.Equal(Decision.Decline, retried.Decision);
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"again{i}"), handOff.Records.Select(r => r.Transaction.TransactionId));
    }

    [Fact]
    public async Task Refuse_ConcurrentCallsOfAFailedBatch_AllFail()
    {
        handOff.Fail = true;

        var calls = Enumerable.Range(0, 50).Select(i => Score($"batch{i}")).ToList();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<DecisionNotRecordedException>(() => call);
        }

        Assert.Empty(handOff.Records);
    }

    [Fact]
    public async Task Answer_HandOffFails_AnswersAndCountsEachDecisionUnrecorded()
    {
        scoringOptions.HandOffFailure = HandOffFailurePolicy.Answer;
        handOff.Fail = true;
        long unrecorded = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "fraudex.scoring.decisions.unrecorded")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref unrecorded, value));
        listener.Start();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Score($"answered{i}")));

        Assert.All(responses, r => Assert.Equal(Decision.Decline, r.Decision));
        Assert.Empty(handOff.Records);
        Assert.Equal(5, Interlocked.Read(ref unrecorded));
    }
}

/// <summary>The same policies as the clients see them, over gRPC: UNAVAILABLE for a unary call, a per-message
/// UNAVAILABLE error on ScoreStream.</summary>
public sealed class HandOffFailureStatusTests : IAsyncLifetime
{
    private ScoringTestHost host = null!;

    public async Task InitializeAsync() => host = await ScoringTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static CallOptions Key() => ApiKeys.CallOptions(ScoringTestHost.Scorer.Key, DateTime.UtcNow.AddSeconds(10));

    private static Transaction Tx(string id)
    {
        var tx = Transactions.Valid(id);
        tx.Timestamp = Timestamp.FromDateTime(DateTime.UtcNow);
        return tx;
    }

    [Fact]
    public async Task Score_HandOffFails_Unavailable()
    {
        host.HandOff.Fail = true;

        var e = await Assert.ThrowsAsync<RpcException>(() => host.Client.ScoreAsync(new ScoreRequest { Transaction = Tx("u1") }, Key()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Empty(host.HandOff.Records);
    }

    [Fact]
    public async Task ScoreStream_HandOffFails_EachMessageCarriesUnavailable()
    {
        host.HandOff.Fail = true;
        using var call = host.Client.ScoreStream(Key());
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = Tx($"us{i}") });
        }

        await call.RequestStream.CompleteAsync();
        var received = new List<ScoreStreamResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait.Timeout))
        {
            received.Add(call.ResponseStream.Current);
        }

        Assert.Equal(["us0", "us1", "us2"], received.Select(r => r.TransactionId));
        Assert.All(received, r => Assert.Equal((int)StatusCode.Unavailable, r.Error.Code));
        Assert.Empty(host.HandOff.Records);
    }
}
