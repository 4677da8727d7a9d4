using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FraudEx.Conformance.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Conformance.Tests;

/// <summary>
/// h2load (nghttp2's HTTP/2 load generator, a C client) against the scorer over h2c on loopback, with prebuilt
/// length-prefixed protobuf bodies and the gRPC headers: a bounded number of calls, all of which must complete with
/// HTTP 2xx and a gRPC message in DATA. h2load does not read trailers, so a trailers-only error (HTTP 200, no DATA)
/// would pass its own counters: the DATA byte count tells them apart, and nghttp shows one call's grpc-status.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed partial class H2loadTests(ConformanceSystem system)
{
    private const int Requests = 2000;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);
    private static readonly StringBuilder Log = new();
    private static string? Version;

    [Fact]
    public async Task Score_AllCallsAnsweredWithMessages()
    {
        var transaction = new Transaction
        {
            TransactionId = "h2load-" + Guid.NewGuid().ToString("N")[..12], AccountId = "h2load-acct", MerchantId = "h2load-merch",
            MerchantCategoryCode = "5411", AmountMinor = 4_250, Currency = "EUR", Channel = Channel.Pos, CardPresent = true,
            Timestamp = Timestamp.FromDateTime(DateTime.UtcNow), Country = "DE", MerchantCountry = "DE",
        };
        var body = WriteBody("score", new ScoreRequest { Transaction = transaction });
        var headers = new[] { "authorization: Bearer " + system.Keys["scorer"].Key };

        // One call first: its trailers must say grpc-status 0 (the same id is then replayed by every h2load call).
        var one = await NgHttpAsync("/fraudex.v1.ScoringService/Score", body, headers);
        // The smallest framed ScoreResponse: the 5-byte prefix, the echoed id and a decision (tag and value each).
        var minimum = 5 + 2 + transaction.TransactionId.Length + 2;
        var result = await H2loadAsync("Score (scorer key; the first call scores, the rest are replays)", "/fraudex.v1.ScoringService/Score", body, headers);
        AssertAllAnswered(result, minDataBytes: (long)Requests * minimum, one);
    }

    [Fact]
    public async Task HealthCheck_AllCallsAnsweredServing()
    {
        var body = WriteBody("health", null);
        var one = await NgHttpAsync("/grpc.health.v1.Health/Check", body, []);
        // Every answer is the 7-byte frame 00 00000002 0801 (SERVING).
        var result = await H2loadAsync("grpc.health.v1.Health/Check(\"\")", "/grpc.health.v1.Health/Check", body, []);
        AssertAllAnswered(result, minDataBytes: Requests * 7L, one);
        Assert.True(result.DataBytes == Requests * 7L, $"DATA {result.DataBytes} bytes, expected exactly {Requests} × 7\n{result.Output}");
    }

    [Fact]
    public async Task Score_WithoutKey_TrailersOnlyAndNoData()
    {
        // The check the other two rely on: a refused call is HTTP 200 without DATA, so h2load counts it as 2xx
        // and only the DATA byte count shows it.
        var body = WriteBody("score-nokey", new ScoreRequest());
        var one = await NgHttpAsync("/fraudex.v1.ScoringService/Score", body, []);
        Assert.Contains("grpc-status: 16", one, StringComparison.Ordinal);
        var result = await H2loadAsync("Score without a key (200 requests)", "/fraudex.v1.ScoringService/Score", body, [], requests: 200);
        var ok = result.Succeeded == 200 && result.Status2xx == 200 && result.DataBytes == 0;
        Append($"check: {result.Succeeded} succeeded, {result.Status2xx} × 2xx, {result.DataBytes} DATA bytes (expected 0: trailers-only refusals); one call grpc-status 16 → {(ok ? "PASS" : "FAIL")}");
        Assert.True(ok, $"expected 200 trailers-only answers without DATA:\n{result.Output}");
    }

    private string WriteBody(string name, IMessage? message)
    {
        var payload = message?.ToByteArray() ?? [];
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        var path = Path.Combine(system.NewDirectory("h2load"), name + ".bin");
        File.WriteAllBytes(path, frame);
        return path;
    }

    private static string[] GrpcHeaders(IEnumerable<string> extra) =>
        ["-H", "content-type: application/grpc", "-H", "te: trailers", .. extra.SelectMany(h => new[] { "-H", h })];

    private async Task<string> NgHttpAsync(string path, string body, string[] headers)
    {
        var result = await ChildProcess.RunAsync("nghttp", ["-v", "-d", body, .. GrpcHeaders(headers), $"http://{system.Scoring}{path}"], RunTimeout);
        var trailer = Regex.Match(result.Output, @"grpc-status: \d+").Value;
        Append($"nghttp one call {path}: exit {result.ExitCode}, {(trailer.Length > 0 ? trailer : "no grpc-status")}");
        return result.Output;
    }

    private async Task<H2loadResult> H2loadAsync(string title, string path, string body, string[] headers, int requests = Requests)
    {
        string[] args = ["-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "4", "-m", "8", "-d", body, .. GrpcHeaders(headers), $"http://{system.Scoring}{path}"];
        var result = await ChildProcess.RunAsync("h2load", args, RunTimeout);
        if (Version is null)
        {
            Version = (await ChildProcess.RunAsync("h2load", ["--version"], RunTimeout)).Output.Trim();
            Append(Version);
        }

        var shown = string.Join(' ', args.Select(a => a.StartsWith("authorization:", StringComparison.Ordinal) ? "'authorization: Bearer <scorer key>'" : a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        Append($"\n== {title}\n$ h2load {shown.Replace(body, Path.GetFileName(body), StringComparison.Ordinal)}");
        Append(string.Join('\n', result.Output.Split('\n').Where(l => !l.StartsWith("progress:", StringComparison.Ordinal) && !l.StartsWith("spawning thread", StringComparison.Ordinal)
                                                                     && !l.StartsWith("starting benchmark", StringComparison.Ordinal)).Select(l => l.TrimEnd())).Trim());
        Assert.True(result.ExitCode == 0, $"h2load exited with {result.ExitCode}:\n{result.Output}");
        return H2loadResult.Parse(result.Output);
    }

    private void AssertAllAnswered(H2loadResult result, long minDataBytes, string nghttpOutput)
    {
        var ok = result.Succeeded == Requests && result.Failed == 0 && result.Errored == 0 && result.TimedOut == 0
                 && result.Status2xx == Requests && result.DataBytes >= minDataBytes && nghttpOutput.Contains("grpc-status: 0", StringComparison.Ordinal);
        Append($"check: {result.Succeeded} succeeded, {result.Failed} failed, {result.Errored} errored, {result.TimedOut} timed out, {result.Status2xx} × 2xx, "
               + $"{result.DataBytes} DATA bytes (at least {minDataBytes}); one call grpc-status 0: {nghttpOutput.Contains("grpc-status: 0", StringComparison.Ordinal)} → {(ok ? "PASS" : "FAIL")}");
        Assert.True(ok, $"h2load: not every call was answered with a message:\n{result.Output}\n\nnghttp:\n{nghttpOutput}");
    }

    private static void Append(string text)
    {
        lock (Log)
        {
            Log.AppendLine(text);
            Transcript.Write("h2load", "h2load (nghttp2-client) against FraudEx.Scoring over h2c on loopback\n" + Log);
        }
    }

    private sealed partial record H2loadResult(string Output, int Succeeded, int Failed, int Errored, int TimedOut, int Status2xx, long DataBytes)
    {
        public static H2loadResult Parse(string output)
        {
            var requests = Requests().Match(output);
            var codes = Codes().Match(output);
            var traffic = Traffic().Match(output);
            Assert.True(requests.Success && codes.Success && traffic.Success, "h2load printed no summary:\n" + output);
            int N(Match m, string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            return new H2loadResult(output, N(requests, "ok"), N(requests, "failed"), N(requests, "errored"), N(requests, "timeout"),
                N(codes, "s2xx"), long.Parse(traffic.Groups["data"].Value, CultureInfo.InvariantCulture));
        }

        [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<ok>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
        private static partial Regex Requests();

        [GeneratedRegex(@"status codes: (?<s2xx>\d+) 2xx")]
        private static partial Regex Codes();

        [GeneratedRegex(@"traffic: .*?\((?<data>\d+)\) data")]
        private static partial Regex Traffic();
    }
}
