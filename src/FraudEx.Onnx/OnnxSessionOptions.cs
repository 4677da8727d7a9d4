namespace FraudEx.Onnx;

/// <summary>ONNX Runtime's GraphOptimizationLevel.</summary>
public enum GraphOptimizationLevel
{
    Disabled = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Session settings passed to ONNX Runtime's OrtSessionOptions.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads used inside one operator. 1 by default: a tree ensemble on a micro-batch is cheap, and the
    /// scoring host runs several batches concurrently, so extra intra-op threads would only compete for cores.
    /// 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Threads used across independent graph nodes (only with <see cref="ParallelExecution"/>).</summary>
    public int InterOpThreads { get; init; } = 1;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Run independent nodes in parallel (ORT_PARALLEL) instead of in sequence.</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>Whether idle intra-op threads spin waiting for work ("session.intra_op.allow_spinning"). Off by
    /// default: spinning buys microseconds at the price of whole cores on a shared machine.</summary>
    public bool AllowSpinning { get; init; }
}
