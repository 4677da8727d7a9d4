using System.IO.Compression;
using FraudEx.Contracts.V1;
using FraudEx.Security.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace FraudEx.Security.Tests;

/// <summary>
/// Request bodies no well-behaved client sends, written byte by byte over a raw HTTP/2 connection: broken gRPC
/// framing, broken protobuf, hostile sizes and nesting, compression lies. Each gets one precise gRPC status, and
/// the service answers a normal call right after with its memory bounded.
/// </summary>
[Collection(SecuritySystemCollection.Name)]
public sealed class MalformedRequestTests(SecuritySystemFixture fixture)
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    private FraudExSystem System => fixture.System;

    /// <summary>One malformed request: where it goes, its body, extra headers, and the status it must get.</summary>
    private sealed record Case(Service Service, string Path, Func<byte[]> Body, StatusCode Expected, params (string, string)[] Headers);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["truncated frame: prefix says 200 bytes, 20 arrive"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore()[..20], declaredLength: (uint)ValidScore().Length), StatusCode.Internal),
        ["frame cut inside its 5-byte prefix"] = new(Service.Scoring, Wire.Score, () => [0, 0, 0], StatusCode.Internal),
        ["length prefix of 2 GiB"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore(), declaredLength: int.MaxValue), StatusCode.ResourceExhausted),
        ["no message on a unary call"] = new(Service.Scoring, Wire.Score, () => [], StatusCode.Internal),
        ["two messages on a unary call"] = new(Service.Scoring, Wire.Score,
            () => [.. Wire.Frame(ValidScore()), .. Wire.Frame(ValidScore())], StatusCode.Internal),
        ["invalid wire type 7 inside the transaction"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(Wire.ScoreRequestWithTransactionTail("wt7", Wire.Tag(99, 7))), StatusCode.Internal),
        ["known field, wrong wire type (transaction as varint)"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame([.. Wire.Tag(1, 0), .. Wire.Varint(5)]), StatusCode.InvalidArgument),
        ["length-delimited field longer than its message"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame([.. Wire.Tag(1, 2), .. Wire.Varint(1_000), .. new byte[10]]), StatusCode.Internal),
        ["invalid UTF-8 in transaction_id"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(Wire.ScoreRequestWithTransactionTail("utf8", Wire.LengthDelimited(1, [0xC3, 0x28, 0xFF]))), StatusCode.Internal),
        ["invalid UTF-8 in an attribute key"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(Wire.ScoreRequestWithTransactionTail("utf8-map",
                Wire.LengthDelimited(15, [.. Wire.LengthDelimited(1, [0xED, 0xA0, 0x80]), .. Wire.LengthDelimited(2, "v"u8)]))), StatusCode.Internal),
        ["10,000-entry attributes map"] = new(Service.Scoring, Wire.Score, () =>
        {
            var tx = Wire.ValidTransaction("map");
            for (var i = 0; i < 10_000; i++)
            {
                tx.Attributes[$"k{i}"] = "v";
            }

            return Wire.Frame(new ScoreRequest { Transaction = tx });
        }, StatusCode.InvalidArgument),
        ["unknown groups nested 10,000 deep"] = new(Service.Scoring, Wire.Score, () =>
        {
            var body = new List<byte>();
            for (var i = 0; i < 10_000; i++)
            {
                body.AddRange(Wire.Tag(100, 3));
            }

            for (var i = 0; i < 10_000; i++)
            {
                body.AddRange(Wire.Tag(100, 4));
            }

            return Wire.Frame([.. Wire.LengthDelimited(1, Wire.ValidTransaction("groups").ToByteArray()), .. body]);
        }, StatusCode.Internal),
        ["unknown length-delimited fields nested 1,000 deep (opaque, ignored)"] = new(Service.Scoring, Wire.Score, () =>
        {
            byte[] nested = [];
            for (var i = 0; i < 1_000; i++)
            {
                nested = Wire.LengthDelimited(200, nested);
            }

            return Wire.Frame(Wire.ScoreRequestWithTransactionTail("opaque", nested));
        }, StatusCode.OK),
        ["compressed flag, no grpc-encoding"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore(), compressedFlag: 1), StatusCode.Internal),
        ["compressed flag 2 (undefined)"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore(), compressedFlag: 2), StatusCode.Internal),
        ["grpc-encoding gzip, payload not gzip"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore(), compressedFlag: 1), StatusCode.Internal, ("grpc-encoding", "gzip")),
        ["grpc-encoding x-snappy (unsupported)"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(ValidScore(), compressedFlag: 1), StatusCode.Unimplemented, ("grpc-encoding", "x-snappy")),
        ["gzip bomb: 170 MB of zeros, gzipped"] = new(Service.Scoring, Wire.Score,
            () => Wire.Frame(Gzip(170 * 1024 * 1024), compressedFlag: 1), StatusCode.ResourceExhausted, ("grpc-encoding", "gzip")),
        ["truncated frame to AlertService/RecordDecisions"] = new(Service.Alerts, Wire.RecordDecisions,
            () => Wire.Frame(new byte[3], declaredLength: 100), StatusCode.Internal),
        ["invalid UTF-8 to AlertService/ReportLabel"] = new(Service.Alerts, Wire.ReportLabel,
            () => Wire.Frame(Wire.LengthDelimited(1, [0xFF, 0xFE])), StatusCode.Internal),
        ["invalid UTF-8 to FeatureService/ComputeFeatures"] = new(Service.Features, Wire.ComputeFeatures,
            () => Wire.Frame(Wire.LengthDelimited(1, [.. Wire.ValidTransaction("f").ToByteArray(), .. Wire.LengthDelimited(2, [0xC0, 0x80])])), StatusCode.Internal),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task MalformedBody_GetsPreciseStatus_ServiceStaysUp(string name)
    {
        var c = Cases[name];
        await using var connection = await H2Connection.ConnectAsync(System.Port(c.Service));
        var stream = await connection.StartGrpcAsync(c.Path, System.Keys.Admin.Key, extraHeaders: c.Headers);
        await connection.SendDataAsync(stream.Id, c.Body(), endStream: true);
        var ended = await connection.WaitEndedAsync(stream, AnswerTimeout);

        var health = await fixture.AssertHealthyAsync(c.Service);
        var verdict = Verdict(ended, stream.GrpcStatus, c.Expected);
        Transcript.Security($"body     {c.Service,-9} {name,-68} -> {stream.Describe()}; expected {c.Expected} {verdict}; {health}");
        Assert.True(ended, $"no answer within {AnswerTimeout}; {connection.DescribeConnection()}");
        Assert.True(verdict != "FAIL", $"expected {c.Expected}, got grpc-status {stream.GrpcStatus}");
    }

    /// <summary>
    /// "ok" for the expected status. Grpc.AspNetCore deserializes a request before any interceptor runs and answers a
    /// body that protobuf cannot parse with UNKNOWN ("Exception was thrown by handler."), not INTERNAL: that is
    /// tolerated as "IMPRECISE" and printed as such in the transcript (the call still ends with a status and the
    /// service stays up), an open item of issue 14. Any other status fails.
    /// </summary>
    private static string Verdict(bool ended, int? status, StatusCode expected) =>
        !ended ? "FAIL"
        : status == (int)expected ? "ok"
        : expected == StatusCode.Internal && status == (int)StatusCode.Unknown ? "IMPRECISE (UNKNOWN from Grpc.AspNetCore's deserializer; open in issue 14)"
        : "FAIL";

    /// <summary>A stream that sends a good transaction, then a broken frame: the call ends with INTERNAL (whether the
    /// first answer got out before is a race, and a client resends what it was not answered).</summary>
    [Fact]
    public async Task ScoreStream_BrokenFrameAfterGoodOne_EndsWithInternal()
    {
        await using var connection = await H2Connection.ConnectAsync(System.Port(Service.Scoring));
        var stream = await connection.StartGrpcAsync(Wire.ScoreStream, System.Keys.Admin.Key);
        await connection.SendDataAsync(stream.Id, Wire.Frame(new ScoreStreamRequest { Transaction = Wire.ValidTransaction("stream-good") }), endStream: false);
        await connection.SendDataAsync(stream.Id, Wire.Frame(Wire.ScoreRequestWithTransactionTail("stream-bad", Wire.Tag(99, 7))), endStream: true);
        var ended = await connection.WaitEndedAsync(stream, AnswerTimeout);

        var answered = stream.Data.Length > 5 ? ScoreStreamResponse.Parser.ParseFrom(stream.Data.ToArray().AsSpan(5, (int)stream.Data.Length - 5)) : null;
        var health = await fixture.AssertHealthyAsync(Service.Scoring);
        var verdict = Verdict(ended, stream.GrpcStatus, StatusCode.Internal);
        Transcript.Security($"body     Scoring   {"ScoreStream: good message, then invalid wire type",-68} -> {(answered?.Result is { } r ? $"first answered ({r.Decision}), then " : "")}{stream.Describe()}; expected Internal {verdict}; {health}");
        Assert.True(ended, $"no end within {AnswerTimeout}");
        Assert.True(verdict != "FAIL", $"expected Internal, got grpc-status {stream.GrpcStatus}");
    }

    private static byte[] ValidScore() => new ScoreRequest { Transaction = Wire.ValidTransaction("malformed") }.ToByteArray();

    private static byte[] Gzip(int zeros)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[1 << 20];
            for (var written = 0; written < zeros; written += block.Length)
            {
                gzip.Write(block);
            }
        }

        return output.ToArray();
    }
}
