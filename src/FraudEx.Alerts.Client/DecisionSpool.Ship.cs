using System.Buffers.Binary;
using System.Diagnostics;
using FraudEx.Alerts.Client.Internal;
using FraudEx.Contracts.V1;
using Microsoft.Win32.SafeHandles;

namespace FraudEx.Alerts.Client;

public sealed partial class DecisionSpool
{
    private SafeFileHandle? _readHandle;
    private long _readSegment = -1;
    private byte[] _readBuffer = new byte[256 * 1024];

    private async Task ShipLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ShipAsync(stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: unacknowledged batches stay in the spool for the next instance.
            }
            catch (Exception e)
            {
                // Reading the spool failed (I/O error, damaged segment): start over from the last acknowledgement.
                Log.ShipperFailed(_logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }
            }
        }
    }

    private async Task ShipAsync(CancellationToken stop)
    {
        SpoolPosition cursor;
        lock (_positionLock)
        {
            cursor = _acknowledged;
        }

        var inFlight = new Queue<(Task Send, SpoolPosition End, int Count)>();

        // After a batch that took everything there was, the next read waits until ShipInterval has passed since it:
        // decisions then travel in a few large RecordDecisions calls rather than many small ones (each call costs the
        // alert service and Postgres a transaction), while a quiet spool still ships its first decision at once.
        var lastPartialRead = long.MinValue;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                while (inFlight.Count < Math.Max(1, _options.MaxInFlightBatches))
                {
                    if (lastPartialRead != long.MinValue)
                    {
                        var wait = _options.ShipInterval - Stopwatch.GetElapsedTime(lastPartialRead);
                        if (wait > TimeSpan.Zero)
                        {
                            if (inFlight.Count > 0)
                            {
                                break;
                            }

                            await Task.Delay(wait, stop).ConfigureAwait(false);
                        }
                    }

                    var (batch, end, full) = ReadBatch(cursor);
                    cursor = end;
                    if (batch.Count == 0)
                    {
                        batch.Dispose();
                        break;
                    }

                    lastPartialRead = full ? long.MinValue : Stopwatch.GetTimestamp();
                    inFlight.Enqueue((SendWithRetryAsync(batch, stop), end, batch.Count));
                }

                if (inFlight.Count == 0)
                {
                    // Nothing to send; the cursor may still have crossed into a newer segment.
                    Acknowledge(cursor, 0);
                    await WaitForDataAsync(stop).ConfigureAwait(false);
                    continue;
                }

                var head = inFlight.Dequeue();
                await head.Send.ConfigureAwait(false);
                // Acknowledged strictly in spool order, so the checkpoint never passes an unsent batch.
                Acknowledge(head.End, head.Count);
            }
        }
        finally
        {
            foreach (var (send, _, _) in inFlight)
            {
                await send.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                    .ConfigureAwait(false);
            }

            _readHandle?.Dispose();
            _readHandle = null;
        }
    }

    private async Task WaitForDataAsync(CancellationToken stop)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        wake.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await _dataAvailable.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false);
            _dataAvailable.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // Periodic wake-up; nothing arrived.
        }
    }

    /// <summary>Reads up to one batch of frames from <paramref name="cursor"/>, crossing into newer segments when a
    /// closed one is exhausted. The records stay serialized: they are shipped as the bytes they are.</summary>
    private (SpooledDecisions Records, SpoolPosition End, bool Full) ReadBatch(SpoolPosition cursor)
    {
        var records = new SpooledDecisions();
        try
        {
            var (end, full) = ReadInto(records, cursor);
            return (records, end, full);
        }
        catch
        {
            records.Dispose();
            throw;
        }
    }

    private (SpoolPosition End, bool Full) ReadInto(SpooledDecisions records, SpoolPosition cursor)
    {
        var bytes = 0;
        var batchFull = false;
        while (records.Count < _options.BatchSize)
        {
            long limit;
            bool segmentDone;
            long next;
            lock (_positionLock)
            {
                var closed = _closedSegmentLengths.TryGetValue(cursor.Segment, out limit);
                if (!closed)
                {
                    limit = cursor.Segment == _durableEnd.Segment ? _durableEnd.Offset : cursor.Offset;
                }

                segmentDone = closed || cursor.Segment < _durableEnd.Segment;

                next = _durableEnd.Segment;
                foreach (var sequence in _closedSegmentLengths.Keys)
                {
                    if (sequence > cursor.Segment && sequence < next)
                    {
                        next = sequence;
                    }
                }
            }

            if (cursor.Offset >= limit)
            {
                if (segmentDone)
                {
                    cursor = new SpoolPosition(next, SpoolFormat.HeaderLength);
                    continue;
                }

                break;
            }

            var handle = ReadHandle(cursor.Segment);
            var chunk = (int)Math.Min(limit - cursor.Offset, _readBuffer.Length);
            var read = RandomAccess.Read(handle, _readBuffer.AsSpan(0, chunk), cursor.Offset);
            var consumed = 0;
            var full = false;
            var grown = false;
            while (consumed + SpoolFormat.FrameHeaderLength <= read)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_readBuffer.AsSpan(consumed));
                if (consumed + SpoolFormat.FrameHeaderLength + length > read)
                {
                    if (consumed == 0 && SpoolFormat.FrameHeaderLength + length > _readBuffer.Length)
                    {
                        _readBuffer = new byte[SpoolFormat.FrameHeaderLength + length];
                        grown = true;
                    }

                    break;
                }

                if (records.Count >= _options.BatchSize || (records.Count > 0 && bytes + length > _options.MaxBatchBytes))
                {
                    full = true;
                    batchFull = true;
                    break;
                }

                var payload = _readBuffer.AsSpan(consumed + SpoolFormat.FrameHeaderLength, length);
                if (SpoolFormat.Crc32C(payload) != BinaryPrimitives.ReadUInt32LittleEndian(_readBuffer.AsSpan(consumed + 4)))
                {
                    throw new InvalidDataException(
                        $"Spool segment {cursor.Segment} is corrupt at offset {cursor.Offset + consumed}.");
                }

                records.Add(payload);
                bytes += length;
                consumed += SpoolFormat.FrameHeaderLength + length;
            }

            cursor = cursor with { Offset = cursor.Offset + consumed };
            if (grown)
            {
                continue;
            }

            if (full || consumed == 0)
            {
                break;
            }
        }

        return (cursor, batchFull || records.Count >= _options.BatchSize);
    }

    private SafeFileHandle ReadHandle(long segment)
    {
        if (_readSegment != segment || _readHandle is null)
        {
            _readHandle?.Dispose();
            _readHandle = File.OpenHandle(SpoolFormat.SegmentPath(_options.Directory, segment), FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
            _readSegment = segment;
        }

        return _readHandle;
    }

    private async Task SendWithRetryAsync(SpooledDecisions records, CancellationToken stop)
    {
        using var owned = records;
        // The trace contexts are read out of the bytes only when a span will be recorded.
        var (parent, links) = DecisionTrace.Source.HasListeners() ? DecisionTrace.ForBatch(records.TraceParents()) : default;
        for (var attempt = 0; ; attempt++)
        {
            Exception failure;
            using (var activity = StartShipActivity(parent, links, records.Count, attempt))
            {
                try
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    deadline.CancelAfter(_options.SendTimeout);
                    await _recorder.RecordAsync(records, deadline.Token).ConfigureAwait(false);
                    return;
                }
                catch (DecisionsRejectedException e)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, "rejected: " + e.Message);
                    Quarantine(records, e);
                    return;
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                    failure = e;
                }
            }

            if (attempt == 0 || attempt % 20 == 0)
            {
                Log.SendFailed(_logger, records.Count, attempt + 1, failure);
            }

            var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds,
                _options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
            // Jitter spreads the retries of many scorers so a recovering alert service is not hit all at once.
            var delay = TimeSpan.FromMilliseconds(ceiling * (0.5 + Random.Shared.NextDouble() / 2));
            await Task.Delay(delay, stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The span of one send attempt, placed by <see cref="DecisionTrace.ForBatch"/>: in the trace of the call that
    /// made the decisions, or a trace of its own linked to theirs. The RecordDecisions client span, and through its
    /// traceparent header the alert service's spans, nest under it.
    /// </summary>
    private static Activity? StartShipActivity(ActivityContext parent, ActivityLink[]? links, int count, int attempt)
    {
        if (!DecisionTrace.Source.HasListeners())
        {
            return null;
        }

        if (parent == default)
        {
            // Whatever context the shipping loop inherited from the code that opened the spool is not this batch's.
            Activity.Current = null;
        }

        var activity = DecisionTrace.Source.StartActivity(DecisionTrace.ShipSpanName, ActivityKind.Producer, parent, links: links);
        activity?.SetTag("fraudex.decisions.count", count);
        activity?.SetTag("fraudex.ship.attempt", attempt + 1);
        if (links is not null)
        {
            activity?.SetTag("fraudex.decisions.links", links.Length);
        }

        return activity;
    }

    private void Quarantine(SpooledDecisions records, DecisionsRejectedException reason)
    {
        var path = Path.Combine(_options.Directory, $"rejected-{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.spool");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
            SpoolFormat.WriteHeader(header);
            stream.Write(header);
            Span<byte> frameHeader = stackalloc byte[SpoolFormat.FrameHeaderLength];
            for (var i = 0; i < records.Count; i++)
            {
                SpoolFormat.WriteFrameHeader(frameHeader, records[i]);
                stream.Write(frameHeader);
                stream.Write(records[i]);
            }

            stream.Flush(flushToDisk: _options.FlushToDisk);
        }

        Log.BatchRejected(_logger, records.Count, path, reason);
    }

    private void Acknowledge(SpoolPosition end, int count)
    {
        List<long> obsolete = [];
        List<TaskCompletionSource> drained = [];
        lock (_positionLock)
        {
            if (end.CompareTo(_acknowledged) <= 0)
            {
                return;
            }

            _acknowledged = end;
            foreach (var sequence in _closedSegmentLengths.Keys)
            {
                if (sequence < end.Segment)
                {
                    obsolete.Add(sequence);
                }
            }

            foreach (var sequence in obsolete)
            {
                _closedSegmentLengths.Remove(sequence);
            }

            if (_acknowledged.CompareTo(_durableEnd) >= 0)
            {
                drained.AddRange(_drainWaiters);
                _drainWaiters.Clear();
            }
        }

        Interlocked.Add(ref _shipped, count);
        WriteCheckpoint(end);
        foreach (var sequence in obsolete)
        {
            File.Delete(SpoolFormat.SegmentPath(_options.Directory, sequence));
        }

        foreach (var waiter in drained)
        {
            waiter.TrySetResult();
        }
    }
}
