using FraudEx.Alerts.Internal;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Storage;

/// <summary>
/// Drains the label outbox into an <see cref="ILabelSink"/>. Due labels are leased (next_forward_at pushed past the
/// lease) under FOR UPDATE SKIP LOCKED, so replicas never send the same label at once; a label whose forwarding fails
/// is retried with exponential backoff and jitter. The feature service deduplicates labels, so a retry after a lost
/// acknowledgement is harmless.
/// </summary>
public sealed class LabelForwarder(NpgsqlDataSource dataSource, ILabelSink sink, TimeProvider timeProvider, ILogger<LabelForwarder> logger)
{
    private const int BatchSize = 1024;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>Forwards due labels (only <paramref name="labelId"/> when given).</summary>
    /// <returns>How many labels the sink accepted.</returns>
    public async Task<int> ForwardDueAsync(long? labelId, CancellationToken cancellationToken)
    {
        var now = Timestamps.Truncate(timeProvider.GetUtcNow());
        var (ids, labels) = await LeaseAsync(labelId, now, cancellationToken).ConfigureAwait(false);
        if (ids.Length == 0)
        {
            return 0;
        }

        try
        {
            await sink.RecordLabelsAsync(labels, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.LabelForwardFailed(logger, ids.Length, e);
            await using var failed = dataSource.CreateCommand("""
                UPDATE labels SET forward_attempts = forward_attempts + 1, last_forward_error = $2,
                       next_forward_at = $3 + make_interval(secs => least($4, power(2, forward_attempts)) * (0.5 + random() / 2))
                WHERE label_id = ANY ($1)
                """);
            failed.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
            failed.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.GetType().Name + ": " + e.Message });
            failed.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            failed.Parameters.Add(new NpgsqlParameter<double> { TypedValue = MaxBackoff.TotalSeconds });
            await failed.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }

        await using var done = dataSource.CreateCommand(
            "UPDATE labels SET forwarded_at = $2, last_forward_error = NULL WHERE label_id = ANY ($1)");
        done.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
        done.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = Timestamps.Truncate(timeProvider.GetUtcNow()), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await done.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        Log.LabelsForwarded(logger, ids.Length);
        return ids.Length;
    }

    /// <summary>Labels not yet accepted by the sink.</summary>
    public async Task<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM labels WHERE forwarded_at IS NULL");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<(long[] Ids, List<Label> Labels)> LeaseAsync(long? labelId, DateTime now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH due AS (
                SELECT label_id FROM labels
                WHERE forwarded_at IS NULL AND next_forward_at <= $1 {(labelId is null ? "" : "AND label_id = $4")}
                ORDER BY next_forward_at LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED
            ), leased AS (
                UPDATE labels l SET next_forward_at = $2 FROM due WHERE l.label_id = due.label_id
                RETURNING l.label_id, l.transaction_id, l.kind, l.labeled_at
            )
            SELECT leased.label_id, leased.transaction_id, leased.kind, leased.labeled_at,
                   d.merchant_id, d.device_id, d.account_id, d.transaction_time
            FROM leased JOIN decisions d ON d.transaction_id = leased.transaction_id
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now + Lease, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        if (labelId is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = labelId.Value });
        }

        var ids = new List<long>();
        var labels = new List<Label>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetInt64(0));
            labels.Add(new Label
            {
                TransactionId = reader.GetString(1),
                Kind = (LabelKind)reader.GetInt16(2),
                LabeledTime = Timestamps.ToProto(reader.GetFieldValue<DateTime>(3)),
                MerchantId = reader.GetString(4),
                DeviceId = reader.GetString(5),
                AccountId = reader.GetString(6),
                TransactionTime = Timestamps.ToProto(reader.GetFieldValue<DateTime>(7)),
            });
        }

        return ([.. ids], labels);
    }
}
