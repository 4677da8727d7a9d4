using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.Scoring.Pipeline;
using FraudEx.ServiceDefaults.Security;
using FraudEx.Testing;
using Npgsql;

namespace FraudEx.EndToEnd.Tests;

/// <summary>
/// The whole system on loopback: a real redis-server and a real PostgreSQL cluster (throwaway directories, free
/// ports), and the feature, alert and scoring services as real processes of their built assemblies, wired by the
/// same configuration conventions the app host uses. Every service runs as in production: with the API keys of all
/// five identities (scorer, analyst, admin and the service identities scoring-service and alerts-service), each
/// service calling its peers with its own identity (<c>Auth:ClientKey</c>); scoring also with a rules file and the
/// shipped model.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<ChildProcess> processes = [];
    private readonly string workDirectory = Directory.CreateTempSubdirectory("fraudex-e2e-").FullName;
    private readonly string featuresKeyPrefix = "e2e" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer? redis;
    private PostgresServer? postgres;

    public (string Key, ApiKeyEntry Entry) ScorerKey { get; } = ApiKeyAuthenticator.CreateKey("gateway", "scorer");

    public (string Key, ApiKeyEntry Entry) AnalystKey { get; } = ApiKeyAuthenticator.CreateKey("analyst", "analyst");

    public (string Key, ApiKeyEntry Entry) AdminKey { get; } = ApiKeyAuthenticator.CreateKey("admin", "admin");

    /// <summary>The scorer's own identity, for RecordDecisions (and ComputeFeatures in the split deployment).</summary>
    public (string Key, ApiKeyEntry Entry) ScoringServiceKey { get; } = ApiKeyAuthenticator.CreateKey("scoring", "scoring-service");

    /// <summary>The alert service's own identity, for RecordLabels.</summary>
    public (string Key, ApiKeyEntry Entry) AlertsServiceKey { get; } = ApiKeyAuthenticator.CreateKey("alerts", "alerts-service");

    private IEnumerable<ApiKeyEntry> AllKeys => [ScorerKey.Entry, AnalystKey.Entry, AdminKey.Entry, ScoringServiceKey.Entry, AlertsServiceKey.Entry];

    public int ScoringPort { get; private set; }

    public int FeaturesPort { get; private set; }

    public int AlertsPort { get; private set; }

    public string ModelPath { get; private set; } = "";

    public string RulesPath => Path.Combine(workDirectory, "rules.json");

    public string AlertsConnectionString { get; private set; } = "";

    public GrpcChannel ScoringChannel { get; private set; } = null!;

    public ScoringService.ScoringServiceClient Scoring { get; private set; } = null!;

    public GrpcChannel AlertsChannel { get; private set; } = null!;

    public GrpcChannel FeaturesChannel { get; private set; } = null!;


    public async Task InitializeAsync()
    {
        ModelPath = Environment.GetEnvironmentVariable("FRAUDEX_MODEL") is { Length: > 0 } m ? m : ShippedOrTrainedModel();
        redis = await RedisServer.StartAsync();
        postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync("e2e");
        AlertsConnectionString = postgres.ConnectionStringFor(database);
        await File.WriteAllTextAsync(RulesPath, """
            {
              "blockedAccounts": ["e2e-blocked-account"],
              "blockedDevices": ["e2e-blocked-device"],
              "amountLimits": { "EUR": 20000, "JPY": 3000000 }
            }
            """);

        FeaturesPort = FreePort.Next();
        Start("FraudEx.Features", FeaturesPort, WithKeys(new()
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Features__KeyPrefix"] = featuresKeyPrefix,
        }, clientKey: null));
        AlertsPort = FreePort.Next();
        Start("FraudEx.Alerts", AlertsPort, WithKeys(new()
        {
            ["ConnectionStrings__alertsdb"] = AlertsConnectionString,
            ["services__features__grpc__0"] = $"http://127.0.0.1:{FeaturesPort}",
        }, AlertsServiceKey.Key));
        await FreePort.WaitUntilListeningAsync(FeaturesPort, StartTimeout);
        await FreePort.WaitUntilListeningAsync(AlertsPort, StartTimeout);

        ScoringPort = FreePort.Next();
        Start("FraudEx.Scoring", ScoringPort, ScoringEnvironment());
        await WaitReadyAsync(ScoringPort);

        ScoringChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{ScoringPort}");
        Scoring = new ScoringService.ScoringServiceClient(ScoringChannel);
        AlertsChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{AlertsPort}");
        FeaturesChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{FeaturesPort}");
    }

    /// <summary>The scoring service's configuration: the fixture's features, alerts, model, rules and keys.</summary>
    public Dictionary<string, string?> ScoringEnvironment(string spool = "spool")
    {
        var environment = new Dictionary<string, string?>
        {
            ["services__features__grpc__0"] = $"http://127.0.0.1:{FeaturesPort}",
            ["services__alerts__grpc__0"] = $"http://127.0.0.1:{AlertsPort}",
            // The default deployment: features computed in the scorer's process over the feature service's Redis keys.
            ["ConnectionStrings__redis"] = redis!.ConnectionString,
            ["Features__KeyPrefix"] = featuresKeyPrefix,
            ["Scoring__ModelPath"] = ModelPath,
            ["Scoring__Policy__RulesFile"] = RulesPath,
            ["Scoring__Policy__Degraded"] = "Review",
            ["Scoring__FeatureBudget"] = "00:00:00.250",
            ["DecisionSpool__Directory"] = Path.Combine(workDirectory, spool),
        };
        return WithKeys(environment, ScoringServiceKey.Key);
    }

    /// <summary>Starts another scoring process (its own spool) on <paramref name="url"/>; the caller disposes it.</summary>
    public ChildProcess StartExtraScoring(string url, Dictionary<string, string?> environment)
    {
        environment["ASPNETCORE_URLS"] = url;
        environment["DOTNET_ENVIRONMENT"] = "Production";
        return ChildProcess.Start("dotnet", [HostAssembly("FraudEx.Scoring")], RepositoryPaths.Root, environment);
    }

    /// <summary>A fresh directory under the fixture's work directory.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(workDirectory, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;

    /// <summary>The model shipped in models/, or, in a tree that has none yet, one trained here on generated history.</summary>
    private string ShippedOrTrainedModel()
    {
        try
        {
            return ModelLocator.FindShippedModel();
        }
        catch (FileNotFoundException)
        {
            IsShippedModel = false;
            return FraudEx.Scoring.Tests.TestModel.Train(Directory.CreateDirectory(Path.Combine(workDirectory, "model")).FullName);
        }
    }

    /// <summary>False when the tests run on a model trained by the fixture (no model card to compare with).</summary>
    public bool IsShippedModel { get; private set; } = true;

    /// <summary>
    /// <paramref name="environment"/> with every identity's key (<c>Auth__Keys__N__{Id,Salt,Hash,Roles__M}</c>), as a
    /// production service is configured, and <paramref name="clientKey"/> as the key it sends to its peers.
    /// </summary>
    private Dictionary<string, string?> WithKeys(Dictionary<string, string?> environment, string? clientKey)
    {
        var index = 0;
        foreach (var entry in AllKeys)
        {
            AuthEnvironment.AddKey(environment, "Auth", index++, entry.Id, entry.Salt, entry.Hash, entry.Roles);
        }

        if (clientKey is not null)
        {
            environment["Auth__ClientKey"] = clientKey;
        }

        return environment;
    }

    /// <summary>The built assembly of a host project, from the same configuration as this test assembly.</summary>
    public static string HostAssembly(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepositoryPaths.Root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built: {path}");
    }

    private void Start(string project, int port, Dictionary<string, string?> environment)
    {
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__FraudEx"] = "Information";
        processes.Add(ChildProcess.Start("dotnet", [HostAssembly(project)], RepositoryPaths.Root, environment));
    }

    /// <summary>Waits until the scorer answers GetModel with the analyst key (the model is loaded and the spool is open).</summary>
    public async Task WaitReadyAsync(int port)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new ScoringService.ScoringServiceClient(channel);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await client.GetModelAsync(new(), ApiKeys.CallOptions(AnalystKey.Key, DateTime.UtcNow.AddSeconds(2)));
                return;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or IOException && DateTime.UtcNow < deadline)
            {
                if (processes[^1].HasExited)
                {
                    throw new InvalidOperationException("The scoring service exited:\n" + processes[^1].Output);
                }

                await Task.Delay(200);
            }
        }
    }

    public CallOptions ScorerCall(int seconds = 30) => ApiKeys.CallOptions(ScorerKey.Key, DateTime.UtcNow.AddSeconds(seconds));

    /// <summary>Runs a query against the alerts database and returns its single scalar.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(AlertsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until <paramref name="sql"/> returns <paramref name="expected"/> (decisions ship asynchronously).</summary>
    public async Task WaitForScalarAsync(string sql, long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long last;
        while ((last = await ScalarAsync<long>(sql)) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{sql}' gave {last}, expected {expected}.");
            }

            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        ScoringChannel?.Dispose();
        AlertsChannel?.Dispose();
        FeaturesChannel?.Dispose();
        for (var i = processes.Count - 1; i >= 0; i--)
        {
            await processes[i].DisposeAsync();
        }

        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }

        if (redis is not null)
        {
            await redis.DisposeAsync();
        }

        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
