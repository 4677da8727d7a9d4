using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Alerts.Tests.Infrastructure;

/// <summary>Realistic decision records for tests and benchmarks.</summary>
public static class Decisions
{
    public static readonly DateTime Epoch = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Decision number <paramref name="i"/> with a transaction id under <paramref name="prefix"/>; every
    /// <paramref name="alertEvery"/>-th one is REVIEW or DECLINE.</summary>
    public static DecisionRecord Make(string prefix, int i, int alertEvery = 10, int features = 32)
    {
        var decision = i % alertEvery == 0 ? (i / alertEvery % 2 == 0 ? Decision.Review : Decision.Decline) : Decision.Approve;
        var time = Epoch.AddMilliseconds(i * 10L);
        var record = new DecisionRecord
        {
            Transaction = new Transaction
            {
                TransactionId = $"{prefix}-{i:D8}",
                AccountId = $"acct-{i % 997}",
                MerchantId = $"m-{i % 211}",
                MerchantCategoryCode = "5411",
                AmountMinor = 1000 + i % 50_000,
                Currency = "EUR",
                Timestamp = Timestamp.FromDateTime(time),
                Channel = Channel.Ecommerce,
                CardPresent = false,
                DeviceId = $"dev-{i % 5003}",
                IpAddress = $"10.0.{i % 250}.{i % 7}",
                Location = new GeoPoint { Latitude = 48.85, Longitude = 2.35 },
                Country = "FR",
                MerchantCountry = "DE",
            },
            Score = decision switch { Decision.Decline => 0.95, Decision.Review => 0.7, _ => 0.05 } + i % 100 / 10_000.0,
            Decision = decision,
            ModelVersion = "fraud-1.0.0",
            FeatureSchemaVersion = "fx-1",
            DecidedAt = Timestamp.FromDateTime(time.AddMilliseconds(3)),
            ServerProcessingTime = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(2.5)),
            ChallengerVersion = "fraud-1.1.0",
            ChallengerScore = 0.1,
        };
        record.Transaction.Attributes["gateway"] = "gw-eu";
        record.Reasons.Add(new Reason { Code = "ACCOUNT_VELOCITY_1H", Description = "Many payments on the account in the last hour.", Contribution = 1.25 });
        record.Reasons.Add(new Reason { Code = "NEW_DEVICE", Description = "First payment from this device.", Contribution = 0.5 });
        if (decision == Decision.Decline)
        {
            record.RulesFired.Add("RULE_BLOCKED_DEVICE");
        }

        for (var f = 0; f < features; f++)
        {
            record.Features.Add(f == 3 ? float.NaN : (i + f) % 97 / 7f);
        }

        return record;
    }

    public static List<DecisionRecord> Range(string prefix, int start, int count, int alertEvery = 10) =>
        Enumerable.Range(start, count).Select(i => Make(prefix, i, alertEvery)).ToList();
}
