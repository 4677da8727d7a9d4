using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FraudEx.Testing;

/// <summary>
/// A throwaway redis-server for tests: the machine's /usr/bin/redis-server (apt redis-server) on a free loopback port,
/// with its own directory under /tmp, no persistence unless asked (<c>--save '' --appendonly no</c>). It can be
/// stopped or killed and started again on the same port (fault tests), and is killed and deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly string _executable;
    private readonly bool _persistent;
    private readonly string? _password;
    private readonly IReadOnlyList<string> _extraArgs;
    private Process? _process;

    private RedisServer(string executable, string directory, int port, bool persistent, string? password, IReadOnlyList<string> extraArgs)
    {
        _executable = executable;
        Directory = directory;
        Port = port;
        _persistent = persistent;
        _password = password;
        _extraArgs = extraArgs;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillProcess();
    }

    /// <summary>The loopback port the server listens on (kept across restarts).</summary>
    public int Port { get; }

    /// <summary>The server's working directory (logs, and data files when persistent).</summary>
    public string Directory { get; }

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Connection string in the StackExchange.Redis / Aspire form ("127.0.0.1:port[,password=...]").</summary>
    public string ConnectionString => _password is null
        ? $"127.0.0.1:{Port}"
        : $"127.0.0.1:{Port},password={_password}";

    /// <summary>Starts a new server.</summary>
    /// <param name="persistent">Keep an append-only file (fsync always) so data survives a kill and restart.</param>
    /// <param name="password">Require this password (requirepass).</param>
    /// <param name="extraArgs">More redis-server arguments ("--maxmemory", "10mb" ...).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<RedisServer> StartAsync(
        bool persistent = false,
        string? password = null,
        IReadOnlyList<string>? extraArgs = null,
        CancellationToken cancellationToken = default)
    {
        var executable = Environment.GetEnvironmentVariable("FRAUDEX_REDIS_SERVER") ?? "/usr/bin/redis-server";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{executable} not found; install redis-server (scripts/install-deps.sh) or set FRAUDEX_REDIS_SERVER.");
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var directory = Path.Combine(Path.GetTempPath(), "fraudex-redis-" + Guid.NewGuid().ToString("N")[..12]);
            System.IO.Directory.CreateDirectory(directory);
            var server = new RedisServer(executable, directory, FreeLoopbackPort(), persistent, password, extraArgs ?? []);
            try
            {
                await server.StartAgainAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Another process may have taken the port between the probe and the bind: try another one.
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("redis-server did not start.", last);
    }

    /// <summary>Starts the server again on the same port and directory after a stop or kill.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("redis-server is already running.");
        }

        var psi = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        string[] args =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", Directory,
            "--logfile", Path.Combine(Directory, "redis.log"),
            "--daemonize", "no",
            "--save", string.Empty,
            "--appendonly", _persistent ? "yes" : "no",
            "--appendfsync", "always",
        ];
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (_password is not null)
        {
            psi.ArgumentList.Add("--requirepass");
            psi.ArgumentList.Add(_password);
        }

        foreach (var a in _extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}: {ReadLog()}");
            }

            if (await PingAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                KillProcess();
                throw new TimeoutException($"redis-server did not answer a read within {StartTimeout.TotalSeconds:0} s: {ReadLog()}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the server with SIGKILL (a crash: nothing is flushed beyond what fsync already wrote).</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>Stops the server cleanly (SHUTDOWN NOSAVE), then waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        try
        {
            await SendRawAsync(_password is null ? "SHUTDOWN NOSAVE\r\n" : $"AUTH {_password}\r\nSHUTDOWN NOSAVE\r\n", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // The server closes the connection while shutting down.
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        KillProcess();
        if (_process is not null)
        {
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nothing more to do: SIGKILL was sent.
            }

            _process.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private void KillProcess()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // PING answers while an append-only file is still loading; a read does not (-LOADING), so probe with one.
            var reply = await SendRawAsync(_password is null ? "EXISTS fraudex:fixture:probe\r\n" : $"AUTH {_password}\r\nEXISTS fraudex:fixture:probe\r\n", cancellationToken).ConfigureAwait(false);
            return reply.Contains(":0", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    // Raw RESP inline commands, so the fixture does not depend on the client it is used to test.
    private async Task<string> SendRawAsync(string commands, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
        await socket.SendAsync(Encoding.ASCII.GetBytes(commands), SocketFlags.None, timeout.Token).ConfigureAwait(false);
        var buffer = new byte[256];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        var text = Encoding.ASCII.GetString(buffer, 0, n);
        if (_password is not null && text.StartsWith("+OK\r\n", StringComparison.Ordinal) && text.Length == 5)
        {
            n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            text += Encoding.ASCII.GetString(buffer, 0, n);
        }

        return text;
    }

    private string ReadLog()
    {
        var path = Path.Combine(Directory, "redis.log");
        try
        {
            return File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no log)";
        }
        catch (IOException)
        {
            return "(log unreadable)";
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
