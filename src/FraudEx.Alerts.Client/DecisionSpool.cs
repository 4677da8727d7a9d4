using System.Threading.Channels;
using FraudEx.Alerts.Client.Internal;
using FraudEx.Contracts.V1;
using Channel = System.Threading.Channels.Channel;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FraudEx.Alerts.Client;

/// <summary>
/// A durable, append-only spool of decisions on the producer's disk, shipped in batches to the alert service.
/// <para>
/// EnqueueAsync appends length-prefixed, CRC-checked frames to the current segment file and completes only after the
/// write is flushed to disk; concurrent callers share one flush (group commit). A background shipper reads the
/// segments in order, sends batches through an <see cref="IDecisionRecorder"/> (retrying with backoff and jitter for
/// as long as it takes), and deletes a segment once every frame in it is acknowledged. On restart the spool cuts a
/// torn tail off the last segment and resends everything not acknowledged: the receiver is idempotent on
/// transaction_id, so a batch sent twice is stored once.
/// </para>
/// </summary>
public sealed partial class DecisionSpool : IDecisionSink, IAsyncDisposable
{
    private readonly DecisionSpoolOptions _options;
    private readonly IDecisionRecorder _recorder;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _writes;
    private readonly Channel<bool> _dataAvailable = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopShipping = new();
    private readonly Lock _positionLock = new();
    private readonly Dictionary<long, long> _closedSegmentLengths = [];
    private readonly List<TaskCompletionSource> _drainWaiters = [];
    private SpoolPosition _durableEnd;
    private SpoolPosition _acknowledged;
    private Task _writerLoop = Task.CompletedTask;
    private Task _shipperLoop = Task.CompletedTask;
    private long _spooled;
    private long _shipped;
    private int _disposed;

    private DecisionSpool(DecisionSpoolOptions options, IDecisionRecorder recorder, ILogger logger)
    {
        _options = options;
        _recorder = recorder;
        _logger = logger;
        _writes = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.MaxPendingWrites)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Decisions made durable by this instance.</summary>
    public long SpooledCount => Interlocked.Read(ref _spooled);

    /// <summary>Decisions acknowledged by the receiver through this instance (including resent ones).</summary>
    public long ShippedCount => Interlocked.Read(ref _shipped);

    /// <summary>Opens (or creates) the spool in <see cref="DecisionSpoolOptions.Directory"/>, recovers what a previous
    /// process left, and starts shipping.</summary>
    public static async Task<DecisionSpool> OpenAsync(
        DecisionSpoolOptions options, IDecisionRecorder recorder, ILogger<DecisionSpool> logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(logger);
        var spool = new DecisionSpool(options, recorder, logger);
        try
        {
            await Task.Run(spool.Recover, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            spool._segment?.Dispose();
            spool.ReleaseLock();
            throw;
        }

        spool._writerLoop = Task.Factory.StartNew(spool.WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        spool._shipperLoop = Task.Run(() => spool.ShipLoopAsync(spool._stopShipping.Token), CancellationToken.None);
        return spool;
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        DecisionRecordValidator.ThrowIfInvalid(decision);
        return WriteAsync(Frame([decision]), 1, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        if (decisions.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var violations = new List<(string, string)>();
        for (var i = 0; i < decisions.Count; i++)
        {
            DecisionRecordValidator.Validate(decisions[i], $"decisions[{i}]", violations);
        }

        if (violations.Count > 0)
        {
            throw new InvalidDecisionException(violations);
        }

        return WriteAsync(Frame(decisions), decisions.Count, cancellationToken);
    }

    /// <summary>Completes when every decision made durable so far has been acknowledged by the receiver.</summary>
    public Task WaitForDrainAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_positionLock)
        {
            if (_acknowledged.CompareTo(_durableEnd) >= 0)
            {
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drainWaiters.Add(waiter);
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking decisions, finishes the writes already queued, and stops shipping. What is not yet
    /// acknowledged stays on disk and is shipped by the next instance.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writes.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _stopShipping.CancelAsync().ConfigureAwait(false);
        await _shipperLoop.ConfigureAwait(false);
        _stopShipping.Dispose();
        ReleaseLock();
        lock (_positionLock)
        {
            foreach (var waiter in _drainWaiters)
            {
                waiter.TrySetCanceled();
            }

            _drainWaiters.Clear();
        }
    }

    private static byte[] Frame(IReadOnlyList<DecisionRecord> decisions)
    {
        var total = 0;
        Span<int> sizes = decisions.Count <= 256 ? stackalloc int[decisions.Count] : new int[decisions.Count];
        for (var i = 0; i < decisions.Count; i++)
        {
            sizes[i] = decisions[i].CalculateSize();
            total += SpoolFormat.FrameHeaderLength + sizes[i];
        }

        var buffer = new byte[total];
        var offset = 0;
        for (var i = 0; i < decisions.Count; i++)
        {
            var payload = buffer.AsSpan(offset + SpoolFormat.FrameHeaderLength, sizes[i]);
            decisions[i].WriteTo(payload);
            SpoolFormat.WriteFrameHeader(buffer.AsSpan(offset), payload);
            offset += SpoolFormat.FrameHeaderLength + sizes[i];
        }

        return buffer;
    }

    private async ValueTask WriteAsync(byte[] frames, int count, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingWrite(frames, count);
        await _writes.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        // Once queued, the write happens whether or not this caller still waits for it.
        await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class PendingWrite(byte[] frames, int count)
    {
        public byte[] Frames { get; } = frames;
        public int Count { get; } = count;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
