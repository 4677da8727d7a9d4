using System.Text.Json;
using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Internal;

/// <summary>Maps a <see cref="DecisionRecord"/> to the columns of the decisions table and back, in the column order of
/// <see cref="Columns"/>.</summary>
internal static class DecisionRows
{
    public const string Columns =
        "transaction_id, account_id, merchant_id, merchant_category_code, amount_minor, currency, transaction_time, " +
        "channel, card_present, device_id, ip_address, latitude, longitude, country, merchant_country, attributes, " +
        "score, decision, reasons, rules_fired, model_version, degraded, features, feature_schema_version, " +
        "challenger_score, challenger_version, server_processing_us, decided_at, recorded_at";

    public static async Task<DecisionRecord?> SelectAsync(NpgsqlDataSource dataSource, string transactionId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM decisions WHERE transaction_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = transactionId });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? Read(reader) : null;
    }

    public static async ValueTask WriteAsync(
        NpgsqlBinaryImporter writer, DecisionRecord decision, DateTime recordedAt, JsonScratch json, CancellationToken ct)
    {
        var t = decision.Transaction;
        var decidedAt = decision.DecidedAt is null ? recordedAt : Timestamps.ToUtc(decision.DecidedAt);
        await writer.WriteAsync(t.TransactionId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.AccountId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.MerchantId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.MerchantCategoryCode, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.AmountMinor, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.Currency, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.Timestamp is null ? decidedAt : Timestamps.ToUtc(t.Timestamp), NpgsqlDbType.TimestampTz, ct)
            .ConfigureAwait(false);
        await writer.WriteAsync((short)t.Channel, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.CardPresent, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.DeviceId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.IpAddress, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        if (t.Location is null)
        {
            await writer.WriteNullAsync(ct).ConfigureAwait(false);
            await writer.WriteNullAsync(ct).ConfigureAwait(false);
        }
        else
        {
            await writer.WriteAsync(t.Location.Latitude, NpgsqlDbType.Double, ct).ConfigureAwait(false);
            await writer.WriteAsync(t.Location.Longitude, NpgsqlDbType.Double, ct).ConfigureAwait(false);
        }

        await writer.WriteAsync(t.Country, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(t.MerchantCountry, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(AttributesJson(t, json), NpgsqlDbType.Jsonb, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.Score, NpgsqlDbType.Double, ct).ConfigureAwait(false);
        await writer.WriteAsync((short)decision.Decision, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
        await writer.WriteAsync(ReasonsJson(decision, json), NpgsqlDbType.Jsonb, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.RulesFired.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.ModelVersion, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.Degraded, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.Features.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Real, ct).ConfigureAwait(false);
        await writer.WriteAsync(decision.FeatureSchemaVersion, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        if (decision.HasChallengerScore && !double.IsNaN(decision.ChallengerScore))
        {
            await writer.WriteAsync(decision.ChallengerScore, NpgsqlDbType.Double, ct).ConfigureAwait(false);
        }
        else
        {
            await writer.WriteNullAsync(ct).ConfigureAwait(false);
        }

        await writer.WriteAsync(decision.ChallengerVersion, NpgsqlDbType.Text, ct).ConfigureAwait(false);
        var processing = decision.ServerProcessingTime is null ? 0 : decision.ServerProcessingTime.ToTimeSpan().Ticks / 10;
        await writer.WriteAsync(processing, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
        await writer.WriteAsync(decidedAt, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
        await writer.WriteAsync(recordedAt, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
    }

    public static DecisionRecord Read(NpgsqlDataReader reader, int offset = 0)
    {
        var t = new Transaction
        {
            TransactionId = reader.GetString(offset + 0),
            AccountId = reader.GetString(offset + 1),
            MerchantId = reader.GetString(offset + 2),
            MerchantCategoryCode = reader.GetString(offset + 3),
            AmountMinor = reader.GetInt64(offset + 4),
            Currency = reader.GetString(offset + 5),
            Timestamp = Timestamps.ToProto(reader.GetFieldValue<DateTime>(offset + 6)),
            Channel = (Channel)reader.GetInt16(offset + 7),
            CardPresent = reader.GetBoolean(offset + 8),
            DeviceId = reader.GetString(offset + 9),
            IpAddress = reader.GetString(offset + 10),
            Country = reader.GetString(offset + 13),
            MerchantCountry = reader.GetString(offset + 14),
        };
        if (!reader.IsDBNull(offset + 11))
        {
            t.Location = new GeoPoint { Latitude = reader.GetDouble(offset + 11), Longitude = reader.GetDouble(offset + 12) };
        }

        using (var attributes = JsonDocument.Parse(reader.GetString(offset + 15)))
        {
            foreach (var property in attributes.RootElement.EnumerateObject())
            {
                t.Attributes[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        var d = new DecisionRecord
        {
            Transaction = t,
            Score = reader.GetDouble(offset + 16),
            Decision = (Decision)reader.GetInt16(offset + 17),
            ModelVersion = reader.GetString(offset + 20),
            Degraded = reader.GetBoolean(offset + 21),
            FeatureSchemaVersion = reader.GetString(offset + 23),
            ChallengerVersion = reader.GetString(offset + 25),
            ServerProcessingTime = Duration.FromTimeSpan(TimeSpan.FromTicks(reader.GetInt64(offset + 26) * 10)),
            DecidedAt = Timestamps.ToProto(reader.GetFieldValue<DateTime>(offset + 27)),
        };
        using (var reasons = JsonDocument.Parse(reader.GetString(offset + 18)))
        {
            foreach (var r in reasons.RootElement.EnumerateArray())
            {
                d.Reasons.Add(new Reason
                {
                    Code = r.GetProperty("code").GetString() ?? string.Empty,
                    Description = r.GetProperty("description").GetString() ?? string.Empty,
                    Contribution = r.GetProperty("contribution").GetDouble(),
                });
            }
        }

        d.RulesFired.Add(reader.GetFieldValue<string[]>(offset + 19));
        d.Features.Add(reader.GetFieldValue<float[]>(offset + 22));
        if (!reader.IsDBNull(offset + 24))
        {
            d.ChallengerScore = reader.GetDouble(offset + 24);
        }

        return d;
    }

    private static string ReasonsJson(DecisionRecord decision, JsonScratch json)
    {
        if (decision.Reasons.Count == 0)
        {
            return "[]";
        }

        var w = json.Begin();
        w.WriteStartArray();
        foreach (var reason in decision.Reasons)
        {
            w.WriteStartObject();
            w.WriteString("code", reason.Code);
            w.WriteString("description", reason.Description);
            // JSON has no NaN; validation refuses non-finite contributions, this only guards the writer.
            w.WriteNumber("contribution", double.IsFinite(reason.Contribution) ? reason.Contribution : 0);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        return json.End();
    }

    private static string AttributesJson(Transaction transaction, JsonScratch json)
    {
        if (transaction.Attributes.Count == 0)
        {
            return "{}";
        }

        var w = json.Begin();
        w.WriteStartObject();
        foreach (var (key, value) in transaction.Attributes)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        return json.End();
    }
}
