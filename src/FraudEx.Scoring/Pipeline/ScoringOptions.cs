namespace FraudEx.Scoring.Pipeline;

/// <summary>Configuration section <c>Scoring</c>.</summary>
public sealed class ScoringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scoring";

    /// <summary>
    /// Longest a batch waits for the feature service before it is scored without behavioural features (degraded,
    /// FEATURES_TIMEOUT).
    /// </summary>
    public TimeSpan FeatureBudget { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Transaction ids whose decisions are remembered for replay.</summary>
    public int DecisionCacheCapacity { get; set; } = 200_000;

    /// <summary>Most model reasons per response.</summary>
    public int TopReasons { get; set; } = 5;

    /// <summary>
    /// Explain approved transactions too. Off by default: explanations (exact TreeSHAP) cost more than the model run
    /// itself, and an approved payment needs no reasons; REVIEW and DECLINE are always explained.
    /// </summary>
    public bool ExplainApproved { get; set; }

    /// <summary>
    /// Explain with exact TreeSHAP instead of path attribution. Off by default: TreeSHAP costs milliseconds per row on
    /// the shipped model, path attribution tens of microseconds; both sum to the margin.
    /// </summary>
    public bool ExactExplanations { get; set; }

    /// <summary>Path of the champion model (.onnx, with its .manifest.json beside it).</summary>
    public string? ModelPath { get; set; }

    /// <summary>Path of a challenger model scored in shadow; empty for none.</summary>
    public string? ChallengerPath { get; set; }
}
