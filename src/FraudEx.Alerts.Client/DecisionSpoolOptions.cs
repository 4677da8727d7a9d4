namespace FraudEx.Alerts.Client;

/// <summary>Settings of a <see cref="DecisionSpool"/> (configuration section "DecisionSpool").</summary>
public sealed class DecisionSpoolOptions
{
    /// <summary>Directory of the segment files; must survive process restarts (not a tmpfs in production).
    /// One spool per directory: two processes must never share one.</summary>
    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "decision-spool");

    /// <summary>A segment is closed and a new one started once it grows past this size.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Whether each group of writes is flushed to disk (fsync) before callers are told it is durable.
    /// Turning it off survives a process crash but not a power loss.</summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>Zero-filled space kept ahead of the write position when <see cref="FlushToDisk"/> is on, prepared in the
    /// background: a flush of writes into space the file already has is a data-only fdatasync, with no file-system
    /// journal commit for a growing file. Zero turns it off.</summary>
    public long PreallocateBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Most decisions per RecordDecisions call.</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>Most payload bytes per RecordDecisions call; stays under the 4 MiB gRPC message limit.</summary>
    public int MaxBatchBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>After a batch that emptied the spool, the shipper waits this long (counted from that read) before
    /// the next one, so decisions are recorded in fewer, larger calls. Zero ships every write at once.</summary>
    public TimeSpan ShipInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Batches sent concurrently; acknowledgements are applied in order.</summary>
    public int MaxInFlightBatches { get; set; } = 2;

    /// <summary>Deadline of one RecordDecisions call.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay after a failed send; doubles per failure, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Writes queued but not yet on disk before EnqueueAsync waits (back-pressure).</summary>
    public int MaxPendingWrites { get; set; } = 65_536;
}
