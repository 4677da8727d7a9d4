using System.Reflection;

namespace FraudEx.AppHost.Tests.Infrastructure;

/// <summary>Where the repository and the build outputs of this test run are.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built with (and so were its references).</summary>
    public static string Configuration { get; } =
        typeof(TestPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string AppHostAssembly =>
        Path.Combine(RepoRoot, "FraudEx.AppHost", "bin", Configuration, "net10.0", "FraudEx.AppHost.dll");

    /// <summary>The stand-in service, as a project folder relative to the repository (the app host's ProjectPath).</summary>
    public const string TestServiceProject = "tests/FraudEx.AppHost.Tests/TestService";

    public static string ArtifactsDirectory
    {
        get
        {
            var dir = Path.Combine(RepoRoot, "artifacts", "apphost");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FraudEx.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("FraudEx.sln not found above " + AppContext.BaseDirectory);
    }
}
