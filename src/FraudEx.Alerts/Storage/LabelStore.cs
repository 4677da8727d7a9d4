using FraudEx.Alerts.Internal;
using FraudEx.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Storage;

/// <summary>The outcome of reporting a label.</summary>
/// <param name="Recorded">False when the same label was already recorded for the transaction.</param>
/// <param name="LabelId">The stored label's id.</param>
public sealed record ReportLabelResult(bool Recorded, long LabelId);

/// <summary>
/// Labels: the truth about transactions. Each label row doubles as its own outbox entry (forwarded_at,
/// next_forward_at), so a label is never lost between Postgres and the feature service: it is stored first, in one
/// transaction, and forwarded afterwards, again and again until the feature service accepts it.
/// </summary>
public sealed class LabelStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    private const int MaxSourceLength = 256;

    /// <summary>Stores a label for a recorded transaction; idempotent on (transaction_id, kind).</summary>
    public async Task<ReportLabelResult> ReportAsync(ReportLabelRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        var now = Timestamps.Truncate(timeProvider.GetUtcNow());
        var labeledAt = request.LabeledAt is null ? now : Timestamps.ToUtc(request.LabeledAt);
        var source = request.Source.Length == 0 ? "unspecified" : request.Source;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM decisions WHERE transaction_id = $1", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.TransactionId });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw new AlertServiceException(AlertError.NotFound,
                    $"No decision is recorded for transaction '{request.TransactionId}'.");
            }
        }

        var result = await InsertAsync(connection, transaction, request.TransactionId, request.Kind, source, labeledAt, now, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    internal static async Task<ReportLabelResult> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string transactionId, LabelKind kind, string source,
        DateTime labeledAt, DateTime now, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            WITH ins AS (
                INSERT INTO labels (transaction_id, kind, source, labeled_at, recorded_at, next_forward_at)
                VALUES ($1, $2, $3, $4, $5, $5)
                ON CONFLICT (transaction_id, kind) DO NOTHING
                RETURNING label_id)
            SELECT label_id, true FROM ins
            UNION ALL SELECT label_id, false FROM labels WHERE transaction_id = $1 AND kind = $2
            LIMIT 1
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = transactionId });
        insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)kind });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = labeledAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ReportLabelResult(reader.GetBoolean(1), reader.GetInt64(0));
    }

    private static void Validate(ReportLabelRequest request)
    {
        var violations = new List<(string, string)>();
        if (request.TransactionId.Length is 0 or > 128)
        {
            violations.Add(("transaction_id", "is required, 1..128 characters"));
        }

        if (request.Kind == LabelKind.Unspecified || !Enum.IsDefined(request.Kind))
        {
            violations.Add(("kind", "is required: one of the LabelKind values"));
        }

        if (request.Source.Length > MaxSourceLength)
        {
            violations.Add(("source", $"must be at most {MaxSourceLength} characters"));
        }

        if (request.LabeledAt is not null && (request.LabeledAt.Nanos is < 0 or > 999_999_999
            || request.LabeledAt.Seconds < 0 || request.LabeledAt.Seconds > 253402300799))
        {
            violations.Add(("labeled_at", "is not a valid timestamp"));
        }

        if (violations.Count > 0)
        {
            throw AlertServiceException.Invalid(violations);
        }
    }
}
