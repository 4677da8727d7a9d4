namespace FraudEx.Scoring.Pipeline;

/// <summary>Configuration section <c>Scoring</c>.</summary>
public sealed class ScoringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scoring";

    /// <summary>
    /// Longest a batch waits for the feature service before it is scored without behavioural features (degraded,
    /// FEATURES_TIMEOUT): this, plus <see cref="FeatureBudgetPerTransaction"/> for each transaction of the batch.
    /// </summary>
    public TimeSpan FeatureBudget { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// What each transaction of a batch adds to <see cref="FeatureBudget"/>. Batches grow only under load, and a
    /// batch of 256 asks the feature service for 256 times the work of a lone call: a fixed budget sent every batch of
    /// a busy system degraded (a 20 ms budget left 95 % of a stream at 20,000/s degraded, and the REVIEW alerts that
    /// followed cost more CPU again). A lone call still gets 20.2 ms, a batch of 256 about 71 ms.
    /// </summary>
    public TimeSpan FeatureBudgetPerTransaction { get; set; } = TimeSpan.FromMilliseconds(0.2);

    /// <summary>The feature budget of a batch of <paramref name="transactions"/>.</summary>
    public TimeSpan FeatureBudgetFor(int transactions) => FeatureBudget + (FeatureBudgetPerTransaction * transactions);

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
