using FraudEx.Contracts.V1;
using FraudEx.Scoring.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FraudEx.Scoring.Tests;

public sealed class PolicyEngineTests : IDisposable
{
    private static readonly Thresholds ModelThresholds = new() { Review = 0.5, Decline = 0.9 };
    private readonly string dir = Directory.CreateTempSubdirectory("fraudex-policy-").FullName;
    private readonly TestOptionsMonitor<PolicyOptions> options = new(new PolicyOptions { Degraded = DegradedScorePolicy.Score });

    private PolicyEngine Engine(string rulesJson)
    {
        var path = Path.Combine(dir, "rules.json");
        File.WriteAllText(path, rulesJson);
        var source = new PolicyRulesSource(path, new FakeTimeProvider(), NullLogger<PolicyRulesSource>.Instance);
        return new PolicyEngine(source, options);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(0.1, Decision.Approve)]
    [InlineData(0.5, Decision.Review)]
    [InlineData(0.89, Decision.Review)]
    [InlineData(0.9, Decision.Decline)]
    public void NoRules_ThresholdsDecide(double score, Decision expected)
    {
        var outcome = Engine("{}").Decide(Transactions.Valid(), score, degraded: false, ModelThresholds);
        Assert.Equal(expected, outcome.Decision);
        Assert.Empty(outcome.RulesFired);
    }

    [Fact]
    public void ConfiguredThresholds_OverrideModel()
    {
        options.Set(new PolicyOptions { ReviewThreshold = 0.2, DeclineThreshold = 0.3 });
        var engine = Engine("{}");
        Assert.Equal(Decision.Decline, engine.Decide(Transactions.Valid(), 0.35, false, ModelThresholds).Decision);
        Assert.Equal(0.2, engine.EffectiveThresholds(ModelThresholds).Review);
    }

    [Fact]
    public void BlockedEntities_DeclineWithEachRuleAsReason()
    {
        var engine = Engine("""{ "blockedAccounts": ["acct-1"], "blockedDevices": ["dev-1"], "blockedMerchants": ["merch-1"], "blockedIps": ["203.0.113.7"] }""");
        var outcome = engine.Decide(Transactions.Valid(), 0.01, false, ModelThresholds);
        Assert.Equal(Decision.Decline, outcome.Decision);
        Assert.Equal(["RULE_BLOCKED_ACCOUNT", "RULE_BLOCKED_DEVICE", "RULE_BLOCKED_MERCHANT", "RULE_BLOCKED_IP"], outcome.RulesFired);
        Assert.Equal(outcome.RulesFired, outcome.RuleReasons.Select(r => r.Code));
        Assert.All(outcome.RuleReasons, r => Assert.False(string.IsNullOrEmpty(r.Description)));
    }

    [Fact]
    public void AmountOverLimit_DeclinesInMinorUnitsOfCurrency()
    {
        var engine = Engine("""{ "amountLimits": { "EUR": 10.00, "JPY": 5000 } }""");
        var tx = Transactions.Valid();
        tx.AmountMinor = 1000;
        Assert.Equal(Decision.Approve, engine.Decide(tx, 0.01, false, ModelThresholds).Decision);
        tx.AmountMinor = 1001;
        var outcome = engine.Decide(tx, 0.01, false, ModelThresholds);
        Assert.Equal(Decision.Decline, outcome.Decision);
        Assert.Equal(["RULE_AMOUNT_LIMIT"], outcome.RulesFired);
        tx.Currency = "JPY";
        tx.AmountMinor = 4999;
        Assert.Equal(Decision.Approve, engine.Decide(tx, 0.01, false, ModelThresholds).Decision);
    }

    [Fact]
    public void AllowListedAccount_ApprovesHighScore_ButBlockStillWins()
    {
        var engine = Engine("""{ "allowedAccounts": ["acct-1"], "blockedDevices": ["dev-9"] }""");
        var tx = Transactions.Valid();
        var outcome = engine.Decide(tx, 0.99, false, ModelThresholds);
        Assert.Equal(Decision.Approve, outcome.Decision);
        Assert.Equal(["RULE_ALLOWED_ACCOUNT"], outcome.RulesFired);
        tx.DeviceId = "dev-9";
        Assert.Equal(Decision.Decline, engine.Decide(tx, 0.99, false, ModelThresholds).Decision);
    }

    [Fact]
    public void DegradedReviewPolicy_TurnsApproveIntoReview()
    {
        options.Set(new PolicyOptions { Degraded = DegradedScorePolicy.Review });
        var engine = Engine("{}");
        var outcome = engine.Decide(Transactions.Valid(), 0.01, degraded: true, ModelThresholds);
        Assert.Equal(Decision.Review, outcome.Decision);
        Assert.Equal(["RULE_DEGRADED_REVIEW"], outcome.RulesFired);
        Assert.Equal(Decision.Review, engine.Decide(Transactions.Valid(), 0.95, true, ModelThresholds).Decision);
        Assert.Equal(Decision.Approve, engine.Decide(Transactions.Valid(), 0.01, false, ModelThresholds).Decision);
    }

