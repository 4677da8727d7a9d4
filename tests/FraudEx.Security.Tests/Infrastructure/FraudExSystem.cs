using System.Globalization;
using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>The three FraudEx services.</summary>
public enum Service
{
    Features,
    Alerts,
    Scoring,
}

/// <summary>
/// The whole system on loopback as an operator would run it: a real redis-server and PostgreSQL cluster (throwaway
/// directories, free ports) and the built FraudEx.Features, FraudEx.Alerts and FraudEx.Scoring assemblies as child
/// processes, configured through environment variables only (the auth contract's <c>Auth:Keys</c> and
/// <c>Auth:ClientKey</c>, Aspire's connection strings and service discovery). The system acts as the scorer's
/// supervisor: a service killed with SIGKILL is started again on the same port with the same spool.
/// </summary>
public sealed class FraudExSystem : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Dictionary<Service, ChildProcess> _processes = [];
    private readonly Dictionary<Service, int> _ports = [];
    private readonly Dictionary<Service, GrpcChannel> _channels = [];
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("fraudex-sec-").FullName;
    private readonly string _keyPrefix = "sec" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer? _redis;
    private PostgresServer? _postgres;

    public SystemKeys Keys { get; } = new();

    public RedisServer Redis => _redis ?? throw new InvalidOperationException("Not started.");

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("Not started.");

    public string AlertsConnectionString { get; private set; } = "";

    public static async Task<FraudExSystem> StartAsync(CancellationToken cancellationToken = default)
    {
        var system = new FraudExSystem();
        try
        {
            await system.InitializeAsync(cancellationToken);
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    public int Port(Service service) => _ports[service];

    public GrpcChannel Channel(Service service) => _channels[service];

    public ScoringService.ScoringServiceClient Scoring => new(Channel(Service.Scoring));

    public AlertService.AlertServiceClient Alerts => new(Channel(Service.Alerts));

    public FeatureService.FeatureServiceClient Features => new(Channel(Service.Features));

    /// <summary>The output of a service's process so far (for failure messages).</summary>
    public string Output(Service service) => _processes[service].Output;

    public bool IsRunning(Service service) => _processes.TryGetValue(service, out var process) && !process.HasExited;

    /// <summary>Call options with <paramref name="key"/> as a bearer token (none when null) and a deadline.</summary>
    public static CallOptions With(string? key, double seconds = 10, CancellationToken cancellationToken = default) =>
        new(key is null ? [] : new Metadata { { "authorization", "Bearer " + key } }, DateTime.UtcNow.AddSeconds(seconds), cancellationToken);

    /// <summary>Resident set size of a service's process in bytes, from /proc/&lt;pid&gt;/status.</summary>
    public long ResidentBytes(Service service)
    {
        var line = File.ReadLines($"/proc/{_processes[service].Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Kills a service with SIGKILL (no shutdown code runs) and waits until it is gone.</summary>
    public async Task KillAsync(Service service)
    {
        await _processes[service].DisposeAsync();
        _processes.Remove(service);
    }

    /// <summary>Starts a service (again) on its port and waits until it answers a call.</summary>
    public async Task StartAsync(Service service, CancellationToken cancellationToken = default)
    {
        if (_processes.Remove(service, out var old))
        {
            await old.DisposeAsync();
        }

        var environment = Environment(service);
        var project = "FraudEx." + service;
        _processes[service] = ChildProcess.Start("dotnet", [HostAssembly(project)], RepositoryPaths.Root, environment);
        await WaitReadyAsync(service, cancellationToken);
    }

    /// <summary>
    /// Starts another process of <paramref name="service"/> on <paramref name="url"/>, wired to this system's stores
    /// and peers, with <paramref name="change"/> applied to its environment (remove the keys, add a certificate ...).
    /// The caller disposes it.
    /// </summary>
    public ChildProcess StartExtra(Service service, string url, Action<Dictionary<string, string?>> change)
    {
        var environment = Environment(service);
        environment["ASPNETCORE_URLS"] = url;
        environment["DecisionSpool__Directory"] = Path.Combine(_workDirectory, "spool-" + Guid.NewGuid().ToString("N")[..8]);
        change(environment);
        return ChildProcess.Start("dotnet", [HostAssembly("FraudEx." + service)], RepositoryPaths.Root, environment);
    }

    /// <summary>Waits until a service answers a call of its own with the admin key.</summary>
    public async Task WaitReadyAsync(Service service, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (true)
        {
            if (_processes[service].HasExited)
            {
                throw new InvalidOperationException($"{service} exited during start-up:\n{Output(service)}");
            }

            try
            {
                var options = With(Keys.Admin.Key, 3, timeout.Token);
                switch (service)
                {
                    case Service.Scoring:
                        await Scoring.GetModelAsync(new GetModelRequest(), options);
                        break;
                    case Service.Alerts:
                        await Alerts.ListAlertsAsync(new ListAlertsRequest { PageSize = 1 }, options);
                        break;
                    case Service.Features:
                        await Features.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "readiness" }, options);
                        break;
                }

                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                                         && !timeout.IsCancellationRequested)
            {
                await Task.Delay(200, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{service} did not answer within {StartTimeout}:\n{Output(service)}");
            }
        }
    }

    /// <summary>Runs a query against the alerts database and returns its single scalar.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AlertsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        foreach (var service in new[] { Service.Scoring, Service.Alerts, Service.Features })
        {
            if (_processes.TryGetValue(service, out var process))
            {
                await process.DisposeAsync();
            }
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover directory under /tmp is harmless.
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _redis = await RedisServer.StartAsync(cancellationToken: cancellationToken);
        _postgres = await PostgresServer.StartAsync(cancellationToken: cancellationToken);
        AlertsConnectionString = await _postgres.CreateDatabaseAsync("security", cancellationToken);
        foreach (var service in new[] { Service.Features, Service.Alerts, Service.Scoring })
        {
            _ports[service] = FreePort.Next();
            // A gateway of these tests reconnects at once when a service is back: the client's default backoff
            // (up to two minutes after repeated failures) would measure the client's patience, not the system.
            _channels[service] = GrpcChannel.ForAddress($"http://127.0.0.1:{_ports[service]}", new GrpcChannelOptions
            {
                InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
                MaxReconnectBackoff = TimeSpan.FromMilliseconds(500),
            });
        }

        // Features and alerts start side by side; the scorer needs both (it opens its spool towards the alert service).
        var features = StartAsync(Service.Features, cancellationToken);
        var alerts = StartAsync(Service.Alerts, cancellationToken);
        await Task.WhenAll(features, alerts);
        await StartAsync(Service.Scoring, cancellationToken);
    }

    private Dictionary<string, string?> Environment(Service service)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ports[service]}",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        for (var i = 0; i < Keys.All.Count; i++)
        {
            Keys.All[i].AddTo(environment, "Auth", i);
        }

        switch (service)
        {
            case Service.Features:
                environment["ConnectionStrings__redis"] = Redis.ConnectionString;
                environment["Features__KeyPrefix"] = _keyPrefix;
                break;
            case Service.Alerts:
                environment["ConnectionStrings__alertsdb"] = AlertsConnectionString;
                environment["services__features__grpc__0"] = $"http://127.0.0.1:{_ports[Service.Features]}";
                environment["Auth__ClientKey"] = Keys.AlertsService.Key;
                break;
            case Service.Scoring:
                environment["services__features__grpc__0"] = $"http://127.0.0.1:{_ports[Service.Features]}";
                environment["services__alerts__grpc__0"] = $"http://127.0.0.1:{_ports[Service.Alerts]}";
                // For a scorer that computes features in its own process (issue 15); the remote one ignores it.
                environment["ConnectionStrings__redis"] = Redis.ConnectionString;
                environment["Features__KeyPrefix"] = _keyPrefix;
                environment["Auth__ClientKey"] = Keys.ScoringService.Key;
                environment["Scoring__Policy__Degraded"] = "Review";
                environment["Scoring__FeatureBudget"] = "00:00:00.250";
                environment["DecisionSpool__Directory"] = Path.Combine(_workDirectory, "spool");
                environment["DecisionSpool__MaxRetryDelay"] = "00:00:01";
                // The scorer's older section, until it reads the shared Auth section (issue 14 part 1).
                for (var i = 0; i < Keys.All.Count; i++)
                {
                    if (Keys.All[i].Roles.Any(r => r is "scorer" or "analyst" or "admin"))
                    {
                        Keys.All[i].AddTo(environment, "Scoring__Auth", i);
                    }
                }

                break;
        }

        return environment;
    }

    private static string HostAssembly(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepositoryPaths.Root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built: {path}");
    }
}
