using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Webhooks;

/// <summary>
/// Delivers queued webhook events. Deliveries are rows written in the same transaction as the alert change (an
/// outbox), so an event is never lost between Postgres and the receiver. Due rows are leased under FOR UPDATE SKIP
/// LOCKED (several replicas share the work), POSTed with a signed body, and on failure retried with exponential
/// backoff and jitter until <see cref="WebhookOptions.MaxAttempts"/>. Every attempt lands in webhook_delivery_attempts.
/// Delivery is at least once: receivers deduplicate on the FraudEx-Delivery header.
/// </summary>
public sealed class WebhookDispatcher : IDisposable
{
    /// <summary>Header naming the delivery, stable across retries.</summary>
    public const string DeliveryHeader = "FraudEx-Delivery";

    private const int BatchSize = 64;
    private readonly NpgsqlDataSource _dataSource;
    private readonly AlertStore _alerts;
    private readonly TimeProvider _timeProvider;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;

    public WebhookDispatcher(
        NpgsqlDataSource dataSource, AlertStore alerts, TimeProvider timeProvider, IOptions<WebhookOptions> options,
        ILogger<WebhookDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _alerts = alerts;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = _options.RequestTimeout,
        };
    }

    /// <summary>Attempts every delivery due now, once.</summary>
    /// <returns>Deliveries attempted.</returns>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var due = await LeaseAsync(cancellationToken).ConfigureAwait(false);
        if (due.Count == 0)
        {
            return 0;
        }

        var alerts = (await _alerts.GetManyAsync(due.Select(d => d.AlertId).Distinct().ToList(), cancellationToken).ConfigureAwait(false))
            .ToDictionary(a => long.Parse(a.AlertId, CultureInfo.InvariantCulture));
        using var gate = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrency));
        await Task.WhenAll(due.Select(async delivery =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await AttemptAsync(delivery, alerts.GetValueOrDefault(delivery.AlertId), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return due.Count;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The JSON body of one delivery.</summary>
    internal static byte[] Payload(long deliveryId, string eventType, DateTime createdAt, Alert alert)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", deliveryId.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("type", eventType);
            writer.WriteString("created", createdAt);
            writer.WriteStartObject("data");
            writer.WritePropertyName("alert");
            writer.WriteRawValue(JsonFormatter.Default.Format(alert));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task AttemptAsync(Due delivery, Alert? alert, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int? statusCode = null;
        string? error = null;
        if (alert is null)
        {
            error = "alert no longer exists";
        }
        else
        {
            var body = Payload(delivery.DeliveryId, delivery.EventType, delivery.CreatedAt, alert);
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(delivery.Secret, _timeProvider.GetUtcNow(), body));
            request.Headers.TryAddWithoutValidation(DeliveryHeader, delivery.DeliveryId.ToString(CultureInfo.InvariantCulture));
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                statusCode = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    error = $"HTTP {statusCode}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = e is TaskCanceledException ? "timed out" : e.Message;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var now = Timestamps.Truncate(_timeProvider.GetUtcNow());
        var gaveUp = error is not null && delivery.Attempt >= _options.MaxAttempts;
        var delay = RetryDelay(delivery.Attempt);
        await using var command = _dataSource.CreateCommand("""
            WITH attempt AS (
                INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
                VALUES ($1, $2, $3, $4, $5, $6))
            UPDATE webhook_deliveries
            SET status = $7, last_status_code = $4, last_error = $5,
                delivered_at = CASE WHEN $7 = 1 THEN $3 END, next_attempt_at = $8
            WHERE delivery_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = delivery.DeliveryId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = delivery.Attempt });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = elapsed.TotalMilliseconds });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)(error is null ? 1 : gaveUp ? 2 : 0) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now + delay, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);

        if (gaveUp)
        {
            Log.WebhookGaveUp(_logger, delivery.DeliveryId, delivery.Url, delivery.Attempt);
        }
        else if (error is not null)
        {
            Log.WebhookAttemptFailed(_logger, delivery.DeliveryId, delivery.Url, delivery.Attempt, error);
        }
    }

    /// <summary>Exponential backoff with "equal jitter": half the ceiling fixed, half random, so retries of many
    /// deliveries to one recovering receiver spread out instead of arriving together.</summary>
    private TimeSpan RetryDelay(int attempt)
    {
        var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds,
            _options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private async Task<List<Due>> LeaseAsync(CancellationToken cancellationToken)
    {
        var now = Timestamps.Truncate(_timeProvider.GetUtcNow());
        // The lease is next_attempt_at itself, pushed past the request timeout: a replica that dies mid-attempt leaves
        // the row due again once the lease runs out.
        var lease = now + _options.RequestTimeout + TimeSpan.FromSeconds(30);
        await using var command = _dataSource.CreateCommand($"""
            WITH due AS (
                SELECT delivery_id FROM webhook_deliveries
                WHERE status = 0 AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED
            ), leased AS (
                UPDATE webhook_deliveries d SET next_attempt_at = $2, attempts = d.attempts + 1
                FROM due WHERE d.delivery_id = due.delivery_id
                RETURNING d.delivery_id, d.subscription_id, d.alert_id, d.event_type, d.attempts, d.created_at
            )
            SELECT l.delivery_id, l.alert_id, l.event_type, l.attempts, l.created_at, s.url, s.secret
            FROM leased l JOIN webhook_subscriptions s ON s.subscription_id = l.subscription_id
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var due = new List<Due>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add(new Due(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetFieldValue<DateTime>(4), reader.GetString(5), reader.GetString(6)));
        }

        return due;
    }

    private sealed record Due(long DeliveryId, long AlertId, string EventType, int Attempt, DateTime CreatedAt, string Url, string Secret);
}
