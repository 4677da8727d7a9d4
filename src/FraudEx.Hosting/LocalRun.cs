using System.Globalization;
using Aspire.Hosting;
using FraudEx.Hosting.Internal;
using Microsoft.Extensions.Configuration;

namespace FraudEx.Hosting;

/// <summary>
/// Where a local run keeps its state and how it runs its data stores, from the app host's configuration
/// (<c>AppHost:*</c>, <c>Ports:*</c>; docs/apphost.md lists the keys).
/// </summary>
public sealed class LocalRun
{
    private readonly IConfiguration _configuration;

    private LocalRun(IConfiguration configuration, string repoRoot, bool useContainers)
    {
        _configuration = configuration;
        RepoRoot = repoRoot;
        DataDirectory = Path.GetFullPath(configuration["AppHost:DataDirectory"] ?? Path.Combine(repoRoot, ".fraudex", "data"));
        ToolsDirectory = Path.GetFullPath(configuration["AppHost:ToolsDirectory"] ?? Path.Combine(repoRoot, ".fraudex", "tools"));
        RunId = configuration["AppHost:RunId"] ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        RunDirectory = Path.Combine(DataDirectory, "runs", RunId);
        UseContainers = useContainers;
    }

    /// <summary>The repository the app host runs from.</summary>
    public string RepoRoot { get; }

    /// <summary>State that outlives a run: the PostgreSQL cluster, Redis's snapshot (<c>AppHost:DataDirectory</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>This run's own directory under <see cref="DataDirectory"/>/runs: the decision spool, the keys file.</summary>
    public string RunDirectory { get; }

    /// <summary>Names this run's directory: start time (UTC) and the app host's process id.</summary>
    public string RunId { get; }

    /// <summary>Where tools installed for a run go (Garnet when redis-server is absent).</summary>
    public string ToolsDirectory { get; }

    /// <summary>True when Redis and PostgreSQL run as Aspire's containers (a healthy container runtime was found).</summary>
    public bool UseContainers { get; }

    /// <summary>The port of a resource's endpoint: <c>Ports:&lt;resource&gt;</c>, else <paramref name="defaultPort"/>.</summary>
    public int PortOf(string resource, int defaultPort) => _configuration.GetValue($"Ports:{resource}", defaultPort);

    /// <summary>
    /// Reads the run's settings. <c>AppHost:Containers</c> = <c>auto</c> (default: containers only when
    /// <c>docker info</c> / <c>podman info</c> answers), <c>always</c> or <c>never</c>.
    /// </summary>
    public static LocalRun From(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var repoRoot = configuration["AppHost:RepoRoot"] ?? Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var useContainers = (configuration["AppHost:Containers"] ?? "auto").ToLowerInvariant() switch
        {
            "always" or "true" => true,
            "never" or "false" => false,
            _ => ContainerRuntime.IsHealthy(configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker", TimeSpan.FromSeconds(10)),
        };
        return new LocalRun(configuration, repoRoot, useContainers);
    }
}
