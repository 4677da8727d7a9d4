using FraudEx.Contracts.V1;
using FraudEx.Models;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Policy;

/// <summary>The policy's verdict on one scored transaction.</summary>
public readonly record struct PolicyOutcome(Decision Decision, IReadOnlyList<Reason> RuleReasons, IReadOnlyList<string> RulesFired);

/// <summary>
/// Turns a model probability into a decision: deterministic rules first (blocks and hard limits decline, allow-lists
/// approve), then the thresholds, then the degraded-score policy. Every rule that fires becomes a reason.
/// </summary>
/// <remarks>
/// A degraded score (computed without behavioural features) is held to the model's degraded thresholds from its
/// manifest (<c>degraded_thresholds</c>, chosen on validation data): DECLINE only at or above the degraded DECLINE
/// threshold, which training writes only where degraded scores reached the normal DECLINE precision (0.9); without one,
/// or without degraded thresholds in the manifest at all, a degraded score is REVIEW at most
/// (<see cref="Codes.DegradedNoDecline"/>). Block lists and hard limits still decline.
/// </remarks>
public sealed class PolicyEngine(PolicyRulesSource rules, IOptionsMonitor<PolicyOptions> options)
{
    /// <summary>Rule codes, stable for clients and dashboards.</summary>
    public static class Codes
    {
        public const string BlockedAccount = "RULE_BLOCKED_ACCOUNT";
        public const string BlockedDevice = "RULE_BLOCKED_DEVICE";
        public const string BlockedMerchant = "RULE_BLOCKED_MERCHANT";
        public const string BlockedIp = "RULE_BLOCKED_IP";
        public const string AmountLimit = "RULE_AMOUNT_LIMIT";
        public const string AllowedAccount = "RULE_ALLOWED_ACCOUNT";
        public const string AllowedMerchant = "RULE_ALLOWED_MERCHANT";
        public const string DegradedReview = "RULE_DEGRADED_REVIEW";
        public const string DegradedFailOpen = "RULE_DEGRADED_FAIL_OPEN";
        public const string DegradedNoDecline = "RULE_DEGRADED_NO_DECLINE";
    }

    /// <summary>The thresholds in force: configuration where set, else the model's.</summary>
    public Thresholds EffectiveThresholds(Thresholds model)
    {
        var o = options.CurrentValue;
        return new Thresholds
        {
            Review = o.ReviewThreshold ?? model.Review,
            Decline = o.DeclineThreshold ?? model.Decline,
        };
    }

    /// <summary>Decides on one transaction with model probability <paramref name="score"/>; a
    /// <paramref name="degraded"/> score is judged by <paramref name="degradedThresholds"/> (the manifest's, or null when
    /// it has none: then REVIEW at most).</summary>
    public PolicyOutcome Decide(Transaction transaction, double score, bool degraded, Thresholds modelThresholds,
        DegradedThresholds? degradedThresholds = null)
    {
        var r = rules.Current;
        var thresholds = EffectiveThresholds(modelThresholds);
        List<Reason>? reasons = null;
        List<string>? fired = null;
        var hardDecline = false;

        void Fire(string code, string sentence)
        {
            (reasons ??= []).Add(new Reason { Code = code, Description = sentence });
            (fired ??= []).Add(code);
        }

        if (r.BlockedAccounts.Contains(transaction.AccountId))
        {
            Fire(Codes.BlockedAccount, "The account is on the block list.");
            hardDecline = true;
        }

        if (transaction.DeviceId.Length != 0 && r.BlockedDevices.Contains(transaction.DeviceId))
        {
            Fire(Codes.BlockedDevice, "The device is on the block list.");
            hardDecline = true;
        }

        if (r.BlockedMerchants.Contains(transaction.MerchantId))
        {
            Fire(Codes.BlockedMerchant, "The merchant is on the block list.");
            hardDecline = true;
        }

        if (transaction.IpAddress.Length != 0 && r.BlockedIps.Contains(transaction.IpAddress))
        {
            Fire(Codes.BlockedIp, "The IP address is on the block list.");
            hardDecline = true;
        }

        if (r.AmountLimitsMinor.TryGetValue(transaction.Currency, out var limit) && transaction.AmountMinor > limit)
        {
            Fire(Codes.AmountLimit, $"The amount exceeds the hard limit for {transaction.Currency}.");
            hardDecline = true;
        }

        Decision decision;
        if (hardDecline)
        {
            decision = Decision.Decline;
        }
        else if (r.AllowedAccounts.Contains(transaction.AccountId))
        {
            Fire(Codes.AllowedAccount, "The account is on the allow list.");
            decision = Decision.Approve;
        }
        else if (r.AllowedMerchants.Contains(transaction.MerchantId))
        {
            Fire(Codes.AllowedMerchant, "The merchant is on the allow list.");
            decision = Decision.Approve;
        }
        else
        {
            decision = !degraded ? ByThresholds(score, thresholds.Review, thresholds.Decline)
                : ByThresholds(score, degradedThresholds?.Review ?? thresholds.Review, degradedThresholds?.Decline);
            if (degraded && degradedThresholds?.Decline is null && decision == Decision.Review && score >= thresholds.Decline
                && options.CurrentValue.Degraded != DegradedScorePolicy.FailOpen)
            {
                // The normal thresholds would decline, but the model has no degraded DECLINE it can stand behind.
                Fire(Codes.DegradedNoDecline, "Behavioural features were unavailable and the model cannot decline without them; the payment is held for review.");
            }

            if (degraded)
            {
                switch (options.CurrentValue.Degraded)
                {
                    case DegradedScorePolicy.FailOpen when decision != Decision.Approve:
                        Fire(Codes.DegradedFailOpen, "Behavioural features were unavailable; the payment is let through by policy.");
                        decision = Decision.Approve;
                        break;
                    case DegradedScorePolicy.Review when decision == Decision.Approve:
                        Fire(Codes.DegradedReview, "Behavioural features were unavailable; the payment is held for review by policy.");
                        decision = Decision.Review;
                        break;
                }
            }
        }

        return new PolicyOutcome(decision, (IReadOnlyList<Reason>?)reasons ?? [], (IReadOnlyList<string>?)fired ?? []);
    }

    /// <summary>DECLINE at or above <paramref name="decline"/> when there is one, REVIEW at or above
    /// <paramref name="review"/>, else APPROVE.</summary>
    private static Decision ByThresholds(double score, double review, double? decline) =>
        decline is { } d && score >= d ? Decision.Decline
        : score >= review ? Decision.Review
        : Decision.Approve;
}
