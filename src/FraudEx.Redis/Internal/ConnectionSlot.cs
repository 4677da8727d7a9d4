using Microsoft.Extensions.Logging;

namespace FraudEx.Redis.Internal;

/// <summary>
/// Holds one live connection and replaces it when it faults, retrying with exponential backoff and jitter in the
/// background. While no connection is up, callers fail at once (no queueing behind a dead server) unless a connect
/// attempt is under way, which they wait for (bounded by the connect timeout).
/// </summary>
internal sealed class ConnectionSlot : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _sync = new();
    private RedisConnection? _current;
    private Task<RedisConnection>? _attempt;
    private Exception? _lastError;
    private bool _reconnecting;

    public ConnectionSlot(RedisOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        StartReconnect();
    }

    private string Endpoint => $"{_options.Host}:{_options.Port}";

    public bool IsConnected => _current is { IsAlive: true };

    /// <summary>Why the last connect attempt or connection failed; null while connected.</summary>
    public Exception? LastError => _lastError;

    /// <summary>Completes when the first connect attempt has finished, successfully or not.</summary>
    public Task FirstAttempt { get; private set; } = Task.CompletedTask;

    public async ValueTask<RedisConnection> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is { IsAlive: true })
        {
            return current;
        }

        var attempt = _attempt;
        if (attempt is not null && !attempt.IsCompleted)
        {
            try
            {
                var c = await attempt.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (c.IsAlive)
                {
                    return c;
                }
            }
            catch (RedisException)
            {
                // Reported below with the last error.
            }
        }
        else if (attempt is { IsCompletedSuccessfully: true } && attempt.Result.IsAlive)
        {
            return attempt.Result;
        }

        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        throw new RedisConnectionException(
            $"Redis at {Endpoint} is unavailable ({_lastError?.Message ?? "not connected"}); reconnecting in the background.",
            _lastError);
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        var current = _current;
        _current = null;
        if (current is not null)
        {
            await current.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnFault(RedisConnection connection, Exception exception)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        lock (_sync)
        {
            if (!ReferenceEquals(_current, connection))
            {
                return;
            }

            _current = null;
            _lastError = exception;
        }

        RedisLog.ConnectionLost(_logger, Endpoint, exception);
        StartReconnect();
    }

    private void StartReconnect()
    {
        lock (_sync)
        {
            if (_reconnecting || _disposed.IsCancellationRequested)
            {
                return;
            }

            _reconnecting = true;
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            FirstAttempt = first.Task;
            _ = ReconnectLoopAsync(first);
        }
    }

    private async Task ReconnectLoopAsync(TaskCompletionSource firstAttempt)
    {
        var delay = _options.ReconnectMinDelay;
        var attemptNumber = 0;
        try
        {
            while (!_disposed.IsCancellationRequested)
            {
                attemptNumber++;
                var attempt = RedisConnection.ConnectAsync(_options, OnFault, _disposed.Token);
                _attempt = attempt;
                try
                {
                    var connection = await attempt.ConfigureAwait(false);
                    lock (_sync)
                    {
                        _current = connection;
                        _lastError = null;
                        _reconnecting = false;
                    }

                    firstAttempt.TrySetResult();
                    RedisLog.Connected(_logger, Endpoint, connection.Protocol, _options.Database);
                    if (!connection.IsAlive)
                    {
                        // It died between the handshake and publication: its fault was ignored, so go round again.
                        OnFault(connection, new RedisConnectionException("Connection lost right after connecting."));
                    }

                    return;
                }
                catch (Exception ex) when (!_disposed.IsCancellationRequested)
                {
                    _lastError = ex;
                    firstAttempt.TrySetResult();
                    var jittered = delay * (0.8 + Random.Shared.NextDouble() * 0.4);
                    RedisLog.ConnectFailed(_logger, Endpoint, attemptNumber, (long)jittered.TotalMilliseconds, ex);
                    await Task.Delay(jittered, _disposed.Token).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Disposed while waiting to retry.
        }
        finally
        {
            firstAttempt.TrySetResult();
            lock (_sync)
            {
                if (_current is null)
                {
                    _reconnecting = false;
                }
            }
        }
    }
}
