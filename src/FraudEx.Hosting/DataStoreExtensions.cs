using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using FraudEx.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace FraudEx.Hosting;

/// <summary>
/// Redis and PostgreSQL for a local run: Aspire's own containers where a container runtime is healthy, else the
/// machine's servers as executable resources with the same names, connection strings and health checks.
/// </summary>
public static class DataStoreExtensions
{
    /// <summary>Garnet's version installed as a dotnet tool when redis-server is absent.</summary>
    public const string GarnetVersion = "2.2.8";

    /// <summary>
    /// A Redis-compatible server named <paramref name="name"/> (<c>ConnectionStrings__redis=127.0.0.1:16379</c>).
    /// Locally: redis-server with its snapshot under the data directory, or Garnet (installed into the tools directory
    /// by a one-shot resource on first use) when redis-server is not installed.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddFraudExRedis(
        this IDistributedApplicationBuilder builder, LocalRun run, string name = "redis", int defaultPort = 16379)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(run);
        var port = run.PortOf(name, defaultPort);
        if (run.UseContainers)
        {
            return builder.AddRedis(name, port).WithDataVolume();
        }
        return builder.AddLocalRedis(name, run, port);
    }

    /// <summary>redis-server (or Garnet) as an executable resource on 127.0.0.1:<paramref name="port"/>.</summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, LocalRun run, int port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(run);
        var dataDirectory = Path.Combine(run.DataDirectory, name);
        Directory.CreateDirectory(dataDirectory);
        var portText = port.ToString(CultureInfo.InvariantCulture);

        var redisServer = Tools.Which("redis-server");
        IResourceBuilder<ExecutableResource>? install = null;
        string command;
        string[] arguments;
        if (redisServer is not null)
        {
            command = redisServer;
            // Behavioural state survives a restart: a snapshot every 5 minutes with a change, and one on shutdown.
            arguments = ["--port", portText, "--bind", "127.0.0.1", "--dir", dataDirectory, "--dbfilename", "fraudex.rdb",
                         "--save", "300 1", "--appendonly", "no"];
        }
        else
        {
            var toolPath = Path.Combine(run.ToolsDirectory, "garnet-" + GarnetVersion);
            command = Path.Combine(toolPath, "garnet-server");
            arguments = ["--port", portText, "--bind", "127.0.0.1", "--checkpointdir", dataDirectory, "--recover"];
            if (!File.Exists(command))
            {
                install = builder.AddExecutable(name + "-install", "dotnet", run.RepoRoot,
                    "tool", "install", "--tool-path", toolPath, "garnet-server", "--version", GarnetVersion);
            }
        }

        var healthKey = name + "-ping";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthKey, _ => new RedisPingHealthCheck("127.0.0.1", port), failureStatus: null, tags: null));
        var redis = builder.AddResource(new LocalRedisResource(name, command, dataDirectory))
            .WithArgs(arguments)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: LocalRedisResource.EndpointName, isProxied: false)
            .WithHealthCheck(healthKey);
        if (install is not null)
        {
            redis.WaitForCompletion(install);
        }
        return redis;
    }

    /// <summary>
    /// A PostgreSQL server <paramref name="serverName"/> and the database <paramref name="databaseName"/> in it
    /// (<c>ConnectionStrings__alertsdb=Host=127.0.0.1;Port=15432;Username=postgres;Database=alertsdb</c>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddFraudExPostgresDatabase(
        this IDistributedApplicationBuilder builder, LocalRun run, string serverName = "postgres",
        string databaseName = "alertsdb", int defaultPort = 15432)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(run);
        var port = run.PortOf(serverName, defaultPort);
        if (run.UseContainers)
        {
            return builder.AddPostgres(serverName, port: port).WithDataVolume().AddDatabase(databaseName);
        }
        return builder.AddLocalPostgres(serverName, run, port).AddDatabase(databaseName);
    }

    /// <summary>
    /// The machine's PostgreSQL as an executable resource on 127.0.0.1:<paramref name="port"/>, its cluster under
    /// the data directory, made on first run by the one-shot resource <c>&lt;name&gt;-init</c> (initdb). As root,
    /// both run as the postgres user through setpriv: PostgreSQL refuses to run as root.
    /// </summary>
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, LocalRun run, int port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(run);
        var bin = Tools.PostgresBinDirectory();
        IResourceBuilder<ExecutableResource>? install = null;
        if (bin is null)
        {
            // A fresh Debian 12 machine: as root, a one-shot resource installs the postgresql package (version 15).
            if (!Tools.IsRoot || Tools.Which("apt-get") is null)
            {
                throw new InvalidOperationException(
                    "PostgreSQL binaries not found under /usr/lib/postgresql/<version>/bin: run scripts/install-deps.sh " +
                    "(apt-get install postgresql), or give a container runtime.");
            }
            bin = PostgresCommands.DebianBinDirectory;
            install = builder.AddExecutable(name + "-install", "/bin/sh", run.DataDirectory, ["-c", PostgresCommands.AptInstallScript]);
        }
        var dataDirectory = Path.Combine(run.DataDirectory, name);
        Directory.CreateDirectory(run.DataDirectory);
        var asPostgres = Tools.IsRoot ? PostgresCommands.SetprivAsPostgres : [];

        var init = builder.AddExecutable(name + "-init", "/bin/sh", run.DataDirectory,
            ["-c", PostgresCommands.InitScript(Tools.IsRoot), "postgres-init", dataDirectory, bin]);
        if (install is not null)
        {
            init.WaitForCompletion(install);
        }

        string[] serverArguments = ["-D", dataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"];
        var resource = new LocalPostgresResource(name, asPostgres.Length > 0 ? "setpriv" : Path.Combine(bin, "postgres"),
            run.DataDirectory, dataDirectory);
        var serverConnection = ServerConnectionString(port);
        var healthKey = name + "-select1";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthKey, _ => new PostgresHealthCheck(serverConnection + ";Database=postgres"), failureStatus: null, tags: null));
        return builder.AddResource(resource)
            .WithArgs(asPostgres.Length > 0 ? [.. asPostgres, Path.Combine(bin, "postgres"), .. serverArguments] : serverArguments)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: LocalPostgresResource.EndpointName, isProxied: false)
            .WithHealthCheck(healthKey)
            .WaitForCompletion(init);
    }

    /// <summary>A database in the local server, created (if missing) once the server is ready; healthy once it answers.</summary>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresResource> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        databaseName ??= name;
        var builder = server.ApplicationBuilder;
        var port = server.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == LocalPostgresResource.EndpointName).Port
            ?? throw new InvalidOperationException("The local PostgreSQL resource has no fixed port.");
        server.Resource.Databases[name] = databaseName;
        var database = new LocalPostgresDatabaseResource(name, databaseName, server.Resource);

        // A database is no process of its own: it is Running once it exists in a ready server, and its health check
        // (which Aspire runs only on a Running resource) then says whether it answers.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (e, cancellationToken) =>
        {
            await PostgresCommands.CreateDatabaseIfMissingAsync(ServerConnectionString(port) + ";Database=postgres", databaseName, cancellationToken)
                .ConfigureAwait(false);
            await e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }).ConfigureAwait(false);
        });

        var healthKey = name + "-select1";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthKey, _ => new PostgresHealthCheck(ServerConnectionString(port) + ";Database=" + databaseName), failureStatus: null, tags: null));
        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", databaseName)],
            })
            .WithHealthCheck(healthKey);
    }

    private static string ServerConnectionString(int? port) =>
        $"Host=127.0.0.1;Port={port?.ToString(CultureInfo.InvariantCulture)};Username={LocalPostgresResource.SuperUser}";
}
