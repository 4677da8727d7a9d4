using FraudEx.Redis.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Redis;

/// <summary>
/// Asynchronous Redis client over RESP2/RESP3: commands from any number of callers are pipelined over one
/// multiplexed connection (or a small pool, round-robin); <see cref="CreateBatch"/> sends many commands in one write.
/// Thread-safe. Reconnects by itself with backoff; while Redis is unreachable, commands fail fast with
/// <see cref="RedisConnectionException"/> instead of queueing.
/// </summary>
public sealed class RedisClient : IAsyncDisposable
{
    private readonly ConnectionSlot[] _slots;
    private int _next;

    /// <summary>Creates the client and starts connecting in the background.</summary>
    public RedisClient(RedisOptions options, ILogger<RedisClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Clone();
        Options.Validate();
        var log = (ILogger?)logger ?? NullLogger.Instance;
        _slots = new ConnectionSlot[Options.PoolSize];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new ConnectionSlot(Options, log);
        }
    }

    /// <summary>A copy of the options the client was created with.</summary>
    public RedisOptions Options { get; }

    /// <summary>True when at least one connection is up.</summary>
    public bool IsConnected => _slots.Any(s => s.IsConnected);

    /// <summary>Creates a client and waits for its first connect attempt; throws when that attempt failed.</summary>
    public static async Task<RedisClient> ConnectAsync(RedisOptions options, ILogger<RedisClient>? logger = null, CancellationToken cancellationToken = default)
    {
        var client = new RedisClient(options, logger);
        try
        {
            await Task.WhenAll(client._slots.Select(s => s.FirstAttempt)).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!client._slots[0].IsConnected && client._slots[0].LastError is RedisException first)
            {
                // The connect error itself (refused, TLS, WRONGPASS ...) says more than "unavailable".
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }

            await client._slots[0].GetAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends one command and returns its reply; an error reply throws <see cref="RedisServerException"/>.</summary>
    public Task<RedisResult> ExecuteAsync(string command, params RedisArg[] args) => ExecuteAsync(command, args, CancellationToken.None);

    /// <inheritdoc cref="ExecuteAsync(string, RedisArg[])"/>
    public async Task<RedisResult> ExecuteAsync(string command, RedisArg[] args, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        using var activity = RedisTelemetry.StartCommand(command, 1, Options);
        try
        {
            var connection = await NextSlot().GetAsync(cancellationToken).ConfigureAwait(false);
            return await connection.Send(command, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
    }

    /// <summary>Runs a script by SHA-1, sending its source once when the server does not hold it (NOSCRIPT).</summary>
    public async Task<RedisResult> EvalAsync(RedisScript script, RedisArg[] keys, RedisArg[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        try
        {
            return await ExecuteAsync("EVALSHA", ScriptArgs(script.Sha1, keys, args), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Prefix == "NOSCRIPT")
        {
            return await ExecuteAsync("EVAL", ScriptArgs(script.Source, keys, args), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>PING; returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        await ExecuteAsync("PING", [], cancellationToken).ConfigureAwait(false);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Starts a batch: commands added to it are sent together, in order, by <see cref="RedisBatch.SendAsync"/>.</summary>
    public RedisBatch CreateBatch() => new(this);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var slot in _slots)
        {
            await slot.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal ValueTask<RedisConnection> GetConnectionAsync(CancellationToken cancellationToken) => NextSlot().GetAsync(cancellationToken);

    internal static RedisArg[] ScriptArgs(string shaOrSource, RedisArg[] keys, RedisArg[] args)
    {
        var all = new RedisArg[2 + keys.Length + args.Length];
        all[0] = shaOrSource;
        all[1] = keys.Length;
        keys.CopyTo(all, 2);
        args.CopyTo(all, 2 + keys.Length);
        return all;
    }

    private ConnectionSlot NextSlot()
    {
        if (_slots.Length == 1)
        {
            return _slots[0];
        }

        // Prefer a live connection so one broken member of the pool does not fail every n-th call.
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_slots.Length);
        for (var i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[(start + i) % _slots.Length];
            if (slot.IsConnected)
            {
                return slot;
            }
        }

        return _slots[start];
    }
}
