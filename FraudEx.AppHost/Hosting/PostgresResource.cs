using System.Globalization;
using FraudEx.AppHost.Internal;

namespace FraudEx.AppHost.Hosting;

/// <summary>
/// A PostgreSQL server: a local cluster created with initdb on first run under the data directory and reused after,
/// run as a non-root user when the app host is root (postgres refuses root).
/// </summary>
public sealed class PostgresServerResource(string name, int port) : Resource(name)
{
    public const string SuperUser = "postgres";

    private string? _binDirectory;

    public override string Kind => "postgres";

    public int Port { get; } = port;

    public override string Url => $"postgresql://127.0.0.1:{Port}";

    /// <summary>The user the server runs as when the app host is root.</summary>
    internal (int Uid, int Gid)? RunAs { get; private set; }

    internal string BinDirectory => _binDirectory ?? throw new InvalidOperationException("PostgreSQL is not prepared yet.");

    internal string DataDirectory(AppHostContext context) => Path.Combine(context.DataDirectory, Name);

    internal override async Task PrepareAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        _binDirectory = context.Configuration[$"Resources:{Name}:BinDirectory"] ?? FindBinDirectory();
        if (_binDirectory is null)
        {
            await Commands.EnsureAptPackagesAsync(["postgresql"], Console, cancellationToken).ConfigureAwait(false);
            _binDirectory = FindBinDirectory()
                ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin.");
        }
        if (Native.IsRoot)
        {
            RunAs = Commands.LookupUser("postgres") ?? Commands.LookupUser("nobody")
                ?? throw new InvalidOperationException("Running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as.");
        }

        var data = DataDirectory(context);
        if (File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            Console.Append("apphost", $"reusing the cluster in {data}");
            await OwnAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }
        Directory.CreateDirectory(data);
        await OwnAsync(data, cancellationToken).ConfigureAwait(false);
        Console.Append("apphost", $"creating a cluster in {data}");
        var result = await Commands.RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", data, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--no-locale"],
            Console, TimeSpan.FromMinutes(3), cancellationToken, RunAs).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed (exit {result.ExitCode}); see the postgres console log.");
        }
    }

    private async Task OwnAsync(string data, CancellationToken cancellationToken)
    {
        if (RunAs is not { } user)
        {
            return;
        }
        var result = await Commands.RunAsync("chown", ["-R", $"{user.Uid}:{user.Gid}", data], Console,
            TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {data} failed: {result.Output}");
        }
    }

    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }
        return Directory.GetDirectories(root)
            .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Dir, "bin", "postgres")))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "bin"))
            .FirstOrDefault();
    }

    internal override ProcessSpec? CreateProcess(AppHostContext context) => new(
        Path.Combine(BinDirectory, "postgres"),
        ["-D", DataDirectory(context), "-p", Port.ToString(CultureInfo.InvariantCulture),
         "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
         "-c", "max_connections=200"],
        new Dictionary<string, string>(),
        DataDirectory(context),
        RunAs,
        // SIGINT is PostgreSQL's fast shutdown: it ends client sessions instead of waiting for them.
        Native.SigInt);

    internal override async Task<bool> CheckHealthAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        var result = await Commands.RunAsync(Path.Combine(BinDirectory, "pg_isready"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-t", "2"], null,
            TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Runs one SQL statement with psql as the superuser; returns its unaligned output.</summary>
    internal async Task<Commands.Result> PsqlAsync(string database, string sql, CancellationToken cancellationToken) =>
        await Commands.RunAsync(Path.Combine(BinDirectory, "psql"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", SuperUser, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-tAc", sql], null, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
}

/// <summary>
/// A database: created in its server on first start, or an external one from ConnectionStrings:&lt;name&gt;.
/// </summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource? server, string? externalConnectionString)
    : Resource(name)
{
    public override string Kind => "database";

    public PostgresServerResource? Server { get; } = server;

    public bool IsExternal => externalConnectionString is not null;

    public string ConnectionString => externalConnectionString
        ?? $"Host=127.0.0.1;Port={Server!.Port};Username={PostgresServerResource.SuperUser};Database={Name}";

    public override string Url => IsExternal
        ? $"postgresql://{HostAndPort().Host}:{HostAndPort().Port} (external)"
        : $"postgresql://127.0.0.1:{Server!.Port}/{Name}";

    internal override async Task OnStartedAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        if (Server is null)
        {
            return;
        }
        var exists = await Server.PsqlAsync("postgres", $"SELECT 1 FROM pg_database WHERE datname = '{Name}'", cancellationToken)
            .ConfigureAwait(false);
        if (exists.ExitCode == 0 && exists.Output.Trim() == "1")
        {
            return;
        }
        Console.Append("apphost", $"creating database {Name}");
        var created = await Server.PsqlAsync("postgres", $"CREATE DATABASE \"{Name}\"", cancellationToken).ConfigureAwait(false);
        if (created.ExitCode != 0)
        {
            throw new InvalidOperationException($"CREATE DATABASE {Name} failed: {created.Output.Trim()}");
        }
    }

    internal override async Task<bool> CheckHealthAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        if (Server is null)
        {
            var (host, port) = HostAndPort();
            return await ProbeClients.TcpOpenAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        var result = await Server.PsqlAsync(Name, "SELECT 1", cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment()
    {
        yield return new($"ConnectionStrings__{Name}", ConnectionString);
    }

    private (string Host, int Port) HostAndPort()
    {
        var host = "127.0.0.1";
        var port = 5432;
        foreach (var part in (externalConnectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2)
            {
                continue;
            }
            var key = kv[0].Trim().ToLowerInvariant();
            if (key is "host" or "server")
            {
                host = kv[1].Trim().Split(',')[0];
            }
            else if (key == "port" && int.TryParse(kv[1].Trim(), out var p))
            {
                port = p;
            }
        }
        return (host, port);
    }
}
