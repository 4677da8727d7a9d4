using System.Threading.Channels;
using Channel = System.Threading.Channels.Channel;
using FraudEx.Contracts.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.AppHost.Dashboard;

/// <summary>A source of live alert events (the alert service's WatchAlerts stream).</summary>
public interface IAlertWatcher
{
    /// <summary>
    /// Streams alert events until the stream ends, fails or <paramref name="cancellationToken"/> fires; calls
    /// <paramref name="connected"/> once the service has accepted the watch.
    /// </summary>
    IAsyncEnumerable<WatchAlertsResponse> WatchAsync(Action connected, CancellationToken cancellationToken);
}

/// <summary>One alert event as the dashboard shows it.</summary>
public sealed record AlertEvent(
    DateTimeOffset ReceivedAt,
    string EventType,
    string AlertId,
    string TransactionId,
    string AccountId,
    string MerchantId,
    long AmountMinor,
    string Currency,
    double Score,
    string Decision,
    string Status);

/// <summary>
/// Keeps watching the alert service (reconnecting with backoff when it is down or restarts), keeps the recent alerts
/// in a bounded list and fans each new one out to the dashboard pages over server-sent events.
/// </summary>
public sealed partial class AlertFeed(IAlertWatcher watcher, TimeProvider time, ILogger<AlertFeed> logger) : BackgroundService
{
    private const int Capacity = 200;
    private readonly Lock _gate = new();
    private readonly LinkedList<AlertEvent> _recent = new();
    private readonly List<Channel<AlertEvent>> _subscribers = [];

    public bool Connected { get; private set; }

    public string Status { get; private set; } = "connecting";

    public IReadOnlyList<AlertEvent> Recent()
    {
        lock (_gate)
        {
            return _recent.ToList();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Status = "connecting";
                void OnConnected()
                {
                    Connected = true;
                    Status = "watching";
                    failures = 0;
                }
                await foreach (var response in watcher.WatchAsync(OnConnected, stoppingToken).ConfigureAwait(false))
                {
                    Publish(ToEvent(response));
                }
                Status = "stream ended";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Status = "alert service unavailable: " + e.Message;
                LogWatchFailed(e.Message);
            }
            Connected = false;
            failures++;
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, failures)), time, stoppingToken).ConfigureAwait(false);
        }
    }

    internal void Publish(AlertEvent alert)
    {
        lock (_gate)
        {
            _recent.AddFirst(alert);
            while (_recent.Count > Capacity)
            {
                _recent.RemoveLast();
            }
            foreach (var subscriber in _subscribers)
            {
                // A page that does not keep up loses the oldest queued events, never the host's memory.
                subscriber.Writer.TryWrite(alert);
            }
        }
    }

    private AlertEvent ToEvent(WatchAlertsResponse response)
    {
        var a = response.Alert ?? new Alert();
        return new AlertEvent(
            time.GetUtcNow(),
            response.EventType == AlertEventType.Updated ? "updated" : "created",
            a.AlertId,
            a.TransactionId,
            a.AccountId,
            a.MerchantId,
            a.AmountMinor,
            a.Currency,
            a.Score,
            a.Decision switch { Decision.Review => "REVIEW", Decision.Decline => "DECLINE", Decision.Approve => "APPROVE", _ => "" },
            a.Status.ToString().ToUpperInvariant());
    }

    /// <summary>Serves text/event-stream: one "alert" event per new alert until the page goes away.</summary>
    public async Task StreamAsync(HttpContext http)
    {
        var channel = Channel.CreateBounded<AlertEvent>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.WriteAsync(": connected\n\n", http.RequestAborted).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            await foreach (var alert in channel.Reader.ReadAllAsync(http.RequestAborted).ConfigureAwait(false))
            {
                var json = System.Text.Json.JsonSerializer.Serialize(alert, DashboardEndpoints.SseJson);
                await http.Response.WriteAsync($"event: alert\ndata: {json}\n\n", http.RequestAborted).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed the stream.
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "WatchAlerts failed: {Reason}")]
    private partial void LogWatchFailed(string reason);
}
