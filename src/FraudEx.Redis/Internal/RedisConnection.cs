using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;

namespace FraudEx.Redis.Internal;

/// <summary>
/// One multiplexed, pipelined connection. Any number of callers write commands concurrently: the commands are
/// encoded into a shared buffer and one writer flushes whatever accumulated in a single socket write; one reader loop
/// matches replies to commands in order. Any I/O error, protocol error or command timeout faults the connection
/// (every pending command fails with <see cref="RedisConnectionException"/>) and the owner replaces it.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly RedisOptions _options;
    private readonly Action<RedisConnection, Exception> _onFault;
    private readonly Lock _sync = new();
    private readonly Queue<PendingCommand> _pending = new();
    private readonly Timer _timeoutTimer;
    private long _timeoutTicks;
    private OutputBuffer _output = new();
    private OutputBuffer? _spare = new();
    private bool _writing;
    private Exception? _fault;

    private RedisConnection(Socket socket, Stream stream, RedisOptions options, Action<RedisConnection, Exception> onFault)
    {
        _socket = socket;
        _stream = stream;
        _options = options;
        _onFault = onFault;
        // The handshake (HELLO/AUTH/SELECT) is part of connecting: bounded by ConnectTimeout, not by a command timeout
        // that may be set far shorter than a connect can take on a busy host.
        _timeoutTicks = ToTicks(options.ConnectTimeout > options.CommandTimeout ? options.ConnectTimeout : options.CommandTimeout);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.CommandTimeout.TotalMilliseconds / 4, 10, 250));
        _timeoutTimer = new Timer(static s => ((RedisConnection)s!).CheckTimeouts(), this, period, period);
        _ = ReadLoopAsync();
    }

    public string Endpoint => $"{_options.Host}:{_options.Port}";

    public bool IsAlive => Volatile.Read(ref _fault) is null;

    /// <summary>RESP version agreed in the handshake.</summary>
    public int Protocol { get; private set; } = 2;

    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, Action<RedisConnection, Exception> onFault, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        RedisConnection? connection = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.SslHost ?? options.Host,
                        RemoteCertificateValidationCallback = options.CertificateValidation,
                    },
                    timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            connection = new RedisConnection(socket, stream, options, onFault);
            await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref connection._timeoutTicks, ToTicks(options.CommandTimeout));
            return connection;
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                socket.Dispose();
            }

            if (ex is RedisServerException)
            {
                throw;
            }

            var reason = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms"
                : ex.Message;
            throw new RedisConnectionException($"Cannot connect to Redis at {options.Host}:{options.Port}: {reason}", ex);
        }
    }

    public Task<RedisResult> Send(string command, RedisArg[] args, CancellationToken cancellationToken)
    {
        var pending = new PendingCommand(command, args);
        Send([pending], cancellationToken);
        return pending.Task;
    }

    /// <summary>Writes the commands back to back (one socket write when nothing else is in flight).</summary>
    public void Send(IReadOnlyList<PendingCommand> commands, CancellationToken cancellationToken)
    {
        var startWriter = false;
        lock (_sync)
        {
            if (_fault is not null)
            {
                var error = AsConnectionError(_fault);
                foreach (var c in commands)
                {
                    c.Fail(error);
                }

                return;
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var c in commands)
            {
                RespWriter.WriteCommand(_output, c.Command, c.Args);
                c.SentTimestamp = now;
                c.AttachCancellation(cancellationToken);
                _pending.Enqueue(c);
            }

            if (!_writing)
            {
                _writing = true;
                startWriter = true;
            }
        }

        if (startWriter)
        {
            _ = WriteLoopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fault(new ObjectDisposedException(nameof(RedisClient), "The Redis client was disposed."), notify: false);
        await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        if (o.Protocol == 3 || o.User is not null)
        {
            var args = new List<RedisArg> { o.Protocol };
            if (o.Password is not null)
            {
                args.Add("AUTH");
                args.Add(o.User ?? "default");
                args.Add(o.Password);
            }

            if (o.ClientName is not null)
            {
                args.Add("SETNAME");
                args.Add(o.ClientName);
            }

            try
            {
                await Send("HELLO", [.. args], cancellationToken).ConfigureAwait(false);
                Protocol = o.Protocol;
            }
            catch (RedisServerException ex) when (ex.Prefix is "ERR" or "NOPROTO" && !ex.Message.Contains("AUTH", StringComparison.OrdinalIgnoreCase))
            {
                // Servers before 6.0 know no HELLO: fall back to RESP2 with plain AUTH.
                await LegacyAuthAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await LegacyAuthAsync(cancellationToken).ConfigureAwait(false);
        }

        if (o.Database != 0)
        {
            await Send("SELECT", [o.Database], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LegacyAuthAsync(CancellationToken cancellationToken)
    {
        Protocol = 2;
        var o = _options;
        if (o.Password is not null)
        {
            RedisArg[] args = o.User is null ? [o.Password] : [o.User, o.Password];
            await Send("AUTH", args, cancellationToken).ConfigureAwait(false);
        }

        if (o.ClientName is not null)
        {
            await Send("CLIENT", ["SETNAME", o.ClientName], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                OutputBuffer buffer;
                lock (_sync)
                {
                    if (_output.Length == 0 || _fault is not null)
                    {
                        _writing = false;
                        return;
                    }

                    buffer = _output;
                    _output = _spare ?? new OutputBuffer();
                    _spare = null;
                }

                await _stream.WriteAsync(buffer.Written).ConfigureAwait(false);
                if (_stream is SslStream)
                {
                    await _stream.FlushAsync().ConfigureAwait(false);
                }

                buffer.Clear();
                lock (_sync)
                {
                    _spare = buffer;
                }
            }
        }
        catch (Exception ex)
        {
            lock (_sync)
            {
                _writing = false;
            }

            Fault(ex, notify: true);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new RedisConnectionException($"Redis at {Endpoint} closed the connection.");
                }

                end += read;
                while (RespParser.TryParse(buffer.AsSpan(0, end), ref start, out var result, out var isPush))
                {
                    if (isPush)
                    {
                        continue; // Out-of-band RESP3 pushes (no subscriptions are made): nothing waits for them.
                    }

                    PendingCommand? pending;
                    lock (_sync)
                    {
                        _pending.TryDequeue(out pending);
                    }

                    if (pending is null)
                    {
                        throw new RedisProtocolException("Received a reply with no command waiting for it.");
                    }

                    pending.Complete(result);
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception ex)
        {
            Fault(ex, notify: true);
        }
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private void CheckTimeouts()
    {
        bool expired;
        string? command = null;
        lock (_sync)
        {
            expired = _fault is null && _pending.TryPeek(out var head) && Stopwatch.GetTimestamp() - head.SentTimestamp > Volatile.Read(ref _timeoutTicks);
            if (expired)
            {
                command = _pending.Peek().Command;
            }
        }

        if (expired)
        {
            Fault(new RedisTimeoutException($"Redis at {Endpoint} did not answer {command} within {_options.CommandTimeout.TotalMilliseconds:0} ms."), notify: true);
        }
    }

    private void Fault(Exception exception, bool notify)
    {
        PendingCommand[] failed;
        lock (_sync)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = exception;
            failed = [.. _pending];
            _pending.Clear();
        }

        var error = AsConnectionError(exception);
        foreach (var p in failed)
        {
            p.Fail(error);
        }

        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Closing a broken stream may throw; the socket is closed below either way.
        }

        _socket.Dispose();
        _timeoutTimer.Change(Timeout.Infinite, Timeout.Infinite);
        if (notify)
        {
            _onFault(this, exception);
        }
    }

    private RedisException AsConnectionError(Exception exception) => exception switch
    {
        RedisConnectionException rc => rc,
        ObjectDisposedException => new RedisConnectionException("The Redis client was disposed.", exception),
        _ => new RedisConnectionException($"Connection to Redis at {Endpoint} lost: {exception.Message}", exception),
    };
}
