using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Client;

/// <summary>
/// What a <see cref="DecisionRecord"/> must satisfy to be stored. The producer checks it before spooling, so the spool
/// never holds a record the alert service would refuse; the alert service checks it again at its door.
/// </summary>
public static class DecisionRecordValidator
{
    /// <summary>Largest batch RecordDecisions accepts.</summary>
    public const int MaxBatchSize = 10_000;
    private const int MaxIdLength = 128;
    private const int MaxFeatures = 4096;

    /// <summary>Adds the violations of <paramref name="decision"/> to <paramref name="violations"/>, with field paths
    /// under <paramref name="prefix"/> ("decisions[3]").</summary>
    public static void Validate(DecisionRecord decision, string prefix, List<(string Field, string Description)> violations)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(violations);
        var t = decision.Transaction;
        if (t is null)
        {
            violations.Add(($"{prefix}.transaction", "is required"));
        }
        else
        {
            Id(t.TransactionId, $"{prefix}.transaction.transaction_id", violations);
            Id(t.AccountId, $"{prefix}.transaction.account_id", violations);
            Id(t.MerchantId, $"{prefix}.transaction.merchant_id", violations);
            if (t.Currency.Length != 3 || !t.Currency.All(char.IsAsciiLetterUpper))
            {
                violations.Add(($"{prefix}.transaction.currency", "must be three upper-case letters (ISO 4217)"));
            }

            if (t.Timestamp is null)
            {
                violations.Add(($"{prefix}.transaction.timestamp", "is required"));
            }
            else if (!ValidTimestamp(t.Timestamp))
            {
                violations.Add(($"{prefix}.transaction.timestamp", "is not a valid timestamp"));
            }

            if (t.DeviceId.Length > MaxIdLength)
            {
                violations.Add(($"{prefix}.transaction.device_id", $"must be at most {MaxIdLength} characters"));
            }

            if (t.Location is not null && !(double.IsFinite(t.Location.Latitude) && double.IsFinite(t.Location.Longitude)))
            {
                violations.Add(($"{prefix}.transaction.location", "must hold finite coordinates"));
            }
        }

        if (!(decision.Score >= 0 && decision.Score <= 1))
        {
            violations.Add(($"{prefix}.score", "must be in [0, 1]"));
        }

        if (decision.Decision is not (Decision.Approve or Decision.Review or Decision.Decline))
        {
            violations.Add(($"{prefix}.decision", "must be APPROVE, REVIEW or DECLINE"));
        }

        for (var i = 0; i < decision.Reasons.Count; i++)
        {
            if (!double.IsFinite(decision.Reasons[i].Contribution))
            {
                violations.Add(($"{prefix}.reasons[{i}].contribution", "must be finite"));
            }
        }

        if (decision.Features.Count > MaxFeatures)
        {
            violations.Add(($"{prefix}.features", $"must hold at most {MaxFeatures} values"));
        }

        if (decision.DecidedAt is not null && !ValidTimestamp(decision.DecidedAt))
        {
            violations.Add(($"{prefix}.decided_at", "is not a valid timestamp"));
        }

        if (decision.TraceParent.Length > 0 && !DecisionTrace.TryParse(decision.TraceParent, out _))
        {
            violations.Add(($"{prefix}.trace_parent", "must be empty or a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)"));
        }
    }

    /// <summary>Throws <see cref="InvalidDecisionException"/> when <paramref name="decision"/> is malformed.</summary>
    public static void ThrowIfInvalid(DecisionRecord decision)
    {
        var violations = new List<(string, string)>();
        Validate(decision, "decision", violations);
        if (violations.Count > 0)
        {
            throw new InvalidDecisionException(violations);
        }
    }

    private static void Id(string value, string field, List<(string, string)> violations)
    {
        if (value.Length is 0 or > MaxIdLength)
        {
            violations.Add((field, $"is required, 1..{MaxIdLength} characters"));
        }
        else if (value.Any(c => c is < ' ' or > '~'))
        {
            violations.Add((field, "must be printable ASCII"));
        }
    }

    private static bool ValidTimestamp(Google.Protobuf.WellKnownTypes.Timestamp value) =>
        value.Nanos is >= 0 and <= 999_999_999 && value.Seconds is >= 0 and <= 253402300799;
}
