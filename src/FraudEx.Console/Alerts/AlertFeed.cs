using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FraudEx.Console.Extensions;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Channel = System.Threading.Channels.Channel;

namespace FraudEx.Console.Alerts;

/// <summary>A source of live alert events (the alert service's WatchAlerts stream).</summary>
public interface IAlertWatcher
{
    /// <summary>
    /// Streams alert events until the stream ends, fails or <paramref name="cancellationToken"/> fires; calls
    /// <paramref name="connected"/> once the service has accepted the watch.
    /// </summary>
    IAsyncEnumerable<WatchAlertsResponse> WatchAsync(Action connected, CancellationToken cancellationToken);
}

/// <summary>WatchAlerts (new alerts and updates) on the alert service.</summary>
public sealed class GrpcAlertWatcher(AlertService.AlertServiceClient client) : IAlertWatcher
{
    public async IAsyncEnumerable<WatchAlertsResponse> WatchAsync(Action connected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connected);
        using var call = client.WatchAlerts(new WatchAlertsRequest { IncludeUpdates = true }, cancellationToken: cancellationToken);
        await call.ResponseHeadersAsync.WaitAsync(cancellationToken).ConfigureAwait(false);
        connected();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return response;
        }
    }
}

/// <summary>One live event as the pages show it.</summary>
public sealed record AlertEvent(DateTimeOffset ReceivedAt, string EventType, AlertView Alert);

/// <summary>
/// Keeps watching the alert service (reconnecting with backoff while it is down or restarting), keeps the recent events
/// in a bounded list and fans each one out to the open pages over server-sent events.
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
            return [.. _recent];
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
                    Publish(new AlertEvent(time.GetUtcNow(),
                        response.EventType == AlertEventType.Updated ? "updated" : "created",
                        AlertView.From(response.Alert ?? new Alert())));
                }
                Status = "stream ended";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or InvalidOperationException)
            {
                Status = "alert service unavailable: " + (e is RpcException r ? r.Status.Detail : e.Message);
                LogWatchFailed(Status);
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
                // A page that does not keep up loses its oldest queued events, never the console's memory.
                subscriber.Writer.TryWrite(alert);
            }
        }
    }

    /// <summary>Serves text/event-stream: one "alert" event per new or updated alert until the page goes away.</summary>
    public async Task StreamAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
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
                var json = System.Text.Json.JsonSerializer.Serialize(alert, ConsoleServices.Json);
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

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "WatchAlerts: {Reason}")]
    private partial void LogWatchFailed(string reason);
}
