using System.Globalization;
using System.Text;
using FraudEx.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Internal;

/// <summary>
/// The NOTIFY side of the live feed. A payload names only alert ids ("C:17,18,19" created, "U:17" updated): an alert
/// with long notes would not fit Postgres' 8,000-byte payload limit, so listeners read the alerts themselves. Many ids
/// share one notification, chunked under the limit, so a batch of 10,000 decisions costs a handful of NOTIFYs.
/// Notifications are transactional: they are delivered on commit, never for a rolled-back batch.
/// </summary>
internal static class AlertNotifications
{
    public const string Channel = "fraudex_alerts";
    private const int MaxPayloadBytes = 7000;

    public static async Task NotifyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertEventType eventType, IReadOnlyList<long> alertIds,
        CancellationToken cancellationToken)
    {
        if (alertIds.Count == 0)
        {
            return;
        }

        var payloads = Chunk(eventType, alertIds);
        await using var command = new NpgsqlCommand($"SELECT pg_notify('{Channel}', p) FROM unnest($1::text[]) AS p", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string[] Chunk(AlertEventType eventType, IReadOnlyList<long> alertIds)
    {
        var prefix = eventType == AlertEventType.Created ? "C:" : "U:";
        var payloads = new List<string>();
        var current = new StringBuilder(prefix);
        foreach (var id in alertIds)
        {
            var text = id.ToString(CultureInfo.InvariantCulture);
            if (current.Length + text.Length + 1 > MaxPayloadBytes)
            {
                payloads.Add(current.ToString());
                current.Clear().Append(prefix);
            }

            if (current.Length > prefix.Length)
            {
                current.Append(',');
            }

            current.Append(text);
        }

        payloads.Add(current.ToString());
        return [.. payloads];
    }

    /// <summary>Parses a payload; false for anything not written by <see cref="NotifyAsync"/>.</summary>
    public static bool TryParse(string payload, out AlertEventType eventType, out List<long> alertIds)
    {
        alertIds = [];
        eventType = payload.StartsWith("C:", StringComparison.Ordinal) ? AlertEventType.Created
            : payload.StartsWith("U:", StringComparison.Ordinal) ? AlertEventType.Updated
            : AlertEventType.Unspecified;
        if (eventType == AlertEventType.Unspecified)
        {
            return false;
        }

        foreach (var part in payload.AsSpan(2).Split(','))
        {
            if (!long.TryParse(payload.AsSpan(2)[part], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return false;
            }

            alertIds.Add(id);
        }

        return alertIds.Count > 0;
    }
}
