using FraudEx.Contracts.V1;
using FraudEx.Features.Engine;
using FraudEx.Scoring.Validation;
using FraudEx.Security.Tests.Infrastructure;

namespace FraudEx.Security.Tests;

/// <summary>
/// Property tests over generated hostile transactions (deterministic seeds, so a failure reproduces): the validator
/// never throws and names only real fields; whatever it accepts, the feature engine turns into a vector without an
/// exception, without infinities, with NaN only where the schema defines "unknown", and with entity states whose
/// size stays bounded however long the history.
/// </summary>
public sealed class PropertyTests
{
    private const int Transactions = 50_000;

    /// <summary>Features the schema lets be NaN, and the fact about the input that makes each one NaN (null: it
    /// depends on the account's history).</summary>
    private static readonly Dictionary<string, Func<TransactionEvent, bool>?> MayBeNaN = new()
    {
        ["channel"] = tx => tx.Channel == PaymentChannel.Unspecified,
        ["card_present"] = tx => tx.CardPresent is null,
        ["mcc_group"] = tx => string.IsNullOrEmpty(tx.Mcc),
        ["country_mismatch"] = tx => string.IsNullOrEmpty(tx.Country) || string.IsNullOrEmpty(tx.MerchantCountry),
        ["acct_amount_zscore"] = null,
        ["acct_amount_ratio_to_max"] = null,
        ["acct_seconds_since_prev"] = null,
        ["acct_distance_km"] = null,
        ["acct_speed_kmh"] = null,
        ["acct_spend_today_ratio_30d"] = null,
        ["acct_device_new"] = tx => !tx.HasDevice,
        ["device_distinct_accounts_24h"] = tx => !tx.HasDevice,
        ["device_known_frauds"] = tx => !tx.HasDevice,
        ["ip_distinct_accounts_24h"] = tx => !tx.HasIp,
        ["ip_count_24h"] = tx => !tx.HasIp,
    };

