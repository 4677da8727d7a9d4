using System.Collections.Frozen;

namespace FraudEx.Features.Engine;

/// <summary>One feature of the schema: its position in the vector, its name, what it means and how it is explained.</summary>
/// <param name="Index">Position in the feature vector.</param>
/// <param name="Name">Stable snake_case name.</param>
/// <param name="Description">One-line definition.</param>
/// <param name="ReasonCode">Stable upper-snake code used when the feature pushes a score up.</param>
/// <param name="ReasonText">Sentence shown with the reason code.</param>
public sealed record FeatureDefinition(int Index, string Name, string Description, string ReasonCode, string ReasonText);

/// <summary>
/// The versioned, fixed-order feature schema. A model names the schema version it was trained on; a change of order,
/// meaning or window of any feature needs a new <see cref="Version"/>.
/// </summary>
public static class FeatureSchema
{
    /// <summary>Version of the schema; models trained on another version must be refused. fx-2 dropped fx-1's
    /// day_of_week and acct_age_days (in a training window of a few weeks both encode the calendar position, not
    /// behaviour: an account's age in the engine is days since its first transaction seen) and added
    /// acct_spend_today_ratio_30d. The entity-state layout is unchanged.</summary>
    public const string Version = "fx-2";

    // Indexes as constants so the computer writes by name, and a reordering is one edit here.
    internal const int AmountLog = 0;
    internal const int HourOfDay = 1;
    internal const int IsWeekend = 2;
    internal const int IsNight = 3;
    internal const int ChannelCode = 4;
    internal const int CardPresent = 5;
    internal const int MccGroup = 6;
    internal const int CountryMismatch = 7;
    internal const int AcctCount1h = 8;
    internal const int AcctSum1h = 9;
    internal const int AcctCount24h = 10;
    internal const int AcctSum24h = 11;
    internal const int AcctMean24h = 12;
    internal const int AcctCount7d = 13;
    internal const int AcctSum7d = 14;
    internal const int AcctMean7d = 15;
    internal const int AcctCount30d = 16;
    internal const int AcctMean30d = 17;
    internal const int AcctAmountZScore = 18;
    internal const int AcctAmountRatioToMax = 19;
    internal const int AcctSecondsSincePrev = 20;
    internal const int AcctDistinctMerchants24h = 21;
    internal const int AcctMerchantNew = 22;
    internal const int AcctDeviceNew = 23;
    internal const int AcctDistanceKm = 24;
    internal const int AcctSpeedKmh = 25;
    internal const int AcctSpendTodayRatio30d = 26;
    internal const int MerchCount24h = 27;
    internal const int MerchSum24h = 28;
    internal const int MerchCount7d = 29;
    internal const int MerchCount30d = 30;
    internal const int MerchLagCount1d = 31;
    internal const int MerchLagRisk1d = 32;
    internal const int MerchLagCount7d = 33;
    internal const int MerchLagRisk7d = 34;
    internal const int MerchLagCount30d = 35;
    internal const int MerchLagRisk30d = 36;
    internal const int MerchFraudRateSmoothed = 37;
    internal const int DeviceDistinctAccounts24h = 38;
    internal const int DeviceKnownFrauds = 39;
    internal const int IpDistinctAccounts24h = 40;
    internal const int IpCount24h = 41;

    /// <summary>Number of features in a vector.</summary>
    public const int Count = 42;

    /// <summary>First index of the account block (features depending on the account state only).</summary>
    internal const int AccountFirst = AcctCount1h;

