using System.Text.RegularExpressions;
using FraudEx.Conformance.Tests.Infrastructure;
using FraudEx.Testing;

namespace FraudEx.Conformance.Tests;

/// <summary>
/// The python3-grpcio and @grpc/grpc-js suites of tests/conformance run against the real services: each case of the
/// contract (statuses, BadRequest details, keys and roles, metadata, deadlines, message sizes, ScoreStream order,
/// health, reflection, the feature and alert services) prints one transcript line; any FAIL fails the test.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed partial class PolyglotSuiteTests(ConformanceSystem system)
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(5);

    // The suites run 29 cases each; fewer PASS and GAP lines means cases were lost, not that they hold.
    private const int CaseCount = 29;

    [Fact]
    public async Task Grpcio_EveryCaseHolds()
    {
        var script = Path.Combine(RepositoryPaths.Root, "tests", "conformance", "python", "conformance.py");
        var result = await ChildProcess.RunAsync(Tools.Python, [script, .. Targets()], SuiteTimeout, RepositoryPaths.Root, system.SuiteEnvironment());
        AssertSuite("grpcio", result);
    }

    [Fact]
    public async Task GrpcJs_EveryCaseHolds()
    {
        await Tools.EnsureNodeModulesAsync();
        var script = Path.Combine(Tools.NodeSuiteDirectory, "conformance.js");
        var result = await ChildProcess.RunAsync("node", [script, .. Targets()], SuiteTimeout, RepositoryPaths.Root, system.SuiteEnvironment());
        AssertSuite("grpc-js", result);
    }

    private string[] Targets() =>
    [
        "--scoring", system.Scoring, "--features", system.Features, "--alerts", system.Alerts,
        "--blocked-account", ConformanceSystem.BlockedAccount,
    ];

    private static void AssertSuite(string name, ProcessResult result)
    {
        Transcript.Write(name, $"{result.Output.TrimEnd()}\nexit code {result.ExitCode}, {result.Elapsed.TotalSeconds:F1} s");
        var lines = result.Output.Split('\n', StringSplitOptions.TrimEntries);
        var failures = lines.Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} case(s) failed:\n{string.Join('\n', failures)}\n\nfull transcript:\n{result.Output}");
        var summary = lines.Select(l => Summary().Match(l)).LastOrDefault(m => m.Success);
        Assert.True(summary is not null, $"{name} printed no summary line:\n{result.Output}");
        Assert.Equal(0, result.ExitCode);
        var cases = lines.Count(l => l.StartsWith("PASS ", StringComparison.Ordinal) || l.StartsWith("GAP ", StringComparison.Ordinal));
        Assert.True(cases == CaseCount, $"{name} reported {cases} cases, expected {CaseCount}:\n{result.Output}");
        Assert.Equal(int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture)
                     + int.Parse(summary.Groups["gaps"].Value, System.Globalization.CultureInfo.InvariantCulture), cases);
    }

    [GeneratedRegex(@"^(?<passed>\d+) passed, 0 failed, (?<gaps>\d+) known gaps$")]
    private static partial Regex Summary();
}
