using FraudEx.Contracts.V1;
using Npgsql;

namespace FraudEx.Alerts.Internal;

/// <summary>Reads an alert row in the column order of <see cref="Columns"/>.</summary>
internal static class AlertRows
{
    public const string Columns =
        "alert_id, transaction_id, account_id, merchant_id, amount_minor, currency, score, decision, status, assignee, " +
        "notes, version, created_at, updated_at, transaction_time";

    public const int Count = 15;

    public static Alert Read(NpgsqlDataReader reader) => new()
    {
        AlertId = reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture),
        TransactionId = reader.GetString(1),
        AccountId = reader.GetString(2),
        MerchantId = reader.GetString(3),
        AmountMinor = reader.GetInt64(4),
        Currency = reader.GetString(5),
        Score = reader.GetDouble(6),
        Decision = (Decision)reader.GetInt16(7),
        Status = (AlertStatus)reader.GetInt16(8),
        Assignee = reader.GetString(9),
        Notes = reader.GetString(10),
        Version = reader.GetInt64(11),
        CreatedAt = Timestamps.ToProto(reader.GetFieldValue<DateTime>(12)),
        UpdatedAt = Timestamps.ToProto(reader.GetFieldValue<DateTime>(13)),
        TransactionTime = Timestamps.ToProto(reader.GetFieldValue<DateTime>(14)),
    };
}
