using System.Buffers.Binary;
using FraudEx.Alerts.Client.Internal;

namespace FraudEx.Alerts.Client;

public sealed partial class DecisionSpool
{
    private const string CheckpointFile = "checkpoint";
    private const string LockFile = "lock";
    private FileStream? _segment;
    private FileStream? _lock;
    private long _segmentSequence;
    private long _segmentLength;

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
                    // A torn write from a crash: its caller was never told it was durable.
                    Log.TornTail(_logger, path, RandomAccess.GetLength(handle) - validLength);
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
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
        SpoolFormat.WriteHeader(header);
        stream.Write(header);
        stream.Flush(flushToDisk: _options.FlushToDisk);
        if (_options.FlushToDisk)
        {
            DirectorySync.Flush(_options.Directory);
        }

        _segment = stream;
        _segmentSequence = sequence;
        _segmentLength = SpoolFormat.HeaderLength;
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<PendingWrite>();
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            var bytes = 0L;
            while (bytes < 8 * 1024 * 1024 && reader.TryRead(out var pending))
            {
                group.Add(pending);
                bytes += pending.Frames.Length;
            }

            try
            {
                var segment = _segment!;
                foreach (var pending in group)
                {
                    segment.Write(pending.Frames);
                }

                // One flush for the whole group: the cost of fsync is shared by every caller waiting in it.
                segment.Flush(flushToDisk: _options.FlushToDisk);
                _segmentLength += bytes;
            }
            catch (IOException e)
            {
                Log.WriteFailed(_logger, e);
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
                RollSegment();
            }
        }

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
            _segment = new FileStream(SpoolFormat.SegmentPath(_options.Directory, closed), FileMode.Append, FileAccess.Write,
                FileShare.Read | FileShare.Delete, bufferSize: 0);
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
            _segment!.SetLength(_segmentLength);
            _segment.Position = _segmentLength;
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
