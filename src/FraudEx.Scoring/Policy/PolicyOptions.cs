namespace FraudEx.Scoring.Policy;

/// <summary>What the policy does with a score computed without behavioural features.</summary>
public enum DegradedScorePolicy
{
    /// <summary>Apply the model's degraded thresholds (manifest <c>degraded_thresholds</c>) to the degraded score: DECLINE
    /// only at or above the degraded DECLINE threshold; without one (or without degraded thresholds) REVIEW at most.</summary>
    Score,

    /// <summary>Approve unless a deterministic rule declines: never stop a payment only because scoring is degraded.</summary>
    FailOpen,

    /// <summary>As <see cref="Score"/>, and at least REVIEW: a degraded APPROVE becomes REVIEW; a DECLINE (only possible
    /// at or above the manifest's degraded DECLINE threshold) stays.</summary>
    Review,
}

/// <summary>Configuration section <c>Scoring:Policy</c>; read live (IOptionsMonitor), so changes apply without restart.</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scoring:Policy";

    /// <summary>REVIEW threshold on the probability; null takes the model manifest's.</summary>
    public double? ReviewThreshold { get; set; }

    /// <summary>DECLINE threshold on the probability; null takes the model manifest's.</summary>
    public double? DeclineThreshold { get; set; }

    /// <summary>What to do with degraded scores.</summary>
    public DegradedScorePolicy Degraded { get; set; } = DegradedScorePolicy.Review;

    /// <summary>Path of the JSON rules file (blocked entities, limits, allow-lists); empty for no rules.</summary>
    public string? RulesFile { get; set; }
}
