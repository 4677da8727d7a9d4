using System.Collections.Concurrent;
using System.Threading.Channels;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Channel = System.Threading.Channels.Channel;

namespace FraudEx.Alerts;

/// <summary>A watcher fell further behind than its buffer allows and was disconnected (it can catch up with ListAlerts).</summary>
public sealed class WatcherOverflowException : Exception
{
    public WatcherOverflowException()
        : base("The watcher fell behind the live feed and was disconnected; catch up with ListAlerts and watch again.")
    {
    }

    public WatcherOverflowException(string message)
        : base(message)
    {
    }

    public WatcherOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The live feed of one replica. One dedicated connection LISTENs on the alert channel, so every replica hears every
/// alert committed by any replica (Postgres delivers NOTIFY to all listeners, after commit). Each watcher has its own
/// bounded buffer: a slow watcher fills only its own and is disconnected when it overflows, never holding up the rest.
/// </summary>
public sealed class AlertFeed(NpgsqlDataSource dataSource, AlertStore alerts, ILogger<AlertFeed> logger) : BackgroundService
{
    /// <summary>Events a watcher may have buffered before it is considered too slow. Larger than the alerts one
    /// dispatch pass can publish at once (<see cref="MaxEventsPerPass"/>), so a reader that keeps up between passes is
    /// never cut off by a single large batch. Buffered events are shared by all watchers, so a full buffer costs only
    /// its references.</summary>
    public const int WatcherCapacity = 16_384;

    /// <summary>Most alert ids one dispatch pass reads and publishes.</summary>
    public const int MaxEventsPerPass = 10_000;

    private readonly ConcurrentDictionary<long, Watcher> _watchers = new();
    private readonly Channel<string> _payloads = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextWatcherId;

    /// <summary>Completes once the first LISTEN is in place (alerts committed after it are seen).</summary>
    public Task WhenListening => _listening.Task;

    /// <summary>Current number of watchers.</summary>
    public int WatcherCount => _watchers.Count;

    /// <summary>Starts watching; dispose the subscription to stop.</summary>
    public AlertSubscription Subscribe(WatchAlertsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!(request.MinScore >= 0 && request.MinScore <= 1))
        {
            throw AlertServiceException.Invalid([("min_score", "must be in [0, 1]")]);
        }

        var id = Interlocked.Increment(ref _nextWatcherId);
        var channel = Channel.CreateBounded<WatchAlertsResponse>(new BoundedChannelOptions(WatcherCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var watcher = new Watcher(id, request.MinScore, request.IncludeUpdates, channel);
        _watchers[id] = watcher;
        return new AlertSubscription(channel.Reader, () => _watchers.TryRemove(id, out _));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dispatch = DispatchAsync(stoppingToken);
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.FeedDisconnected(logger, delay, e);
                try
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _payloads.Writer.TryComplete();
        await dispatch.ConfigureAwait(false);
        foreach (var watcher in _watchers.Values)
        {
            watcher.Channel.Writer.TryComplete();
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
        connection.Notification += (_, e) => _payloads.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {AlertNotifications.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
        }

        Log.FeedListening(logger);
        _listening.TrySetResult();
        while (true)
        {
            // A periodic keep-alive so a dead connection is noticed even when no notification arrives.
            if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        var reader = _payloads.Reader;
        var created = new HashSet<long>();
        var updated = new HashSet<long>();
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            created.Clear();
            updated.Clear();
            while (created.Count + updated.Count < MaxEventsPerPass && reader.TryRead(out var payload))
            {
                if (AlertNotifications.TryParse(payload, out var type, out var ids))
                {
                    (type == AlertEventType.Created ? created : updated).UnionWith(ids);
                }
            }

            if (_watchers.IsEmpty || stoppingToken.IsCancellationRequested)
            {
                continue;
            }

            try
            {
                await PublishAsync(AlertEventType.Created, created, stoppingToken).ConfigureAwait(false);
                if (_watchers.Values.Any(w => w.IncludeUpdates))
                {
                    await PublishAsync(AlertEventType.Updated, updated, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                Log.FeedDisconnected(logger, TimeSpan.Zero, e);
            }
        }
    }

    private async Task PublishAsync(AlertEventType type, HashSet<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        foreach (var alert in await alerts.GetManyAsync(ids, cancellationToken).ConfigureAwait(false))
        {
            var message = new WatchAlertsResponse { EventType = type, Alert = alert };
            foreach (var watcher in _watchers.Values)
            {
                if (alert.Score < watcher.MinScore || (type == AlertEventType.Updated && !watcher.IncludeUpdates))
                {
                    continue;
                }

                if (!watcher.Channel.Writer.TryWrite(message) && _watchers.TryRemove(watcher.Id, out _))
                {
                    Log.WatcherOverflow(logger, watcher.Id, WatcherCapacity);
                    watcher.Channel.Writer.TryComplete(new WatcherOverflowException());
                }
            }
        }
    }

    private sealed record Watcher(long Id, double MinScore, bool IncludeUpdates, Channel<WatchAlertsResponse> Channel);
}

/// <summary>One watcher's view of the feed.</summary>
public sealed class AlertSubscription(ChannelReader<WatchAlertsResponse> reader, Action unsubscribe) : IDisposable
{
    /// <summary>Events for this watcher; completes with <see cref="WatcherOverflowException"/> if it falls behind.</summary>
    public ChannelReader<WatchAlertsResponse> Events { get; } = reader;

    public void Dispose() => unsubscribe();
}
