namespace FraudEx.Features;

/// <summary>Configuration of the Redis-backed feature store (section "Features").</summary>
public sealed class FeatureStoreOptions
{
    /// <summary>Prefix of every key, so several deployments or tests can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "fx";

    /// <summary>
    /// An entity's state expires after this long without a transaction. The default outlives the longest window
    /// (37 days of merchant buckets), so expiry only forgets entities whose features would be empty anyway.
    /// </summary>
    public TimeSpan EntityIdleTtl { get; set; } = TimeSpan.FromDays(40);

    /// <summary>How long a transaction id (and its original vector) is remembered for duplicate detection.</summary>
    public TimeSpan TransactionTtl { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long a recorded label is remembered, so a repeated label is not counted twice.</summary>
    public TimeSpan LabelTtl { get; set; } = TimeSpan.FromDays(60);

    /// <summary>Check-and-set rounds per batch before giving up with a conflict error (heavy contention on one entity).</summary>
    public int MaxAttempts { get; set; } = 200;

    /// <summary>
    /// Combine batches that arrive while others are in flight into one (group commit): fewer round trips and no write
    /// conflicts between callers of the same process. Results are as if the batches ran one after the other.
    /// </summary>
    public bool CoalesceConcurrentBatches { get; set; } = true;

    /// <summary>
    /// Most transactions read, computed and written in one round (one read, one script). Larger batches are split
    /// into rounds that follow each other through the pipeline: per transaction, small rounds cost both Redis and
    /// the client less than one huge request and reply (measured with the bench command: batches of 64 against 256).
    /// </summary>
    public int MaxTransactionsPerRound { get; set; } = 64;

    /// <summary>Largest combined batch, in transactions.</summary>
    public int MaxCombinedTransactions { get; set; } = 2048;

    /// <summary>
    /// Combined batches in flight at once per process. They form a pipeline: while one computes, Redis answers the
    /// next one's read and runs the previous one's script.
    /// </summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Contains('{', StringComparison.Ordinal) || KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException("Features:KeyPrefix must be non-empty and contain no braces.");
        }

        if (EntityIdleTtl < TimeSpan.FromSeconds(1) || TransactionTtl < TimeSpan.FromSeconds(1) || LabelTtl < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("Features TTLs must be at least one second.");
        }

        if (MaxCombinedTransactions < 1 || MaxConcurrentBatches < 1 || MaxTransactionsPerRound < 1)
        {
            throw new ArgumentException("Features:MaxCombinedTransactions, Features:MaxConcurrentBatches and Features:MaxTransactionsPerRound must be positive.");
        }

        if (MaxAttempts < 1)
        {
            throw new ArgumentException("Features:MaxAttempts must be positive.");
        }
    }
}
