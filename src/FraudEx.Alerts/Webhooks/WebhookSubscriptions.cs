using FraudEx.Alerts.Internal;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Webhooks;

/// <summary>Webhook subscriptions: a URL, the secret its payloads are signed with, and the events it wants.</summary>
public sealed class WebhookSubscriptions(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>Event type of a newly opened alert.</summary>
    public const string AlertCreated = "alert.created";

    /// <summary>Event type of a changed alert.</summary>
    public const string AlertUpdated = "alert.updated";

    /// <summary>Creates a subscription, or updates the secret and events of the one with the same URL.</summary>
    /// <returns>The subscription id.</returns>
    public async Task<long> UpsertAsync(string url, string secret, IReadOnlyCollection<string> eventTypes, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Webhook URL '{url}' is not an absolute http(s) URL.", nameof(url));
        }

        if (secret.Length < 16)
        {
            throw new ArgumentException("A webhook secret must have at least 16 characters.", nameof(secret));
        }

        var unknown = eventTypes.Where(e => e is not (AlertCreated or AlertUpdated)).ToList();
        if (unknown.Count > 0 || eventTypes.Count == 0)
        {
            throw new ArgumentException($"Event types must be {AlertCreated} and/or {AlertUpdated}.", nameof(eventTypes));
        }

        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_subscriptions (url, secret, event_types, active, created_at) VALUES ($1, $2, $3, true, $4)
            ON CONFLICT (url) DO UPDATE SET secret = excluded.secret, event_types = excluded.event_types, active = true
            RETURNING subscription_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = url });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventTypes] });
        command.Parameters.Add(new NpgsqlParameter<DateTime>
        {
            TypedValue = Timestamps.Truncate(timeProvider.GetUtcNow()),
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Stops deliveries to a subscription (pending ones are still attempted).</summary>
    public async Task DeactivateAsync(long subscriptionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE webhook_subscriptions SET active = false WHERE subscription_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = subscriptionId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