    private static readonly HashSet<string> Fields = new(typeof(Transaction).GetProperties()
        .Select(p => "transaction." + string.Concat(p.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()))));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Validator_HostileTransactions_NeverThrowsAndNamesRealFields(int seed)
    {
        var validator = new TransactionValidator(TimeProvider.System);
        var generator = new HostileTransactions(seed);
        var accepted = 0;
        var byField = new Dictionary<string, int>();
        for (var i = 0; i < Transactions; i++)
        {
            var tx = generator.Next();
            var violations = validator.Validate(tx);
            accepted += violations.Count == 0 ? 1 : 0;
            foreach (var v in violations)
            {
                var field = v.Field.Split('[')[0];
                field = field.StartsWith("transaction.location.", StringComparison.Ordinal) ? "transaction.location" : field;
                Assert.True(Fields.Contains(field), $"seed {seed}, transaction {i}: violation names '{v.Field}', not a field of Transaction");
                Assert.False(string.IsNullOrWhiteSpace(v.Description), $"seed {seed}: violation of {v.Field} without a description");
                Assert.True(v.Description.All(c => c is >= ' ' and <= '~' or >= '\u00a0' and < '\ud800'), $"seed {seed}: description of {v.Field} echoes unprintable input: {v.Description}");
                byField[field] = byField.GetValueOrDefault(field) + 1;
            }
        }

        Transcript.Security($"property validator seed {seed}: {Transactions:N0} hostile transactions, {accepted:N0} accepted, no exception; violations by field: "
            + string.Join(", ", byField.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key["transaction.".Length..]} {kv.Value:N0}")));
        // Both sides of the validator are exercised.
        Assert.InRange(accepted, Transactions / 10, Transactions * 9 / 10);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void FeatureEngine_AcceptedTransactions_FiniteVectorsNaNOnlyWhereDefinedBoundedState(int seed)
    {
        var validator = new TransactionValidator(TimeProvider.System);
        var generator = new HostileTransactions(seed);
        var accounts = new Dictionary<string, AccountState>();
        var merchants = new Dictionary<string, MerchantState>();
        var devices = new Dictionary<string, SharedEntityState>();
        var ips = new Dictionary<string, SharedEntityState>();
        var maxState = new int[4];
        var computed = 0;
        for (var i = 0; i < Transactions; i++)
        {
            var wire = generator.Next();
            if (validator.Validate(wire).Count != 0)
            {
                continue;
            }

            var tx = TransactionMapper.ToEvent(wire);
            var current = new EntityStates(
                accounts.GetValueOrDefault(tx.AccountId), merchants.GetValueOrDefault(tx.MerchantId),
                tx.HasDevice ? devices.GetValueOrDefault(tx.DeviceId!) : null, tx.HasIp ? ips.GetValueOrDefault(tx.IpAddress!) : null);
            var (vector, updated) = FeatureComputer.Compute(tx, current);
            computed++;

            Assert.Equal(FeatureSchema.Count, vector.Length);
            for (var f = 0; f < vector.Length; f++)
            {
                var name = FeatureSchema.Get(f).Name;
                Assert.False(float.IsInfinity(vector[f]), $"seed {seed}, transaction {i}: {name} is {vector[f]} ({Describe(tx)})");
                if (float.IsNaN(vector[f]))
                {
                    Assert.True(MayBeNaN.TryGetValue(name, out var rule), $"seed {seed}, transaction {i}: {name} is NaN, which the schema does not allow ({Describe(tx)})");
                    Assert.True(rule is null || rule(tx), $"seed {seed}, transaction {i}: {name} is NaN although its input is known ({Describe(tx)})");
                }
                else if (MayBeNaN.TryGetValue(name, out var rule) && rule is not null)
                {
                    Assert.False(rule(tx), $"seed {seed}, transaction {i}: {name} is {vector[f]} although its input is unknown ({Describe(tx)})");
                }
            }

            // amount_log is ln(1 + amount in major units) to within the centi rounding, however large the amount;
            // windows count this transaction and hold no negative sums.
            var expected = Math.Log(1 + Math.Min(tx.AmountMinor / Math.Pow(10, Exponent(tx.Currency)), long.MaxValue / 100.0));
            Assert.True(Math.Abs(vector[FeatureSchema.IndexOf("amount_log")] - expected) < 0.01 + expected * 1e-6,
                $"seed {seed}, transaction {i}: amount_log {vector[FeatureSchema.IndexOf("amount_log")]}, expected {expected:F4} for {Describe(tx)}");
            Assert.True(vector[FeatureSchema.IndexOf("acct_sum_24h")] >= 0, $"seed {seed}, transaction {i}: acct_sum_24h {vector[FeatureSchema.IndexOf("acct_sum_24h")]} for {Describe(tx)}");
            Assert.True(vector[FeatureSchema.IndexOf("acct_count_30d")] >= 1, $"seed {seed}, transaction {i}: acct_count_30d {vector[FeatureSchema.IndexOf("acct_count_30d")]}");

            accounts[tx.AccountId] = updated.Account!;
            merchants[tx.MerchantId] = updated.Merchant!;
            if (tx.HasDevice)
            {
                devices[tx.DeviceId!] = updated.Device!;
            }

            if (tx.HasIp)
            {
                ips[tx.IpAddress!] = updated.Ip!;
            }

            maxState[0] = Math.Max(maxState[0], updated.Account!.Serialize().Length);
            maxState[1] = Math.Max(maxState[1], updated.Merchant!.Serialize().Length);
            maxState[2] = Math.Max(maxState[2], updated.Device?.Serialize().Length ?? 0);
            maxState[3] = Math.Max(maxState[3], updated.Ip?.Serialize().Length ?? 0);
        }

        var busiest = accounts.Values.Max(a => a.TransactionCount);
        Transcript.Security($"property feature engine seed {seed}: {computed:N0} accepted transactions folded (busiest account {busiest:N0}), no exception, no infinity, NaN only where defined; "
            + $"largest state bytes: account {maxState[0]}, merchant {maxState[1]}, device {maxState[2]}, ip {maxState[3]}");
        Assert.True(computed > 1_000, $"only {computed} generated transactions were valid");
        // Bounded by construction (fixed bucket rings, 32 + 8 recent hashes): a few hundred bytes, whatever the history.
        Assert.All(maxState, size => Assert.InRange(size, 0, 2_048));
    }

    private static int Exponent(string currency) => currency switch
    {
        "JPY" or "CLP" => 0,
        "BHD" or "KWD" => 3,
        _ => 2,
    };

    private static string Describe(TransactionEvent tx) =>
        $"amount {tx.AmountMinor} {tx.Currency}, at {tx.TimestampMs} ms, channel {tx.Channel}, mcc '{tx.Mcc}', device {tx.HasDevice}, ip {tx.HasIp}, lat {tx.Latitude}, lon {tx.Longitude}";
}
