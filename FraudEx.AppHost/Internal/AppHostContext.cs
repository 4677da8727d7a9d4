using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace FraudEx.AppHost.Internal;

/// <summary>What every resource needs to get ready and run: configuration, directories, the OTLP endpoint, probes.</summary>
public sealed class AppHostContext
{
    public AppHostContext(IConfiguration configuration)
    {
        Configuration = configuration;
        RepoRoot = Path.GetFullPath(configuration["AppHost:RepoRoot"] ?? FindRepoRoot());
        DataDirectory = Path.GetFullPath(configuration["AppHost:DataDirectory"] ?? Path.Combine(RepoRoot, ".fraudex", "data"));
        ToolsDirectory = Path.GetFullPath(configuration["AppHost:ToolsDirectory"] ?? Path.Combine(RepoRoot, ".fraudex", "tools"));
        BuildConfiguration = configuration["AppHost:BuildConfiguration"] ?? Metadata("FraudEx.Configuration") ?? "Debug";
        TargetFramework = Metadata("FraudEx.TargetFramework") ?? "net10.0";
        DashboardPort = configuration.GetValue("Dashboard:Port", 18888);
        OtlpPort = configuration.GetValue("Dashboard:OtlpPort", 18889);
    }

    public IConfiguration Configuration { get; }
    public string RepoRoot { get; }
    public string DataDirectory { get; }
    public string ToolsDirectory { get; }
    public string BuildConfiguration { get; }
    public string TargetFramework { get; }
    public int DashboardPort { get; }
    public int OtlpPort { get; }

    /// <summary>Where the services send telemetry (the app host's own OTLP/HTTP receiver).</summary>
    public string OtlpEndpoint => $"http://127.0.0.1:{OtlpPort}";

    public string DashboardUrl => $"http://127.0.0.1:{DashboardPort}";

    /// <summary>The port of a resource: Resources:&lt;name&gt;:Port, else its default.</summary>
    public int PortOf(string resourceName, int defaultPort) =>
        Configuration.GetValue($"Resources:{resourceName}:Port", defaultPort);

    public ProbeClients Probes { get; } = new();

    private static string? Metadata(string key) =>
        typeof(AppHostContext).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;

    /// <summary>The repository the app host was built from (so it finds the service projects), else the nearest one
    /// above the working directory.</summary>
    private static string FindRepoRoot()
    {
        var built = Metadata("FraudEx.RepoRoot");
        if (built is not null && File.Exists(Path.Combine(built, "FraudEx.sln")))
        {
            return built;
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FraudEx.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException(
            "FraudEx.sln not found: run the app host from the repository or set AppHost:RepoRoot.");
    }
}
