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
    /// a lone request goes out at once, so light load pays no batching latency.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Batches processed at the same time (a second batch fills while the first waits on the network).</summary>
    public int MaxConcurrentBatches { get; set; } = 2;

    /// <summary>Items waiting for a batch before new ones are refused with RESOURCE_EXHAUSTED.</summary>
    public int QueueCapacity { get; set; } = 16_384;
}
