using FraudEx.Scoring.Idempotency;

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
    /// What each transaction of a batch adds to <see cref="FeatureBudget"/>. Batches grow only under load, when a
    /// batch of 256 asks the feature service for 256 times the work of a lone call, and up to four such calls share
    /// it. A fixed budget sent most batches of a busy system degraded: with 20 ms, a stream offered 20,000/s got 95 %
    /// degraded answers, and the REVIEW alerts that followed took the CPU the scores needed (10,100/s scored); with
    /// 0.2 ms per transaction 32 % (10,300/s); with 0.5 ms 0.1–0.2 % (15,700–16,500/s). A lone call waits at most
    /// 20.5 ms, a batch of 256 at most 148 ms.
    /// </summary>
    public TimeSpan FeatureBudgetPerTransaction { get; set; } = TimeSpan.FromMilliseconds(0.5);

    /// <summary>The feature budget of a batch of <paramref name="transactions"/>.</summary>
    public TimeSpan FeatureBudgetFor(int transactions) => FeatureBudget + (FeatureBudgetPerTransaction * transactions);

    /// <summary>
    /// Where features come from: <see cref="FeaturesMode.InProcess"/> (the default when <c>ConnectionStrings:redis</c>
    /// is configured) or <see cref="FeaturesMode.Remote"/>. Read once at start.
    /// </summary>
    public ScoringFeaturesOptions Features { get; set; } = new();

    /// <summary>Transaction ids whose decisions are remembered for replay.</summary>
    public int DecisionCacheCapacity { get; set; } = 200_000;

    /// <summary>
    /// Bytes of the arena that holds the remembered responses, serialized (allocated once, at start). Whichever of
    /// this and <see cref="DecisionCacheCapacity"/> is reached first bounds how far back a retry is recognised.
    /// </summary>
    public int DecisionCacheBytes { get; set; } = DecisionCache.DefaultArenaBytes;

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

    /// <summary>
    /// What happens when the decision spool cannot be written: <see cref="HandOffFailurePolicy.Refuse"/> (the default:
    /// the calls fail with UNAVAILABLE, nothing unrecorded is answered) or <see cref="HandOffFailurePolicy.Answer"/>
    /// (answer anyway; count and log each decision as not recorded).
    /// </summary>
    public HandOffFailurePolicy HandOffFailure { get; set; } = HandOffFailurePolicy.Refuse;

    /// <summary>Path of the champion model (.onnx, with its .manifest.json beside it).</summary>
    public string? ModelPath { get; set; }

    /// <summary>Path of a challenger model scored in shadow; empty for none.</summary>
    public string? ChallengerPath { get; set; }
}

/// <summary>Configuration section <c>Scoring:Features</c>.</summary>
public sealed class ScoringFeaturesOptions
{
    /// <summary>
    /// InProcess or Remote; when not set, InProcess if <c>ConnectionStrings:redis</c> is configured, else Remote (said
    /// at Warning on start).
    /// </summary>
    public FeaturesMode? Mode { get; set; }
}
