using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Security;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace FraudEx.Conformance.Tests.Infrastructure;

/// <summary>
/// The whole system on loopback, as an operator runs it: a real redis-server and PostgreSQL cluster (throwaway
/// directories, free ports) and the built FraudEx.Features, FraudEx.Alerts and FraudEx.Scoring assemblies as child
/// processes, configured by environment variables only: one API key per role on every service, the service
/// identities as each peer's client key, and a rules file that blocks <see cref="BlockedAccount"/>.
/// </summary>
public sealed class ConformanceSystem : IAsyncLifetime
{
    public const string BlockedAccount = "conf-blocked-account";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ChildProcess> _processes = [];
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("fraudex-conf-").FullName;
    private readonly string _keyPrefix = "conf" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer? _redis;
    private PostgresServer? _postgres;

    /// <summary>API keys by role name, as the suites read them (FRAUDEX_KEY_&lt;ROLE&gt;).</summary>
    public IReadOnlyDictionary<string, (string Key, ApiKeyEntry Entry)> Keys { get; } = new Dictionary<string, (string, ApiKeyEntry)>
    {
        ["scorer"] = ApiKeyAuthenticator.CreateKey("gateway", "scorer"),
        ["analyst"] = ApiKeyAuthenticator.CreateKey("analyst", "analyst"),
        ["admin"] = ApiKeyAuthenticator.CreateKey("admin", "admin"),
        ["scoring-service"] = ApiKeyAuthenticator.CreateKey("scoring", "scoring-service"),
        ["alerts-service"] = ApiKeyAuthenticator.CreateKey("alerts", "alerts-service"),
    };

    public int ScoringPort { get; private set; }

    public int FeaturesPort { get; private set; }

    public int AlertsPort { get; private set; }

    public string Scoring => $"127.0.0.1:{ScoringPort}";

    public string Features => $"127.0.0.1:{FeaturesPort}";

    public string Alerts => $"127.0.0.1:{AlertsPort}";

    /// <summary>A fresh directory for one test's files; deleted with the fixture.</summary>
    public string NewDirectory(string name) =>
        Directory.CreateDirectory(Path.Combine(_workDirectory, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;

    /// <summary>The suites' environment: every role's key as FRAUDEX_KEY_&lt;ROLE&gt;.</summary>
    public Dictionary<string, string?> SuiteEnvironment()
    {
        var environment = new Dictionary<string, string?>();
        foreach (var (role, key) in Keys)
        {
            environment["FRAUDEX_KEY_" + role.ToUpperInvariant().Replace('-', '_')] = key.Key;
        }

        return environment;
    }

    /// <summary>The output of every service so far, for failure messages.</summary>
    public string ServiceOutput() => string.Join("\n", _processes.Select(p => p.Output));

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _postgres = await PostgresServer.StartAsync();
        var alertsDb = await _postgres.CreateDatabaseAsync("conformance");
        var rules = Path.Combine(_workDirectory, "rules.json");
        await File.WriteAllTextAsync(rules, $$"""{ "blockedAccounts": ["{{BlockedAccount}}"] }""");

        FeaturesPort = FreePort.Next();
        AlertsPort = FreePort.Next();
        ScoringPort = FreePort.Next();
        Start("FraudEx.Features", FeaturesPort, new()
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["Features__KeyPrefix"] = _keyPrefix,
        });
        Start("FraudEx.Alerts", AlertsPort, new()
        {
            ["ConnectionStrings__alertsdb"] = alertsDb,
            ["services__features__grpc__0"] = $"http://127.0.0.1:{FeaturesPort}",
            ["Auth__ClientKey"] = Keys["alerts-service"].Key,
        });
        await Task.WhenAll(WaitReadyAsync(FeaturesPort, Features), WaitReadyAsync(AlertsPort, Alerts));
        Start("FraudEx.Scoring", ScoringPort, new()
        {
            ["services__features__grpc__0"] = $"http://127.0.0.1:{FeaturesPort}",
            ["services__alerts__grpc__0"] = $"http://127.0.0.1:{AlertsPort}",
            // Features in the scorer's process over the feature service's Redis keys (the default deployment), so
            // GetEntityState on the feature service shows what Score folded in.
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["Features__KeyPrefix"] = _keyPrefix,
            ["Auth__ClientKey"] = Keys["scoring-service"].Key,
            ["Scoring__Policy__RulesFile"] = rules,
            ["Scoring__Policy__Degraded"] = "Review",
            ["DecisionSpool__Directory"] = Path.Combine(_workDirectory, "spool"),
        });
        await WaitReadyAsync(ScoringPort, Scoring);
        await WaitModelAsync();
    }

    public async Task DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
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

    private void Start(string project, int port, Dictionary<string, string?> environment)
    {
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        var index = 0;
        foreach (var (_, entry) in Keys.Values)
        {
            environment[$"Auth__Keys__{index}__Id"] = entry.Id;
            environment[$"Auth__Keys__{index}__Salt"] = entry.Salt;
            environment[$"Auth__Keys__{index}__Hash"] = entry.Hash;
            for (var r = 0; r < entry.Roles.Count; r++)
            {
                environment[$"Auth__Keys__{index}__Roles__{r}"] = entry.Roles[r];
            }

            index++;
        }

        _processes.Add(ChildProcess.Start("dotnet", [HostAssembly(project)], RepositoryPaths.Root, environment));
    }

    /// <summary>Waits until the service on <paramref name="port"/> answers grpc.health.v1 Check("") with SERVING.</summary>
    private async Task WaitReadyAsync(int port, string name)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var invoker = channel.CreateCallInvoker();
        var started = DateTime.UtcNow;
        while (true)
        {
            if (_processes.Any(p => p.HasExited))
            {
                throw new InvalidOperationException($"A service exited during start-up:\n{ServiceOutput()}");
            }

            try
            {
                var reply = await invoker.AsyncUnaryCall(HealthCheck, null, ApiKeys.CallOptions(null, DateTime.UtcNow.AddSeconds(2)), Array.Empty<byte>());
                if (reply.AsSpan().SequenceEqual(Serving))
                {
                    return;
                }
            }
            catch (RpcException) when (DateTime.UtcNow - started < StartTimeout)
            {
            }

            if (DateTime.UtcNow - started > StartTimeout)
            {
                throw new TimeoutException($"{name} was not SERVING within {StartTimeout}:\n{ServiceOutput()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the scorer answers GetModel (its model is loaded).</summary>
    private async Task WaitModelAsync()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ScoringPort}");
        var client = new ScoringService.ScoringServiceClient(channel);
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                await client.GetModelAsync(new GetModelRequest(), ApiKeys.CallOptions(Keys["admin"].Key, DateTime.UtcNow.AddSeconds(2)));
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
                                         && DateTime.UtcNow - started < StartTimeout)
            {
                await Task.Delay(200);
            }
        }
    }

    // grpc.health.v1.Health/Check with raw bytes: the request "" is an empty message, SERVING is "08 01".
    private static readonly Method<byte[], byte[]> HealthCheck = new(
        MethodType.Unary, "grpc.health.v1.Health", "Check",
        Marshallers.Create<byte[]>(b => b, b => b), Marshallers.Create<byte[]>(b => b, b => b));

    private static readonly byte[] Serving = [0x08, 0x01];

    private static string HostAssembly(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepositoryPaths.Root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built: {path}");
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceSystem>
{
    public const string Name = "conformance system";
}
