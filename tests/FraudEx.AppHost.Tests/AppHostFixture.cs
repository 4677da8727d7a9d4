using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FraudEx.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// FraudEx.AppHost started once for the tests of the collection, by Aspire.Hosting.Testing, with real redis-server and
/// PostgreSQL (no container runtime), on free ports and a throwaway data directory, so it runs beside other tests and
/// a developer's own app host.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    /// <summary>Every resource the launch shows as running (the one-shot postgres-init finishes instead).</summary>
    public static readonly string[] Resources = ["redis", "postgres", "alertsdb", "features", "alerts", "scoring", "console"];

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "fraudex-apphost-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public DistributedApplication App { get; private set; } = null!;

    public int ScoringPort { get; } = FreePort.Next();

    public int AlertsPort { get; } = FreePort.Next();

    public int ConsolePort { get; } = FreePort.Next();

    public int PostgresPort { get; } = FreePort.Next();

    /// <summary>Payments from this device are declined by a rule: a Score call that surely makes an alert.</summary>
    public string BlockedDevice { get; } = "dev-apphost-test-blocked";

    public string ConsoleUrl => $"http://127.0.0.1:{ConsolePort}";

    public string AlertsDbConnectionString => $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database=alertsdb";

    /// <summary>The Aspire dashboard of this run, which receives every service's telemetry: its login URL with the
    /// run's browser token.</summary>
    public Uri DashboardUrl { get; private set; } = null!;

    /// <summary>The key of the dashboard's telemetry API (header <c>x-api-key</c>), set for this run.</summary>
    public string DashboardApiKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Seconds from StartAsync to every resource healthy.</summary>
    public double StartSeconds { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        var rules = Path.Combine(_dataDirectory, "rules.json");
        await File.WriteAllTextAsync(rules, $$"""{ "blockedDevices": ["{{BlockedDevice}}"] }""");

        using var cts = new CancellationTokenSource(StartTimeout);
        // The dashboard runs as in a developer's launch (the testing builder leaves it out by default), so the tests
        // see the telemetry that reaches it.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.FraudEx_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
        [
            $"--ASPNETCORE_URLS=http://127.0.0.1:{FreePort.Next()}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{FreePort.Next()}",
            $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{FreePort.Next()}",
            "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
            $"--AppHost:DashboardApiKey={DashboardApiKey}",
            "--AppHost:Containers=never",
            $"--AppHost:DataDirectory={_dataDirectory}",
            $"--Ports:scoring={ScoringPort}",
            $"--Ports:features={FreePort.Next()}",
            $"--Ports:alerts={AlertsPort}",
            $"--Ports:console={ConsolePort}",
            $"--Ports:redis={FreePort.Next()}",
            $"--Ports:postgres={PostgresPort}",
        ], cts.Token);
        // Resource console logs and start-up health probes (refused until a service listens) would bury test output.
        builder.Services.AddLogging(logging => logging
            .AddFilter("FraudEx.AppHost.Resources", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        builder.CreateResourceBuilder<ProjectResource>("scoring")
            .WithEnvironment("Scoring__Policy__RulesFile", rules)
            // The 20 ms feature budget guards production latency; on a loaded two-core test machine it would degrade
            // calls at random.
            .WithEnvironment("Scoring__FeatureBudget", "00:00:05");

        App = await builder.BuildAsync(cts.Token);
        var started = Stopwatch.StartNew();
        await App.StartAsync(cts.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        StartSeconds = started.Elapsed.TotalSeconds;
        DashboardUrl = await App.GetDashboardUrlAsync(cts.Token);
    }

    /// <summary>An environment variable the app host gave a resource (the run's keys, connection strings).</summary>
    public async Task<string> EnvironmentOfAsync(string resource, string name)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var target = (IResourceWithEnvironment)model.Resources.Single(r => r.Name == resource);
        // Obsolete in 13.6 in favour of ExecutionConfigurationBuilder, which is marked experimental; this still
        // evaluates exactly what DCP hands the process.
#pragma warning disable CS0618
        var environment = await target.GetEnvironmentVariableValuesAsync();
#pragma warning restore CS0618
        return environment[name];
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // PostgreSQL's files belong to the postgres user when the tests run as root; the directory is in /tmp.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "apphost";
}
