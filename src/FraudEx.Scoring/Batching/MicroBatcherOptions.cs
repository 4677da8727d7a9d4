namespace FraudEx.Scoring.Batching;

/// <summary>Configuration section <c>Scoring:Batching</c>.</summary>
public sealed class MicroBatcherOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scoring:Batching";

    /// <summary>Most items in one batch (one ComputeFeatures call, one model Run).</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// Longest a batch waits for more items while another batch is being processed. An idle batcher never waits:
    /// a lone request goes out at once, so light load pays no batching latency. The default is not to wait: batches
    /// grow by themselves while every slot is busy, and waiting measurably added to the latency of unary load.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Batches processed at the same time: the next batch is taken from the queue while earlier ones wait on the
    /// feature service (which pipelines them) and the spool's flush.
    /// </summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    /// <summary>Items waiting for a batch before new ones are refused with RESOURCE_EXHAUSTED.</summary>
    public int QueueCapacity { get; set; } = 16_384;
}