    private static readonly FeatureDefinition[] Definitions =
    [
        new(AmountLog, "amount_log", "ln(1 + amount in major units of its currency)", "AMOUNT_HIGH", "The amount is high."),
        new(HourOfDay, "hour_of_day", "UTC hour of the transaction time, 0..23", "UNUSUAL_HOUR", "The payment was made at an unusual hour."),
        new(IsWeekend, "is_weekend", "1 on Saturday or Sunday (UTC), else 0", "WEEKEND", "The payment was made at the weekend."),
        new(IsNight, "is_night", "1 when the UTC hour is 0..6, else 0", "NIGHT_TIME", "The payment was made at night."),
        new(ChannelCode, "channel", "fraudex.v1.Channel number (1 POS .. 6 contactless); NaN when unspecified", "RISKY_CHANNEL", "The payment channel carries elevated risk."),
        new(CardPresent, "card_present", "1 when the physical card was read, 0 when not; NaN when unknown", "CARD_NOT_PRESENT", "The card was not physically present."),
        new(MccGroup, "mcc_group", "merchant category group 1..12 from the ISO 18245 ranges (12 = high-risk codes); NaN when no MCC", "RISKY_MERCHANT_CATEGORY", "The merchant category carries elevated risk."),
        new(CountryMismatch, "country_mismatch", "1 when the account and merchant countries differ, 0 when equal; NaN when either is unknown", "COUNTRY_MISMATCH", "The merchant is in another country than the account holder."),
        new(AcctCount1h, "acct_count_1h", "account transactions in the last hour (twelve 5-minute buckets), this one included", "ACCOUNT_VELOCITY_1H", "Many payments on this account within the last hour."),
        new(AcctSum1h, "acct_sum_1h", "sum of account amounts (major units) in the last hour, this one included", "ACCOUNT_SPEND_1H", "High total spend on this account within the last hour."),
        new(AcctCount24h, "acct_count_24h", "account transactions in the last 24 hours (hourly buckets), this one included", "ACCOUNT_VELOCITY_24H", "Many payments on this account within the last 24 hours."),
        new(AcctSum24h, "acct_sum_24h", "sum of account amounts in the last 24 hours, this one included", "ACCOUNT_SPEND_24H", "High total spend on this account within the last 24 hours."),
        new(AcctMean24h, "acct_mean_24h", "mean account amount in the last 24 hours, this one included", "ACCOUNT_MEAN_AMOUNT_24H", "The account's average payment in the last day is unusually high."),
        new(AcctCount7d, "acct_count_7d", "account transactions in the last 7 days (daily UTC buckets), this one included", "ACCOUNT_VELOCITY_7D", "Many payments on this account within the last week."),
        new(AcctSum7d, "acct_sum_7d", "sum of account amounts in the last 7 days, this one included", "ACCOUNT_SPEND_7D", "High total spend on this account within the last week."),
        new(AcctMean7d, "acct_mean_7d", "mean account amount in the last 7 days, this one included", "ACCOUNT_MEAN_AMOUNT_7D", "The account's average payment in the last week is unusually high."),
        new(AcctCount30d, "acct_count_30d", "account transactions in the last 30 days (daily UTC buckets), this one included", "ACCOUNT_VELOCITY_30D", "Unusual number of payments on this account within the last month."),
        new(AcctMean30d, "acct_mean_30d", "mean account amount in the last 30 days, this one included", "ACCOUNT_MEAN_AMOUNT_30D", "The account's average payment in the last month is unusual."),
        new(AcctAmountZScore, "acct_amount_zscore", "(ln(1+amount) - mean) / max(std, 0.1) over the account's earlier transactions; NaN with fewer than 2", "AMOUNT_UNUSUAL_FOR_ACCOUNT", "The amount is far from this account's usual amounts."),
        new(AcctAmountRatioToMax, "acct_amount_ratio_to_max", "amount / largest earlier account amount; NaN for the first transaction", "AMOUNT_ABOVE_ACCOUNT_MAX", "The amount exceeds the largest earlier payment on this account."),
        new(AcctSecondsSincePrev, "acct_seconds_since_prev", "seconds since the account's previous transaction; NaN for the first or a late (out-of-order) one", "RAPID_SUCCESSION", "This payment follows the previous one very quickly."),
        new(AcctDistinctMerchants24h, "acct_distinct_merchants_24h", "distinct merchants of the account seen in the last 24 hours (at most 32), this one included", "MANY_MERCHANTS_24H", "The account paid many different merchants within the last day."),
        new(AcctMerchantNew, "acct_merchant_new", "1 when the merchant is not among the account's 32 most recent merchants, else 0", "NEW_MERCHANT_FOR_ACCOUNT", "The account has not paid this merchant before."),
        new(AcctDeviceNew, "acct_device_new", "1 when the device is not among the account's 8 most recent devices, else 0; NaN when no device", "NEW_DEVICE_FOR_ACCOUNT", "The payment comes from a device new to this account."),
        new(AcctDistanceKm, "acct_distance_km", "great-circle km from the account's last known location; NaN when no location now or before, or late event", "FAR_FROM_PREVIOUS_LOCATION", "The payment is far from the account's previous location."),
        new(AcctSpeedKmh, "acct_speed_kmh", "acct_distance_km / hours since that location (at least one minute); NaN when the distance is NaN", "IMPOSSIBLE_TRAVEL", "The distance from the previous payment could not be travelled in the time between them."),
        new(AcctSpendTodayRatio30d, "acct_spend_today_ratio_30d", "account spend on this UTC day, this one included / its mean daily spend over the 29 UTC days before (over the days since its first transaction when fewer; at least 1 major unit); NaN on the account's first day", "SPEND_TODAY_ABOVE_DAILY_MEAN", "Today's spend on this account is far above its usual daily spend."),
        new(MerchCount24h, "merch_count_24h", "merchant transactions in the last 24 hours (hourly buckets), this one included", "MERCHANT_VOLUME_24H", "Unusual transaction volume at this merchant within the last day."),
        new(MerchSum24h, "merch_sum_24h", "sum of merchant amounts in the last 24 hours, this one included", "MERCHANT_SPEND_24H", "Unusual spend at this merchant within the last day."),
        new(MerchCount7d, "merch_count_7d", "merchant transactions in the last 7 days (daily UTC buckets), this one included", "MERCHANT_VOLUME_7D", "Unusual transaction volume at this merchant within the last week."),
        new(MerchCount30d, "merch_count_30d", "merchant transactions in the last 30 days (daily UTC buckets), this one included", "MERCHANT_VOLUME_30D", "Unusual transaction volume at this merchant within the last month."),
        new(MerchLagCount1d, "merch_lag7_count_1d", "merchant transactions on the UTC day 7 days before this one", "MERCHANT_LAGGED_VOLUME_1D", "Unusual volume at this merchant a week ago."),
        new(MerchLagRisk1d, "merch_lag7_risk_1d", "known frauds / transactions of the merchant on the day 7 days before; 0 when none", "MERCHANT_FRAUD_RISK_1D", "Payments at this merchant were recently confirmed as fraud."),
        new(MerchLagCount7d, "merch_lag7_count_7d", "merchant transactions on the 7 UTC days ending 7 days before this one", "MERCHANT_LAGGED_VOLUME_7D", "Unusual volume at this merchant in the week before last."),
        new(MerchLagRisk7d, "merch_lag7_risk_7d", "known frauds / transactions of the merchant on the 7 days ending 7 days before; 0 when none", "MERCHANT_FRAUD_RISK_7D", "Many payments at this merchant were confirmed as fraud in recent weeks."),
        new(MerchLagCount30d, "merch_lag7_count_30d", "merchant transactions on the 30 UTC days ending 7 days before this one", "MERCHANT_LAGGED_VOLUME_30D", "Unusual volume at this merchant over the last month."),
        new(MerchLagRisk30d, "merch_lag7_risk_30d", "known frauds / transactions of the merchant on the 30 days ending 7 days before; 0 when none", "MERCHANT_FRAUD_RISK_30D", "Payments at this merchant were confirmed as fraud over the last month."),
        new(MerchFraudRateSmoothed, "merch_fraud_rate_smoothed", "(known frauds + 20 x 0.01) / (transactions + 20) over the merchant's last 37 UTC days", "MERCHANT_FRAUD_RATE", "This merchant has a high rate of confirmed fraud."),
        new(DeviceDistinctAccounts24h, "device_distinct_accounts_24h", "distinct accounts on the device in the last 24 hours (at most 32), this one included; NaN when no device", "DEVICE_SHARED_BY_ACCOUNTS", "The device was used by many different accounts within the last day."),
        new(DeviceKnownFrauds, "device_known_frauds", "confirmed frauds known on the device so far (labels); NaN when no device", "DEVICE_LINKED_TO_FRAUD", "The device was used in confirmed fraud before."),
        new(IpDistinctAccounts24h, "ip_distinct_accounts_24h", "distinct accounts from the IP address in the last 24 hours (at most 32), this one included; NaN when no IP", "IP_SHARED_BY_ACCOUNTS", "The IP address was used by many different accounts within the last day."),
        new(IpCount24h, "ip_count_24h", "transactions from the IP address in the last 24 hours, this one included; NaN when no IP", "IP_VELOCITY_24H", "Many payments came from this IP address within the last day."),
    ];

    private static readonly FrozenDictionary<string, int> ByName =
        Definitions.ToFrozenDictionary(d => d.Name, d => d.Index, StringComparer.Ordinal);

    /// <summary>All features, in vector order.</summary>
    public static IReadOnlyList<FeatureDefinition> Features => Definitions;

    /// <summary>Feature names in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Definitions.Select(d => d.Name).ToArray());

    /// <summary>Index of the named feature, or -1 when the schema has no such feature.</summary>
    public static int IndexOf(string name) => ByName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The feature at <paramref name="index"/>.</summary>
    public static FeatureDefinition Get(int index) => Definitions[index];
}
