using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace FraudEx.Scoring.Tests;

public sealed class ScoringGrpcServiceTests : IAsyncLifetime
{
    private ScoringTestHost host = null!;

    public async Task InitializeAsync() => host = await ScoringTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static CallOptions Key(string? key) => ApiKeys.CallOptions(key, DateTime.UtcNow.AddSeconds(10));

    private static Transaction Tx(string id, long amount = 1000)
    {
        var tx = Transactions.Valid(id);
        tx.AmountMinor = amount;
        tx.Timestamp = Timestamp.FromDateTime(DateTime.UtcNow);
        return tx;
    }

    [Fact]
    public async Task Score_ValidTransaction_ReturnsDecision()
    {
        var response = await host.Client.ScoreAsync(new ScoreRequest { Transaction = Tx("s1", 9500) }, Key(ScoringTestHost.Scorer.Key));
        Assert.Equal("s1", response.TransactionId);
        Assert.Equal(Decision.Decline, response.Decision);
        Assert.Equal("fraud-1", response.ModelVersion);
        Assert.True(response.ServerProcessingTime.ToTimeSpan() > TimeSpan.Zero);
        var record = Assert.Single(host.HandOff.Records);
        Assert.Equal(1.0, record.ChallengerScore, 4);
    }

    [Fact]
    public async Task Score_InvalidTransaction_InvalidArgumentWithFieldViolations()
    {
        var tx = Tx("bad");
        tx.AmountMinor = -1;
        tx.Currency = "XYZ";
        tx.Location = new GeoPoint { Latitude = 91 };
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Client.ScoreAsync(new ScoreRequest { Transaction = tx }, Key(ScoringTestHost.Scorer.Key)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var badRequest = e.GetRpcStatus()!.Details.Single().Unpack<BadRequest>();
        Assert.Equal(["transaction.amount_minor", "transaction.currency", "transaction.location.latitude"], badRequest.FieldViolations.Select(v => v.Field));
        Assert.Empty(host.HandOff.Records);
    }

    [Fact]
    public async Task Score_MissingTransaction_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Client.ScoreAsync(new ScoreRequest(), Key(ScoringTestHost.Scorer.Key)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Theory]
    [InlineData(null, StatusCode.Unauthenticated)]
    [InlineData("gateway.not-the-secret", StatusCode.Unauthenticated)]
    [InlineData("analyst", StatusCode.PermissionDenied)]
    public async Task Score_WithoutScorerKey_Refused(string? key, StatusCode expected)
    {
        var apiKey = key == "analyst" ? ScoringTestHost.Analyst.Key : key;
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Client.ScoreAsync(new ScoreRequest { Transaction = Tx("a1") }, Key(apiKey)).ResponseAsync);
        Assert.Equal(expected, e.StatusCode);
        Assert.Empty(host.HandOff.Records);
    }

    [Fact]
    public async Task ScoreStream_WithoutKey_Unauthenticated()
    {
        using var call = host.Client.ScoreStream(Key(null));
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait.Timeout));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task GetModel_DescribesChampionChallengerAndThresholds()
    {
        var model = await host.Client.GetModelAsync(new GetModelRequest(), Key(ScoringTestHost.Analyst.Key));
        Assert.Equal("fraud-1", model.ModelVersion);
        Assert.Equal("fraud-2", model.ChallengerVersion);
        Assert.Equal("fx-test", model.FeatureSchemaVersion);
        Assert.Equal(4, model.Features.Count);
        Assert.Equal(0.5, model.Thresholds.Review);
        Assert.Equal(0.9, model.Thresholds.Decline);
    }

    [Fact]
    public async Task ScoreStream_AnswersEveryMessageInOrder_WithPerMessageErrors()
    {
        using var call = host.Client.ScoreStream(Key(ScoringTestHost.Scorer.Key));
        const int count = 3000;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var tx = Tx($"st{i}", 100 + i);
                if (i % 100 == 7)
                {
                    tx.Currency = "ZZZ";
                }

                await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = tx });
            }

            await call.RequestStream.CompleteAsync();
        });

        var received = new List<ScoreStreamResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait.Timeout))
        {
            received.Add(call.ResponseStream.Current);
        }

        await writer.WaitAsync(Wait.Timeout);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"st{i}"), received.Select(r => r.TransactionId));
        var errors = received.Where(r => r.OutcomeCase == ScoreStreamResponse.OutcomeOneofCase.Error).ToList();
        Assert.Equal(30, errors.Count);
        Assert.All(errors, e => Assert.Equal("transaction.currency", Assert.Single(e.Error.FieldViolations).Field));
        Assert.All(errors, e => Assert.Equal(3, e.Error.Code));
        Assert.Equal(count - 30, host.HandOff.Records.Count);
    }

    [Fact]
    public async Task ScoreStream_SlowReader_GetsBackPressureNotUnboundedBuffering()
    {
        using var call = host.Client.ScoreStream(ApiKeys.CallOptions(ScoringTestHost.Scorer.Key, DateTime.UtcNow.AddSeconds(60)));
        const int count = 30_000;
        var written = 0;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = Tx($"bp{i}") });
                Interlocked.Increment(ref written);
            }

            await call.RequestStream.CompleteAsync();
        });

        // Nobody reads: once the window and the HTTP/2 flow-control windows are full, the server stops scoring.
        await Task.Delay(3000);
        var scored = host.HandOff.Records.Count;
        await Task.Delay(1000);
        Assert.Equal(scored, host.HandOff.Records.Count);
        Assert.True(scored < count / 2, $"{scored} of {count} scored without a reader");
        Assert.True(Volatile.Read(ref written) < count, "the writer was never held back");

        var read = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait.Timeout))
        {
            Assert.Equal($"bp{read}", call.ResponseStream.Current.TransactionId);
            read++;
        }

        await writer.WaitAsync(Wait.Timeout);
        Assert.Equal(count, read);
    }

    [Fact]
    public async Task Score_SameTransactionTwice_ReplayedAndHandedOffOnce()
    {
        var first = await host.Client.ScoreAsync(new ScoreRequest { Transaction = Tx("r1", 6000) }, Key(ScoringTestHost.Scorer.Key));
        var second = await host.Client.ScoreAsync(new ScoreRequest { Transaction = Tx("r1", 6000) }, Key(ScoringTestHost.Scorer.Key));
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Decision, second.Decision);
        Assert.Single(host.HandOff.Records);
    }
}
