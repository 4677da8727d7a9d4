using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FraudEx.Testing;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for tests: initdb into a fresh directory under /tmp, started with pg_ctl on a
/// free loopback port, trust authentication on loopback only. The same cluster can be stopped and started again
/// (fault tests), and is deleted on dispose. fsync stays on, so a stop with "immediate" behaves like a crash.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _binDirectory;
    private readonly string _baseDirectory;
    private readonly bool _runAsPostgresUser;
    private int _databaseCounter;

    private PostgresServer(string binDirectory, string baseDirectory, int port, bool runAsPostgresUser)
    {
        _binDirectory = binDirectory;
        _baseDirectory = baseDirectory;
        _runAsPostgresUser = runAsPostgresUser;
        Port = port;
    }

    /// <summary>The loopback TCP port the cluster listens on.</summary>
    public int Port { get; }

    /// <summary>The cluster's data directory.</summary>
    public string DataDirectory => Path.Combine(_baseDirectory, "data");

    /// <summary>Whether the cluster is currently running (as far as this fixture started or stopped it).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>A connection string to the maintenance database "postgres" as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>A connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=15;Command Timeout=120";

    /// <summary>Creates and starts a new cluster.</summary>
    /// <param name="settings">Extra server settings passed as <c>-c name=value</c>.</param>
    public static async Task<PostgresServer> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
        var binDirectory = Environment.GetEnvironmentVariable("FRAUDEX_PG_BIN") ?? DefaultBinDirectory;
        if (!File.Exists(Path.Combine(binDirectory, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL binaries not found in {binDirectory}; install postgresql (scripts/install-deps.sh) or set FRAUDEX_PG_BIN.");
        }

        var baseDirectory = Path.Combine(Path.GetTempPath(), "fraudex-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(baseDirectory);
        // postgres refuses to run as root: as root, the cluster belongs to the "postgres" system user instead.
        var asPostgres = Environment.IsPrivilegedProcess;
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", baseDirectory], cancellationToken).ConfigureAwait(false);
        }

        var lastError = default(Exception);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var server = new PostgresServer(binDirectory, baseDirectory, FreeLoopbackPort(), asPostgres);
            try
            {
                if (attempt == 0)
                {
                    await server.InitDbAsync(settings, cancellationToken).ConfigureAwait(false);
                }

                await server.StartAgainAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException e) when (attempt < 2)
            {
                // Most likely the free port was taken between probing and binding: try another one.
                lastError = e;
                await server.StopQuietlyAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("PostgreSQL failed to start.", lastError);
    }

    /// <summary>Creates a new empty database with a unique name derived from <paramref name="prefix"/>.</summary>
    /// <returns>A connection string to it.</returns>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = new StringBuilder();
        foreach (var c in prefix.ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        if (name.Length > 40)
        {
            name.Length = 40;
        }

        name.Append('_').Append(Interlocked.Increment(ref _databaseCounter));
        await PsqlAsync($"CREATE DATABASE \"{name}\"", cancellationToken).ConfigureAwait(false);
        return ConnectionStringFor(name.ToString());
    }

    /// <summary>Runs one SQL command through psql against the maintenance database.</summary>
    public Task PsqlAsync(string sql, CancellationToken cancellationToken = default) =>
        RunToolAsync("psql", ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], cancellationToken);

    /// <summary>Starts the (stopped) cluster again on the same port and data directory.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RunToolAsync("pg_ctl",
        [
            "start", "-w", "-t", "60", "-D", DataDirectory, "-l", Path.Combine(_baseDirectory, "postgres.log"),
            "-o", $"-p {port} -k {_baseDirectory} -c listen_addresses=127.0.0.1",
        ], cancellationToken).ConfigureAwait(false);
        IsRunning = true;
    }

    /// <summary>Stops the cluster. <paramref name="immediate"/> aborts without a checkpoint, like a crash.</summary>
    public async Task StopAsync(bool immediate = false, CancellationToken cancellationToken = default)
    {
        await RunToolAsync("pg_ctl", ["stop", "-w", "-t", "60", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast"],
            cancellationToken).ConfigureAwait(false);
        IsRunning = false;
    }

    /// <summary>
    /// Freezes the running cluster with SIGSTOP: the postmaster and every backend stop where they are, connections
    /// stay open and nothing answers, like a host that hangs (a stop would close the connections instead).
    /// </summary>
    /// <returns>The process ids stopped; pass them to <see cref="ThawAsync"/>.</returns>
    public async Task<IReadOnlyList<int>> FreezeAsync(CancellationToken cancellationToken = default)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
        var children = new List<int>();
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == postmaster)
                {
                    children.Add(int.Parse(text[..text.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Not a process directory, or the process ended while being read.
            }
        }

        // The postmaster first, so it starts no new backend while the others are being stopped.
        List<int> stopped = [postmaster, .. children];
        await RunAsync("kill", ["-STOP", .. stopped.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], cancellationToken).ConfigureAwait(false);
        return stopped;
    }

    /// <summary>Resumes processes frozen by <see cref="FreezeAsync"/> with SIGCONT.</summary>
    public Task ThawAsync(IReadOnlyList<int> frozen, CancellationToken cancellationToken = default) =>
        RunAsync("kill", ["-CONT", .. frozen.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], cancellationToken);

    /// <summary>The server log, for diagnostics in failed tests.</summary>
    public string ReadLog()
    {
        var path = Path.Combine(_baseDirectory, "postgres.log");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    public async ValueTask DisposeAsync()
    {
        await StopQuietlyAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_baseDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover directory under /tmp is harmless; the cluster itself is stopped.
        }
    }

    private async Task StopQuietlyAsync()
    {
        if (!File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            return;
        }

        try
        {
            await StopAsync(immediate: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
    }

    private async Task InitDbAsync(IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken)
    {
        await RunToolAsync("initdb",
        [
            "-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
        ], cancellationToken).ConfigureAwait(false);

        var conf = new StringBuilder();
        conf.AppendLine("# FraudEx test cluster");
        conf.AppendLine("max_connections = 200");
        conf.AppendLine("shared_buffers = 128MB");
        conf.AppendLine("log_min_messages = warning");
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            conf.Append(name).Append(" = '").Append(value.Replace("'", "''", StringComparison.Ordinal)).AppendLine("'");
        }

        // The file belongs to postgres when run as root; appending keeps its ownership.
        var confPath = Path.Combine(DataDirectory, "postgresql.conf");
        await File.AppendAllTextAsync(confPath, conf.ToString(), cancellationToken).ConfigureAwait(false);
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory, tool);
        if (!_runAsPostgresUser)
        {
            return RunAsync(path, arguments, cancellationToken);
        }

        var wrapped = new List<string> { "-u", "postgres", "--", path };
        wrapped.AddRange(arguments);
        return RunAsync("runuser", wrapped, cancellationToken);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["LC_ALL"] = "C";
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {CommandTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            string output;
            lock (stderr)
            {
                lock (stdout)
                {
                    output = stderr.ToString() + stdout;
                }
            }

            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
