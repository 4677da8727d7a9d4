using System.Diagnostics;
using System.Net.Sockets;
using FraudEx.Contracts.V1;
using FraudEx.Security.Tests.Infrastructure;
using Grpc.Core;

namespace FraudEx.Security.Tests;

/// <summary>
/// HTTP/2 abuse against the scorer, as raw frames on one connection: rapid stream reset (CVE-2023-44487), floods of
/// SETTINGS and PING, 10,000 streams opened at once, and a slowloris reader on ScoreStream. Each ends in answers,
/// refused streams or a closed connection within a bound, and afterwards the scorer answers a normal call with its
/// memory bounded.
/// </summary>
[Collection(SecuritySystemCollection.Name)]
public sealed class Http2AbuseTests(SecuritySystemFixture fixture)
{
    private const int Flood = 10_000;

    private FraudExSystem System => fixture.System;

    private int Port => System.Port(Service.Scoring);

    [Fact]
    public async Task RapidReset_TenThousandStreamsOpenedAndCancelled_ConnectionCutOrServed()
    {
        await using var connection = await H2Connection.ConnectAsync(Port);
        var body = Wire.Frame(new ScoreRequest { Transaction = Wire.ValidTransaction("reset") });
        var sent = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            for (; sent < Flood && !connection.IsClosed; sent++)
            {
                var stream = await connection.StartGrpcAsync(Wire.Score, System.Keys.Admin.Key, cancellationToken: limit.Token);
                await connection.SendDataAsync(stream.Id, body, endStream: false, limit.Token);
                await connection.SendRstStreamAsync(stream.Id, H2Connection.Cancel, limit.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server closed the connection (or stopped reading it) under the flood.
        }

        var alive = await PingAnsweredAsync(connection);
        var health = await fixture.AssertHealthyAsync(Service.Scoring);
        Transcript.Security($"http2    rapid reset: {sent:N0} of {Flood:N0} streams opened+reset in {clock.Elapsed.TotalSeconds:F1} s -> {connection.DescribeConnection()}, "
            + $"{(alive ? "PING still answered" : "no PING answer")}; {health}");
        // Either the server cut the abuser off, or it kept up and the connection is still healthy.
        Assert.True(connection.GoAway is not null || connection.IsClosed || (alive && sent == Flood), connection.DescribeConnection());
    }

    [Theory]
    [InlineData("SETTINGS")]
    [InlineData("PING")]
    public async Task ControlFrameFlood_TenThousandFrames_AcknowledgedOrCutOff(string kind)
    {
        await using var connection = await H2Connection.ConnectAsync(Port);
        var sent = 0;
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            for (; sent < Flood && !connection.IsClosed; sent++)
            {
                await (kind == "PING"
                    ? connection.SendPingAsync(sent, limit.Token)
                    : connection.SendSettingsAsync([(4, 65_535u + (uint)(sent % 1000))], limit.Token));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }

        // Give the acknowledgements time to arrive (or the connection time to close).
        var acks = () => kind == "PING" ? connection.PingAcks : connection.SettingsAcks - 1;
        for (var wait = Stopwatch.StartNew(); acks() < sent && !connection.IsClosed && wait.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(50);
        }

        var health = await fixture.AssertHealthyAsync(Service.Scoring);
        Transcript.Security($"http2    {kind} flood: {sent:N0} frames -> {acks():N0} acknowledged, {connection.DescribeConnection()}; {health}");
        Assert.True(acks() == sent || connection.IsClosed, $"{acks()} of {sent} acknowledged and the connection is still open");
    }

    [Fact]
    public async Task TenThousandConcurrentStreams_OnOneConnection_EachAnsweredRefusedOrCutOff()
    {
        await using var connection = await H2Connection.ConnectAsync(Port);
        var opened = new List<H2Stream>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            for (var i = 0; i < Flood && !connection.IsClosed; i++)
            {
                // GetModel: an empty body, nothing stored; the server has to take each stream through its whole pipeline.
                var stream = await connection.StartGrpcAsync(Wire.GetModel, System.Keys.Admin.Key, cancellationToken: limit.Token);
                opened.Add(stream);
                await connection.SendDataAsync(stream.Id, Wire.Frame([]), endStream: true, limit.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }

        // Every stream ends: answered, reset, or beyond the last stream the server said it would process.
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(60) && !connection.IsClosed && opened.Any(s => !s.IsEnded && !Dropped(connection, s));)
        {
            await Task.Delay(100);
        }

        var answered = opened.Count(s => s.GrpcStatus == 0);
        var otherStatus = opened.Where(s => s.GrpcStatus is > 0).GroupBy(s => H2Stream.StatusName(s.GrpcStatus!.Value)).ToDictionary(g => g.Key, g => g.Count());
        var reset = opened.Where(s => s.GrpcStatus is null && s.ResetCode is not null).GroupBy(s => H2Connection.ErrorName(s.ResetCode!.Value)).ToDictionary(g => g.Key, g => g.Count());
        var dropped = opened.Count(s => !s.IsEnded && Dropped(connection, s));
        var hanging = opened.Count(s => !s.IsEnded && !Dropped(connection, s));
        var health = await fixture.AssertHealthyAsync(Service.Scoring);
        Transcript.Security($"http2    {opened.Count:N0} concurrent streams (server's MAX_CONCURRENT_STREAMS {connection.MaxConcurrentStreams?.ToString() ?? "unset"}) in {clock.Elapsed.TotalSeconds:F1} s -> "
            + $"{answered:N0} OK, other statuses {{{string.Join(", ", otherStatus.Select(kv => $"{kv.Key} {kv.Value}"))}}}, resets {{{string.Join(", ", reset.Select(kv => $"{kv.Key} {kv.Value}"))}}}, "
            + $"{dropped:N0} beyond GOAWAY/closed, {hanging:N0} hanging; {connection.DescribeConnection()}; {health}");
        Assert.Equal(0, hanging);
        Assert.Empty(otherStatus);
    }

    [Fact]
    public async Task SlowlorisReader_ScoreStreamNeverRead_EndsAtDeadlineWhileOthersAreServed()
    {
        // A 1 KiB stream window that is never returned: the scorer can send almost nothing back.
        await using var connection = await H2Connection.ConnectAsync(Port, autoWindowUpdate: false, initialWindow: 1024);
        var stream = await connection.StartGrpcAsync(Wire.ScoreStream, System.Keys.Admin.Key, extraHeaders: [("grpc-timeout", "10S")]);
        var clock = Stopwatch.StartNew();
        var sent = 0;
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(6)))
        {
            try
            {
                for (; sent < 100_000; sent++)
                {
                    await connection.SendDataAsync(stream.Id, Wire.Frame(new ScoreStreamRequest { Transaction = Wire.ValidTransaction("slowloris") }), endStream: false, limit.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // Back-pressure: the scorer stopped reading this stream, so the writes block.
            }
        }

        // Meanwhile other callers are served promptly.
        var others = Stopwatch.StartNew();
        var answer = await System.Scoring.ScoreAsync(new ScoreRequest { Transaction = Wire.ValidTransaction("beside-slowloris") }, FraudExSystem.With(System.Keys.Admin.Key, 5));
        var otherLatency = others.Elapsed;
        var rssDuring = System.ResidentBytes(Service.Scoring);

        var ended = await connection.WaitEndedAsync(stream, TimeSpan.FromSeconds(20));
        var health = await fixture.AssertHealthyAsync(Service.Scoring);
        Transcript.Security($"http2    slowloris reader on ScoreStream (grpc-timeout 10S, 1 KiB window never returned): {sent:N0} messages accepted before back-pressure; "
            + $"another caller answered in {otherLatency.TotalMilliseconds:F0} ms ({answer.Decision}); RSS during {rssDuring / (1024 * 1024)} MiB; "
            + $"stream -> {stream.Describe()} after {clock.Elapsed.TotalSeconds:F1} s; {connection.DescribeConnection()}; {health}");
        Assert.True(sent < 100_000, "the scorer read 100,000 messages from a stream whose answers could not be sent: no back-pressure");
        Assert.True(ended || connection.IsClosed, "the stream outlived its deadline by 12 s");
        Assert.True(stream.ResetCode is not null || stream.GrpcStatus == (int)StatusCode.DeadlineExceeded || connection.IsClosed, stream.Describe());
    }

    private static bool Dropped(H2Connection connection, H2Stream stream) =>
        connection.IsClosed || (connection.GoAway is { } g && stream.Id > g.LastStreamId);

    private static async Task<bool> PingAnsweredAsync(H2Connection connection)
    {
        if (connection.IsClosed)
        {
            return false;
        }

        var before = connection.PingAcks;
        try
        {
            await connection.SendPingAsync(42).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException)
        {
            return false;
        }

        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(5); await Task.Delay(20))
        {
            if (connection.PingAcks > before)
            {
                return true;
            }
        }

        return false;
    }
}
