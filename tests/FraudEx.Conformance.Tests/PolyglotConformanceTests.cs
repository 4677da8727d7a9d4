using System.Globalization;
using System.Text.RegularExpressions;
using FraudEx.Testing;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FraudEx.Conformance.Tests;

/// <summary>
/// Independent gRPC implementations call the conformance service: python3-grpcio (gRPC C-core), @grpc/grpc-js and
/// h2load (nghttp2). Each transcript is kept in artifacts/conformance/ so the test command can show it.
/// </summary>
[Collection(ConformanceServerCollection.Name)]
public sealed partial class PolyglotConformanceTests(ConformanceServerFixture server, ITestOutputHelper output)
{
    // Every case the suites define (tests/conformance/*/conformance.*); a suite that silently skips cases fails here.
    private const int SuiteCases = 22;
    private const int H2LoadRequests = 20_000;

    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(3);
    private static readonly string ConformanceDir = Path.Combine(RepositoryPaths.Root, "tests", "conformance");

    [Fact]
    public async Task PythonGrpcioSuite_EveryCasePasses()
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "Debian's /usr/bin/python3 is missing: run bash scripts/install-deps.sh");

        var result = await ChildProcess.RunAsync(python,
            [Path.Combine(ConformanceDir, "python", "conformance.py"), "--target", server.Target], SuiteTimeout,
            environment: new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" });

        AssertSuitePassed("python3-grpcio", result);
    }

    [Fact]
    public async Task GrpcJsSuite_EveryCasePasses()
    {
        var nodeDir = Path.Combine(ConformanceDir, "node");
        await NodeModules.EnsureInstalledAsync(nodeDir, output);

        var result = await ChildProcess.RunAsync("node", [Path.Combine(nodeDir, "conformance.js"), "--target", server.Target],
            SuiteTimeout, workingDirectory: nodeDir);

        AssertSuitePassed("grpc-js", result);
    }

    [Fact]
    public async Task H2LoadUnarySmoke_NoFailedRequests_EveryResponseCarriesTheEcho()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFromUtf8("h2load") };
        var response = new EchoResponse { Payload = request.Payload };
        var body = Path.Combine(RepositoryPaths.Artifacts("conformance"), "h2load-body.bin");
        await File.WriteAllBytesAsync(body, Frame(request));
        var url = new Uri(server.Address, "/fraudex.testing.v1.ConformanceService/Unary").ToString();

        var load = await ChildProcess.RunAsync("h2load",
            ["-n", H2LoadRequests.ToString(CultureInfo.InvariantCulture), "-c", "4", "-m", "16",
             "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body, url],
            SuiteTimeout);
        // h2load does not read trailers; nghttp shows one call's frames, grpc-status included.
        var single = await ChildProcess.RunAsync("nghttp",
            ["-v", "-H", ":method: POST", "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body, url],
            SuiteTimeout);
        var grpcStatus = GrpcStatusLine().Match(single.Output);
        var transcript = $"$ h2load -n {H2LoadRequests} -c 4 -m 16 -H 'content-type: application/grpc' -H 'te: trailers' -d body.bin {url}\n"
            + load.Output.Trim() + "\n\n$ nghttp -v ... (one call)\n"
            + (grpcStatus.Success ? grpcStatus.Value.Trim() : "no grpc-status trailer seen") + "\n";
        await WriteTranscriptAsync("h2load", transcript);

        Assert.True(load.ExitCode == 0, $"h2load exited {load.ExitCode}:\n{load.Output}");
        var requests = H2LoadRequestsLine().Match(load.Output);
        Assert.True(requests.Success, $"no requests line in:\n{load.Output}");
        Assert.Equal(H2LoadRequests, int.Parse(requests.Groups["succeeded"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("0", requests.Groups["failed"].Value);
        Assert.Equal("0", requests.Groups["errored"].Value);
        Assert.Equal("0", requests.Groups["timeout"].Value);
        Assert.Contains($"status codes: {H2LoadRequests} 2xx", load.Output, StringComparison.Ordinal);
        // Every response carried exactly one framed EchoResponse; an error would be trailers-only, without DATA.
        var dataBytes = long.Parse(H2LoadDataLine().Match(load.Output).Groups["bytes"].Value, CultureInfo.InvariantCulture);
        Assert.Equal((long)H2LoadRequests * Frame(response).Length, dataBytes);
        Assert.Equal("0", grpcStatus.Groups["code"].Value);
    }

    private void AssertSuitePassed(string suite, ProcessResult result)
    {
        WriteTranscriptAsync(suite, result.Output).GetAwaiter().GetResult();
        var summary = SummaryLine().Matches(result.Output).LastOrDefault();
        Assert.True(summary is not null, $"{suite} printed no 'N passed, N failed' line:\n{result.Output}");
        var passed = int.Parse(summary.Groups["passed"].Value, CultureInfo.InvariantCulture);
        var failed = int.Parse(summary.Groups["failed"].Value, CultureInfo.InvariantCulture);
        Assert.True(failed == 0, $"{suite}: {failed} case(s) failed:\n{result.Output}");
        Assert.True(passed == SuiteCases, $"{suite}: {passed} cases passed, {SuiteCases} expected:\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"{suite} exited {result.ExitCode}:\n{result.Output}");
    }

    private async Task WriteTranscriptAsync(string suite, string text)
    {
        output.WriteLine(text);
        await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.Artifacts("conformance"), suite + ".log"), text);
    }

    private static byte[] Frame(IMessage message)
    {
        var bytes = message.ToByteArray();
        var frame = new byte[5 + bytes.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)bytes.Length);
        bytes.CopyTo(frame, 5);
        return frame;
    }

    [GeneratedRegex(@"^(?<passed>\d+) passed, (?<failed>\d+) failed$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex H2LoadRequestsLine();

    [GeneratedRegex(@"\((?<bytes>\d+)\) data")]
    private static partial Regex H2LoadDataLine();

    [GeneratedRegex(@"recv \(stream_id=\d+\) grpc-status: (?<code>\d+)")]
    private static partial Regex GrpcStatusLine();
}
