using FraudEx.Testing;
using Xunit.Abstractions;

namespace FraudEx.Conformance.Tests;

/// <summary>
/// Installs the grpc-js suite's packages with <c>npm ci</c> from the committed package-lock.json, once per lock file
/// (scripts/install-deps.sh does the same; whichever runs first leaves the stamp the other checks).
/// </summary>
internal static class NodeModules
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureInstalledAsync(string directory, ITestOutputHelper output)
    {
        var lockFile = Path.Combine(directory, "package-lock.json");
        var stamp = Path.Combine(directory, "node_modules", ".fraudex-lock");
        await Gate.WaitAsync(TimeSpan.FromMinutes(5));
        try
        {
            var wanted = await File.ReadAllBytesAsync(lockFile);
            var installed = File.Exists(stamp) ? await File.ReadAllBytesAsync(stamp) : [];
            if (Enumerable.SequenceEqual(wanted, installed))
            {
                return;
            }

            var result = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
                TimeSpan.FromMinutes(5), workingDirectory: directory);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"npm ci failed ({result.ExitCode}):\n{result.Output}");
            File.Copy(lockFile, stamp, overwrite: true);
        }
        finally
        {
            Gate.Release();
        }
    }
}
