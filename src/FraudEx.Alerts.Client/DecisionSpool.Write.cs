using System.Buffers.Binary;
using FraudEx.Alerts.Client.Internal;
using Microsoft.Win32.SafeHandles;

namespace FraudEx.Alerts.Client;

public sealed partial class DecisionSpool
{
    private const string CheckpointFile = "checkpoint";
    private const string LockFile = "lock";
    private static readonly byte[] Zeros = new byte[256 * 1024];
    private SafeFileHandle? _segment;
    private FileStream? _lock;
    private long _segmentSequence;
    private long _segmentLength;

    // Space ahead of the data that holds zeros on disk (PreallocateBytes): [_segmentLength, _preparedEnd) is ready;
    // while _preparing runs it zero-fills [_preparingFrom, _preparingTo), which no write may touch until it is done.
    private long _preparedEnd;
    private long _preparingFrom;
    private long _preparingTo;
    private Task? _preparing;
    private bool _preparationFailed;

    /// <summary>Brings the directory to a consistent state after whatever happened to the previous process, and opens a
    /// fresh segment for writing.</summary>
    private void Recover()
    {
        System.IO.Directory.CreateDirectory(_options.Directory);
        // Two processes appending to one spool would interleave frames; FileShare.None is an exclusive flock on Linux,
        // released by the kernel if the process dies.
        try
        {
            _lock = new FileStream(Path.Combine(_options.Directory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The decision spool {_options.Directory} is in use by another process.", e);
        }

        var segments = SpoolFormat.ListSegments(_options.Directory);
        foreach (var sequence in segments)
        {
            var path = SpoolFormat.SegmentPath(_options.Directory, sequence);
            long validLength;
            long frames;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                validLength = SpoolFormat.ScanValidLength(handle, out frames);
                if (validLength > 0 && validLength < RandomAccess.GetLength(handle))
                {
                    if (!SpoolFormat.IsZeroFrom(handle, validLength))
                    {
                        // A torn write from a crash: its caller was never told it was durable.
                        Log.TornTail(_logger, path, RandomAccess.GetLength(handle) - validLength);
                    }

                    // Either way (torn bytes or space prepared ahead), the segment ends at its last valid frame.
                    RandomAccess.SetLength(handle, validLength);
                }
            }

            if (validLength == 0)
            {
                File.Delete(path);
                continue;
            }

            _closedSegmentLengths[sequence] = validLength;
            Log.RecoveredSegment(_logger, path, frames);
        }

        segments = [.. _closedSegmentLengths.Keys.Order()];
        var first = segments.Count > 0 ? segments[0] : 1;
        _segmentSequence = segments.Count > 0 ? segments[^1] + 1 : 1;
        OpenSegment(_segmentSequence);

        var start = new SpoolPosition(first, SpoolFormat.HeaderLength);
        if (TryReadCheckpoint(out var checkpoint) && checkpoint.CompareTo(start) > 0
            && (_closedSegmentLengths.TryGetValue(checkpoint.Segment, out var length) ? checkpoint.Offset <= length : checkpoint.Segment == _segmentSequence))
        {
            start = checkpoint;
        }

        _acknowledged = start;
        _durableEnd = new SpoolPosition(_segmentSequence, _segmentLength);
    }

    private void OpenSegment(long sequence)
    {
        var path = SpoolFormat.SegmentPath(_options.Directory, sequence);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);
        try
        {
            Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
            SpoolFormat.WriteHeader(header);
            RandomAccess.Write(handle, header, 0);
            if (_options.FlushToDisk)
            {
                DiskSync.FlushData(handle);
                DiskSync.FlushDirectory(_options.Directory);
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        _segment = handle;
        _segmentSequence = sequence;
        _segmentLength = SpoolFormat.HeaderLength;
        _preparedEnd = _segmentLength;
        _preparationFailed = false;
        PrepareAhead();
    }

    /// <summary>Starts zero-filling the next stretch of the segment in the background once less than half of
    /// <see cref="DecisionSpoolOptions.PreallocateBytes"/> is left ahead of the data. Called by the write loop only.</summary>
    private void PrepareAhead()
    {
        var ahead = _options.PreallocateBytes;
        if (!_options.FlushToDisk || ahead <= 0 || _preparing is not null || _preparationFailed
            || _preparedEnd - _segmentLength >= ahead / 2 || _preparedEnd >= _options.SegmentBytes)
        {
            return;
        }

        // Writes below _preparingFrom go on meanwhile (growing the file if they pass _preparedEnd).
        _preparingFrom = Math.Max(_preparedEnd, _segmentLength + (ahead / 4));
        _preparingTo = _preparingFrom + ahead;
        var (segment, from, to) = (_segment!, _preparingFrom, _preparingTo);
        // Blocking writes and a flush: a thread of its own, not a thread-pool worker the services' calls need.
        _preparing = Task.Factory.StartNew(() =>
        {
            for (var offset = from; offset < to; offset += Zeros.Length)
            {
                RandomAccess.Write(segment, Zeros.AsSpan(0, (int)Math.Min(Zeros.Length, to - offset)), offset);
            }

            // Commits the new size and extents now, so the write loop's flushes find nothing but data to write.
            DiskSync.FlushData(segment);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for a running preparation when <paramref name="end"/> reaches into it, or collects a finished one.</summary>
    private void SettlePreparation(long end)
    {
        if (_preparing is not { } preparing || (!preparing.IsCompleted && end <= _preparingFrom))
        {
            return;
        }

        _preparing = null;
        try
        {
            preparing.GetAwaiter().GetResult();
            _preparedEnd = _preparingTo;
        }
        catch (Exception e)
        {
            // Preparing is an optimisation: whatever failed (zeros or nothing where it stopped are both safe to write
            // over), the write loop goes on, growing the file as it would without it. Stop preparing this segment.
            Log.PreallocationFailed(_logger, SpoolFormat.SegmentPath(_options.Directory, _segmentSequence), e);
            _preparationFailed = true;
        }
    }

    /// <summary>
    /// The writer: runs on a thread of its own, because its writes and flushes block (a flush can take milliseconds
    /// when the disk is busy). On a thread-pool worker, that is one of the few workers a two-core machine has taken
    /// from every call the process serves for as long as the disk takes.
    /// </summary>
    private void WriteLoop()
    {
        var group = new List<PendingWrite>();
        var reader = _writes.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            var bytes = 0L;
            while (bytes < 8 * 1024 * 1024 && reader.TryRead(out var pending))
            {
                group.Add(pending);
                bytes += pending.Frames.Length;
            }

            SettlePreparation(_segmentLength + bytes);
            try
            {
                var segment = _segment!;
                var offset = _segmentLength;
                foreach (var pending in group)
                {
                    RandomAccess.Write(segment, pending.Frames, offset);
                    offset += pending.Frames.Length;
                }

                // One flush for the whole group: the cost of the flush is shared by every caller waiting in it.
                if (_options.FlushToDisk)
                {
                    DiskSync.FlushData(segment);
                }

                _segmentLength += bytes;
            }
            catch (IOException e)
            {
                Log.WriteFailed(_logger, e);
                SettlePreparation(long.MaxValue);
                TruncateAfterFailedWrite();
                foreach (var pending in group)
                {
                    pending.Done.TrySetException(e);
                }

                continue;
            }

            var count = 0L;
            foreach (var pending in group)
            {
                count += pending.Count;
            }

            Interlocked.Add(ref _spooled, count);
            lock (_positionLock)
            {
                _durableEnd = new SpoolPosition(_segmentSequence, _segmentLength);
            }

            foreach (var pending in group)
            {
                pending.Done.TrySetResult();
            }

            _dataAvailable.Writer.TryWrite(true);
            if (_segmentLength >= _options.SegmentBytes)
            {
                SettlePreparation(long.MaxValue);
                RollSegment();
            }
            else
            {
                PrepareAhead();
            }
        }

        SettlePreparation(long.MaxValue);
        _segment?.Dispose();
        _segment = null;
    }

    private void ReleaseLock()
    {
        _lock?.Dispose();
        _lock = null;
    }

    private void RollSegment()
    {
        var closed = _segmentSequence;
        var closedLength = _segmentLength;
        _segment!.Dispose();
        try
        {
            OpenSegment(closed + 1);
        }
        catch (IOException e)
        {
            // Keep appending to the old segment; the next roll tries again.
            Log.WriteFailed(_logger, e);
            _segment = File.OpenHandle(SpoolFormat.SegmentPath(_options.Directory, closed), FileMode.Open, FileAccess.Write,
                FileShare.Read | FileShare.Delete);
            return;
        }

        lock (_positionLock)
        {
            _closedSegmentLengths[closed] = closedLength;
            _durableEnd = new SpoolPosition(_segmentSequence, _segmentLength);
        }

        _dataAvailable.Writer.TryWrite(true);
    }

    private void TruncateAfterFailedWrite()
    {
        try
        {
            // Drops the space prepared ahead too; the next writes grow the file until PrepareAhead catches up.
            RandomAccess.SetLength(_segment!, _segmentLength);
            _preparedEnd = _segmentLength;
        }
        catch (IOException)
        {
            // The torn tail is cut off at the next start instead (frames are CRC-checked).
        }
    }

    private bool TryReadCheckpoint(out SpoolPosition position)
    {
        position = default;
        var path = Path.Combine(_options.Directory, CheckpointFile);
        if (!File.Exists(path))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != 20 || SpoolFormat.Crc32C(bytes.AsSpan(0, 16)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)))
        {
            return false;
        }

        position = new SpoolPosition(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
        return true;
    }

    /// <summary>Records how far the receiver has acknowledged. Not flushed: losing it only means resending batches
    /// the receiver already has, which it skips.</summary>
    private void WriteCheckpoint(SpoolPosition position)
    {
        var bytes = new byte[20];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), position.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), SpoolFormat.Crc32C(bytes.AsSpan(0, 16)));
        var path = Path.Combine(_options.Directory, CheckpointFile);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
