using System.Globalization;
using FraudEx.AppHost.Internal;
using Microsoft.Extensions.Configuration;

namespace FraudEx.AppHost.Hosting;

/// <summary>
/// A FraudEx service run as <c>dotnet &lt;built dll&gt;</c> from its project's build output, given its listen address,
/// connection strings, service endpoints and OTEL_* variables by Aspire's conventions, so the same service runs
/// unchanged under a real Aspire app host.
/// </summary>
public sealed class ProjectResource(string name, string projectDirectory, int port) : Resource(name)
{
    public override string Kind => "project";

    /// <summary>The project folder, relative to the repository root (Resources:&lt;name&gt;:ProjectPath overrides it).</summary>
    public string ProjectDirectory { get; internal set; } = projectDirectory;

    public int Port { get; } = port;

    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public override string Url => Endpoint;

    /// <summary>Where the health probe goes (the services' ready check).</summary>
    public string HealthUrl => Endpoint + "/health";

    internal string AssemblyPath(AppHostContext context)
    {
        var dir = Path.GetFullPath(Path.Combine(context.RepoRoot, ProjectDirectory));
        var project = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.csproj").FirstOrDefault() : null;
        var assemblyName = project is null ? Path.GetFileName(dir) : Path.GetFileNameWithoutExtension(project);
        return Path.Combine(dir, "bin", context.BuildConfiguration, context.TargetFramework, assemblyName + ".dll");
    }

    internal override Task PrepareAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        var assembly = AssemblyPath(context);
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException(
                $"{assembly} does not exist: build it (`dotnet build FraudEx.AppHost` builds every service) and start again.");
        }
        return Task.CompletedTask;
    }

    internal override ProcessSpec CreateProcess(AppHostContext context)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Endpoint,
            ["ASPNETCORE_ENVIRONMENT"] = context.Configuration["AppHost:Environment"] ?? "Development",
            ["DOTNET_ENVIRONMENT"] = context.Configuration["AppHost:Environment"] ?? "Development",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = context.OtlpEndpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Name},service.namespace=fraudex,deployment.environment=development",
            // Short export intervals, as Aspire sets them, so the dashboard shows a call within a second or two.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in EnvironmentVariables)
        {
            environment[key] = value(context);
        }
        // Resources:<name>:Environment:<VARIABLE> adds or overrides a variable from configuration.
        foreach (var variable in context.Configuration.GetSection($"Resources:{Name}:Environment").GetChildren())
        {
            environment[variable.Key] = variable.Value ?? "";
        }
        foreach (var reference in References.Where(r => r.Enabled))
        {
            foreach (var (key, value) in reference.GetReferenceEnvironment())
            {
                environment[key] = value;
            }
        }
        return new ProcessSpec("dotnet", [AssemblyPath(context)], environment,
            Path.GetFullPath(Path.Combine(context.RepoRoot, ProjectDirectory)));
    }

    internal override Task<bool> CheckHealthAsync(AppHostContext context, CancellationToken cancellationToken) =>
        context.Probes.HttpOkAsync(HealthUrl, cancellationToken);

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment()
    {
        yield return new($"services__{Name}__grpc__0", Endpoint);
        yield return new($"services__{Name}__http__0", Endpoint);
    }
}
