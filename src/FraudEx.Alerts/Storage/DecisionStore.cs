using FraudEx.Alerts.Internal;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Storage;

/// <summary>The outcome of recording one batch of decisions.</summary>
/// <param name="Inserted">Decisions stored now.</param>
/// <param name="Duplicates">Decisions skipped because their transaction_id was stored before.</param>
/// <param name="AlertIds">Alerts opened for the inserted REVIEW and DECLINE decisions.</param>
public sealed record RecordDecisionsResult(int Inserted, int Duplicates, IReadOnlyList<long> AlertIds);

/// <summary>
/// Writes decisions in batches, exactly once per transaction_id: binary COPY into a transaction-scoped staging
/// table, then one INSERT ... ON CONFLICT (transaction_id) DO NOTHING that also opens the alerts of the rows it
/// inserted, queues their webhook deliveries and announces them on the alert channel, all in one transaction.
/// A batch sent again (a retry after a lost acknowledgement) therefore changes nothing.
/// </summary>
public sealed class DecisionStore(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<DecisionStore> logger)
{
    private const string Columns = DecisionRows.Columns;

    private const string InsertSql = $"""
        WITH ins AS (
            INSERT INTO decisions ({Columns})
            SELECT {Columns} FROM decisions_staging
            ON CONFLICT (transaction_id) DO NOTHING
            RETURNING transaction_id, account_id, merchant_id, amount_minor, currency, score, decision, transaction_time
        ), opened AS (
            INSERT INTO alerts (transaction_id, account_id, merchant_id, amount_minor, currency, score, decision, status,
                                created_at, updated_at, transaction_time)
            SELECT transaction_id, account_id, merchant_id, amount_minor, currency, score, decision, 1, $1, $1, transaction_time
            FROM ins WHERE decision IN (2, 3)
            ORDER BY transaction_time, transaction_id
            RETURNING alert_id
        ), hooks AS (
            INSERT INTO webhook_deliveries (subscription_id, alert_id, event_type, next_attempt_at, created_at)
            SELECT s.subscription_id, o.alert_id, 'alert.created', $1, $1
            FROM opened o CROSS JOIN webhook_subscriptions s
            WHERE s.active AND 'alert.created' = ANY (s.event_types)
        )
        SELECT (SELECT count(*) FROM ins)::int, ARRAY(SELECT alert_id FROM opened ORDER BY alert_id)
        """;

    /// <summary>Records a batch; decisions whose transaction_id is already stored are skipped.</summary>
    public async Task<RecordDecisionsResult> RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        if (decisions.Count == 0)
        {
            return new RecordDecisionsResult(0, 0, []);
        }

        var now = Timestamps.Truncate(timeProvider.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE decisions_staging (LIKE decisions) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await CopyAsync(connection, decisions, now, cancellationToken).ConfigureAwait(false);

        int inserted;
        long[] alertIds;
        await using (var insert = new NpgsqlCommand(InsertSql, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            inserted = reader.GetInt32(0);
            alertIds = reader.GetFieldValue<long[]>(1);
        }

        await AlertNotifications.NotifyAsync(connection, transaction, AlertEventType.Created, alertIds, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Log.DecisionsRecorded(logger, inserted, decisions.Count - inserted, alertIds.Length);
        return new RecordDecisionsResult(inserted, decisions.Count - inserted, alertIds);
    }

    /// <summary>Reads one decision back as it was recorded; null when the transaction_id is unknown.</summary>
    public async Task<DecisionRecord?> GetAsync(string transactionId, CancellationToken cancellationToken)
    {
        return await DecisionRows.SelectAsync(dataSource, transactionId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyAsync(
        NpgsqlConnection connection, IReadOnlyList<DecisionRecord> decisions, DateTime now, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY decisions_staging ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        var json = new JsonScratch();
        foreach (var decision in decisions)
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await DecisionRows.WriteAsync(writer, decision, now, json, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
