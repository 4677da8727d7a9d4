using FraudEx.Testing;

namespace FraudEx.Conformance.Tests.Infrastructure;

/// <summary>Where the suites' tools are on this machine.</summary>
public static class Tools
{
    /// <summary>Debian's interpreter, which sees python3-grpcio and python3-protobuf (a pyenv or venv python may not).</summary>
    public const string Python = "/usr/bin/python3";

    public static string NodeSuiteDirectory => Path.Combine(RepositoryPaths.Root, "tests", "conformance", "node");

    /// <summary>Installs the grpc-js suite's npm packages from its package-lock.json when they are missing.</summary>
    public static async Task EnsureNodeModulesAsync()
    {
        if (Directory.Exists(Path.Combine(NodeSuiteDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            return;
        }

        var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3), NodeSuiteDirectory);
        Assert.True(install.ExitCode == 0, "npm ci in tests/conformance/node failed:\n" + install.Output);
    }

    /// <summary>protoc of the Grpc.Tools package the build restored, and the include directory of its well-known types.</summary>
    public static (string Protoc, string WellKnownTypes) Protoc()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Directory.Exists(Path.Combine(root, "grpc.tools"))
            ? Directory.GetDirectories(Path.Combine(root, "grpc.tools"))
                .Where(d => File.Exists(Path.Combine(d, "tools", "linux_x64", "protoc")))
                .OrderBy(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version(0, 0))
                .LastOrDefault()
            : null;
        Assert.True(tools is not null, $"protoc of Grpc.Tools not found under {root}: build the solution first.");
        return (Path.Combine(tools, "tools", "linux_x64", "protoc"), Path.Combine(tools, "build", "native", "include"));
    }
}
