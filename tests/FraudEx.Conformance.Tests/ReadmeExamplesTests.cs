using System.Text;
using System.Text.RegularExpressions;
using FraudEx.Conformance.Tests.Infrastructure;
using FraudEx.Testing;

namespace FraudEx.Conformance.Tests;

/// <summary>
/// The README's API section shows a python3-grpcio and a @grpc/grpc-js example. These tests cut the two code blocks
/// out of README.md as they are and run them against the live scorer, with FRAUDEX_TARGET and FRAUDEX_API_KEY set
/// (the examples read them, defaulting to 127.0.0.1:5100 and no key): each must exit 0 and print a decision; with a
/// wrong key each must fail.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed partial class ReadmeExamplesTests(ConformanceSystem system)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);
    private static readonly StringBuilder Log = new();

    [Fact]
    public async Task PythonExample_PrintsADecision()
    {
        var code = ApiBlock("python");
        var directory = system.NewDirectory("readme-python");
        // The descriptor set the example reads, made as its first comment says (plus the well-known types' include
        // directory, which a standalone protoc carries inside).
        var (protoc, wellKnown) = Tools.Protoc();
        var descriptors = await ChildProcess.RunAsync(protoc,
            ["-I", "protos", "-I", wellKnown, "--include_imports", $"--descriptor_set_out={Path.Combine(directory, "fraudex.pb")}", "protos/fraudex/v1/scoring.proto"],
            RunTimeout, RepositoryPaths.Root);
        Assert.True(descriptors.ExitCode == 0, "protoc failed:\n" + descriptors.Output);
        var script = Path.Combine(directory, "example.py");
        await File.WriteAllTextAsync(script, code);

        var run = await ChildProcess.RunAsync(Tools.Python, [script], RunTimeout, directory, Environment(system.Keys["scorer"].Key));
        Record("README python (grpcio) example", run);
        AssertPrintsDecision(run);

        var refused = await ChildProcess.RunAsync(Tools.Python, [script], RunTimeout, directory, Environment("gateway.not-a-valid-key"));
        Record("README python (grpcio) example with a wrong key (must fail)", refused, onlyStatus: true);
        Assert.True(refused.ExitCode != 0 && refused.Output.Contains("UNAUTHENTICATED", StringComparison.Ordinal), "with a wrong key the example must fail UNAUTHENTICATED:\n" + refused.Output);
    }

    [Fact]
    public async Task NodeExample_PrintsADecision()
    {
        var code = ApiBlock("js");
        await Tools.EnsureNodeModulesAsync();
        var script = Path.Combine(system.NewDirectory("readme-node"), "example.js");
        await File.WriteAllTextAsync(script, code);
        // The example loads 'protos' relative to the working directory (the repository root, as in the README) and
        // finds @grpc/grpc-js in the suite's node_modules.
        var environment = Environment(system.Keys["scorer"].Key);
        environment["NODE_PATH"] = Path.Combine(Tools.NodeSuiteDirectory, "node_modules");

        var run = await ChildProcess.RunAsync("node", [script], RunTimeout, RepositoryPaths.Root, environment);
        Record("README node (@grpc/grpc-js) example", run);
        AssertPrintsDecision(run);

        environment["FRAUDEX_API_KEY"] = "gateway.not-a-valid-key";
        var refused = await ChildProcess.RunAsync("node", [script], RunTimeout, RepositoryPaths.Root, environment);
        Record("README node (@grpc/grpc-js) example with a wrong key (must fail)", refused, onlyStatus: true);
        Assert.True(refused.ExitCode != 0 && Decision().Matches(refused.Output).Count == 0, "with a wrong key the example must fail:\n" + refused.Output);
    }

    /// <summary>The one fenced block of <paramref name="language"/> in the README's "## API" section.</summary>
    private static string ApiBlock(string language)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var start = readme.IndexOf("\n## API\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## API' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        var blocks = Regex.Matches(section, $"```{language}\\n(.*?)\\n```", RegexOptions.Singleline);
        Assert.True(blocks.Count == 1, $"README's API section has {blocks.Count} ```{language} blocks, expected 1");
        return blocks[0].Groups[1].Value + "\n";
    }

    private Dictionary<string, string?> Environment(string key) => new()
    {
        ["FRAUDEX_TARGET"] = system.Scoring,
        ["FRAUDEX_API_KEY"] = key,
    };

    private static void AssertPrintsDecision(ProcessResult run)
    {
        Assert.True(run.ExitCode == 0, $"the example exited with {run.ExitCode}:\n{run.Output}");
        Assert.True(Decision().IsMatch(run.Output), "the example printed no decision:\n" + run.Output);
    }

    /// <summary>Appends a run to the transcript; <paramref name="onlyStatus"/> keeps only the lines naming the status
    /// (a refused run prints a whole stack trace).</summary>
    private static void Record(string title, ProcessResult run, bool onlyStatus = false)
    {
        var output = onlyStatus
            ? string.Join('\n', run.Output.Split('\n').Where(l => l.Contains("UNAUTHENTICATED", StringComparison.Ordinal)).Select(l => l.Trim()))
            : run.Output.TrimEnd();
        lock (Log)
        {
            Log.AppendLine($"== {title}: exit code {run.ExitCode}, {run.Elapsed.TotalSeconds:F1} s");
            Log.AppendLine(output);
            Transcript.Write("readme-examples", Log.ToString());
        }
    }

    [GeneratedRegex(@"DECISION_(APPROVE|REVIEW|DECLINE)")]
    private static partial Regex Decision();
}