    [Fact]
    public void DegradedFailOpenPolicy_ApprovesUnlessRuleBlocks()
    {
        options.Set(new PolicyOptions { Degraded = DegradedScorePolicy.FailOpen });
        var engine = Engine("""{ "blockedMerchants": ["bad"] }""");
        var outcome = engine.Decide(Transactions.Valid(), 0.95, degraded: true, ModelThresholds);
        Assert.Equal(Decision.Approve, outcome.Decision);
        Assert.Equal(["RULE_DEGRADED_FAIL_OPEN"], outcome.RulesFired);
        var tx = Transactions.Valid();
        tx.MerchantId = "bad";
        Assert.Equal(Decision.Decline, engine.Decide(tx, 0.01, true, ModelThresholds).Decision);
    }

    [Theory]
    [InlineData("""{ "amountLimits": { "ZZZ": 10 } }""")]
    [InlineData("""{ "amountLimits": { "EUR": 0 } }""")]
    [InlineData("""{ "blockedAcounts": ["typo"] }""")]
    [InlineData("""{ "blockedAccounts": """)]
    public void InvalidRules_AreRefused(string json) => Assert.Throws<FormatException>(() => PolicyRules.Parse(json));

    [Theory]
    [InlineData(0.95, Decision.Review, "RULE_DEGRADED_NO_DECLINE")]
    [InlineData(0.6, Decision.Review, null)]
    [InlineData(0.1, Decision.Approve, null)]
    public void Degraded_ManifestWithoutDegradedThresholds_ReviewAtMost(double score, Decision expected, string? rule)
    {
        var outcome = Engine("{}").Decide(Transactions.Valid(), score, degraded: true, ModelThresholds, degradedThresholds: null);

        Assert.Equal(expected, outcome.Decision);
        Assert.Equal(rule is null ? [] : [rule], outcome.RulesFired);
    }

    [Theory]
    [InlineData(0.98, Decision.Decline)]
    [InlineData(0.97, Decision.Decline)]
    [InlineData(0.95, Decision.Review)]   // a normal DECLINE, below the degraded one
    [InlineData(0.31, Decision.Review)]
    [InlineData(0.2, Decision.Approve)]   // below the degraded REVIEW threshold, though the normal one is 0.5
    public void Degraded_WithDegradedDeclineThreshold_DeclinesOnlyAtOrAboveIt(double score, Decision expected)
    {
        var degradedThresholds = new FraudEx.Models.DegradedThresholds { Review = 0.3, Decline = 0.97 };

        var outcome = Engine("{}").Decide(Transactions.Valid(), score, degraded: true, ModelThresholds, degradedThresholds);

        Assert.Equal(expected, outcome.Decision);
        Assert.Empty(outcome.RulesFired);
    }

    [Fact]
    public void Degraded_DegradedDeclineNull_ReviewAtMostAndSaysWhy()
    {
        var degradedThresholds = new FraudEx.Models.DegradedThresholds { Review = 0.4, Decline = null };
        var engine = Engine("{}");

        var high = engine.Decide(Transactions.Valid(), 0.999, degraded: true, ModelThresholds, degradedThresholds);
        var low = engine.Decide(Transactions.Valid(), 0.35, degraded: true, ModelThresholds, degradedThresholds);
        var normal = engine.Decide(Transactions.Valid(), 0.999, degraded: false, ModelThresholds, degradedThresholds);

        Assert.Equal(Decision.Review, high.Decision);
        Assert.Equal(["RULE_DEGRADED_NO_DECLINE"], high.RulesFired);
        Assert.Equal(Decision.Approve, low.Decision);
        Assert.Equal(Decision.Decline, normal.Decision);
    }

    [Fact]
    public void Degraded_BlockedEntity_StillDeclines()
    {
        var tx = Transactions.Valid();
        tx.MerchantId = "bad";

        var outcome = Engine("""{ "blockedMerchants": ["bad"] }""").Decide(tx, 0.01, degraded: true, ModelThresholds, degradedThresholds: null);

        Assert.Equal(Decision.Decline, outcome.Decision);
    }

    [Fact]
    public void DegradedReviewPolicy_WithDegradedThresholds_ApproveBecomesReviewDeclineStays()
    {
        options.Set(new PolicyOptions { Degraded = DegradedScorePolicy.Review });
        var degradedThresholds = new FraudEx.Models.DegradedThresholds { Review = 0.3, Decline = 0.97 };
        var engine = Engine("{}");

        Assert.Equal(Decision.Review, engine.Decide(Transactions.Valid(), 0.01, true, ModelThresholds, degradedThresholds).Decision);
        Assert.Equal(Decision.Decline, engine.Decide(Transactions.Valid(), 0.99, true, ModelThresholds, degradedThresholds).Decision);
    }
}
