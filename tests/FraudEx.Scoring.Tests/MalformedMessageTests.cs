using System.IO.Compression;
using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Compression;

namespace FraudEx.Scoring.Tests;

/// <summary>
/// Request messages that do not parse or do not decompress, sent with Grpc.Net.Client as raw bytes to the scoring
/// service on a real Kestrel: each gets its precise status (INVALID_ARGUMENT naming the message, INTERNAL for a
/// compressed message that does not decompress), on unary calls and in the middle of a stream, and the service then
/// answers a normal call.
/// </summary>
public sealed class MalformedMessageTests : IAsyncLifetime
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static readonly Method<byte[], ScoreResponse> RawScore = new(
        MethodType.Unary, ScoringService.Descriptor.FullName, "Score", Raw, Marshallers.Create((ScoreResponse m) => m.ToByteArray(), ScoreResponse.Parser.ParseFrom));

    private static readonly Method<byte[], ScoreStreamResponse> RawScoreStream = new(
        MethodType.DuplexStreaming, ScoringService.Descriptor.FullName, "ScoreStream", Raw, Marshallers.Create((ScoreStreamResponse m) => m.ToByteArray(), ScoreStreamResponse.Parser.ParseFrom));

    private ScoringTestHost host = null!;

    public async Task InitializeAsync() => host = await ScoringTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    public static TheoryData<string> Unparsable => [.. Bodies.Keys];

    private static readonly Dictionary<string, byte[]> Bodies = new()
    {
        ["invalid UTF-8 in transaction_id"] = Field(1, Field(1, [0xC3, 0x28])),
        ["invalid wire type 7"] = [.. Field(1, Valid("wt7").Transaction.ToByteArray()), .. Tag(15, 7)],
        ["length-delimited field longer than its message"] = [.. Tag(1, 2), 0xE8, 0x07, .. new byte[10]],
        ["message cut inside a field"] = Valid("cut").ToByteArray()[..^3],
        ["transaction whose tag is zero"] = Field(1, [0x00, 0x01]),
    };

    [Theory]
    [MemberData(nameof(Unparsable))]
    public async Task Score_Unparsable_InvalidArgumentNamingTheMessage_ThenServesNormally(string name)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Invoker.AsyncUnaryCall(RawScore, null, Options(), Bodies[name]).ResponseAsync.WaitAsync(Wait.Timeout));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("request message is not a valid fraudex.v1.ScoreRequest: ", e.Status.Detail, StringComparison.Ordinal);
        Assert.True(e.Status.Detail.Length > "request message is not a valid fraudex.v1.ScoreRequest: ".Length, "the reason is missing");
        Assert.Empty(host.HandOff.Records);
        await AssertServesNormallyAsync();
    }

    [Fact]
    public async Task Score_GzipFlagWithPayloadThatIsNotGzip_Internal_ThenServesNormally()
    {
        // A client whose "gzip" writes raw deflate: the message carries the compressed flag and grpc-encoding gzip,
        // but the server's gzip decoder finds no gzip header.
        using var channel = GrpcChannel.ForAddress(host.Address, new GrpcChannelOptions { CompressionProviders = [new NotGzip()] });
        var client = new ScoringService.ScoringServiceClient(channel);
        var options = Options().WithHeaders(new Metadata
        {
            { "authorization", "Bearer " + ScoringTestHost.Scorer.Key },
            { "grpc-internal-encoding-request", "gzip" },
        });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.ScoreAsync(Valid("gz"), options).ResponseAsync.WaitAsync(Wait.Timeout));

        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.StartsWith("request message could not be decompressed with grpc-encoding 'gzip': ", e.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(host.HandOff.Records);
        await AssertServesNormallyAsync();
    }

    [Fact]
    public async Task ScoreStream_UnparsableMessageAfterGoodOnes_AnswersThemThenEndsWithInvalidArgument()
    {
        using var call = Invoker.AsyncDuplexStreamingCall(RawScoreStream, null, Options());
        var good = new[] { "ms-1", "ms-2", "ms-3" };
        foreach (var id in good)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = Tx(id) }.ToByteArray()).WaitAsync(Wait.Timeout);
        }

        await call.RequestStream.WriteAsync(Bodies["invalid wire type 7"]).WaitAsync(Wait.Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(Wait.Timeout);

        var answered = new List<ScoreStreamResponse>();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait.Timeout))
            {
                answered.Add(call.ResponseStream.Current);
            }
        });

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("request message is not a valid fraudex.v1.ScoreStreamRequest: ", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(good, answered.Select(r => r.TransactionId));
        Assert.All(answered, r => Assert.Equal(ScoreStreamResponse.OutcomeOneofCase.Result, r.OutcomeCase));
        await AssertServesNormallyAsync();
    }

    [Fact]
    public void WithParseErrors_ValidMessage_ParsedAsBefore()
    {
        var request = Valid("roundtrip");

        var parsed = ParseWrapped(request.ToByteArray());

        Assert.Equal(request, parsed);
        Assert.Equal("fraudex.v1.ScoreRequest", RequestMessageErrors.MessageName<ScoreRequest>());
    }

    [Fact]
    public void WithParseErrors_Unparsable_RpcExceptionInvalidArgument()
    {
        var e = Assert.Throws<RpcException>(() => ParseWrapped(Bodies["transaction whose tag is zero"]));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("invalid tag", e.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    private static ScoreRequest ParseWrapped(byte[] payload)
    {
        var marshaller = RequestMessageErrors.WithParseErrors(
            Marshallers.Create((ScoreRequest m) => m.ToByteArray(), ScoreRequest.Parser.ParseFrom), "fraudex.v1.ScoreRequest");
        return marshaller.ContextualDeserializer(new Payload(payload));
    }

    private CallInvoker Invoker => host.Channel.CreateCallInvoker();

    private static CallOptions Options() => ApiKeys.CallOptions(ScoringTestHost.Scorer.Key, DateTime.UtcNow.AddSeconds(10));

    private async Task AssertServesNormallyAsync()
    {
        var before = host.HandOff.Records.Count;
        var response = await host.Client.ScoreAsync(Valid("after"), Options()).ResponseAsync.WaitAsync(Wait.Timeout);
        Assert.StartsWith("after", response.TransactionId, StringComparison.Ordinal);
        Assert.Equal(before + 1, host.HandOff.Records.Count);
    }

    private static Transaction Tx(string id)
    {
        var tx = Transactions.Valid(id);
        tx.Timestamp = Timestamp.FromDateTime(DateTime.UtcNow);
        return tx;
    }

    private static ScoreRequest Valid(string prefix) => new() { Transaction = Tx($"{prefix}-{Guid.NewGuid():N}") };

    /// <summary>A field's tag (fields 1 to 15: one byte).</summary>
    private static byte[] Tag(int field, int wireType) => [(byte)((field << 3) | wireType)];

    /// <summary>A length-delimited field.</summary>
    private static byte[] Field(int field, byte[] payload)
    {
        var length = new List<byte>();
        for (var n = (uint)payload.Length; ; n >>= 7)
        {
            length.Add((byte)(n < 0x80 ? n : (n & 0x7F) | 0x80));
            if (n < 0x80)
            {
                break;
            }
        }

        return [.. Tag(field, 2), .. length, .. payload];
    }

    /// <summary>A whole message in one buffer, as Grpc.AspNetCore hands it to a deserializer.</summary>
    private sealed class Payload(byte[] bytes) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => bytes.ToArray();

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(bytes);
    }

    /// <summary>Says "gzip" and writes raw deflate.</summary>
    private sealed class NotGzip : ICompressionProvider
    {
        public string EncodingName => "gzip";

        public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
            new DeflateStream(stream, CompressionLevel.Fastest, leaveOpen: true);

        public Stream CreateDecompressionStream(Stream stream) => new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
    }
}
