using System.Buffers;
using FraudEx.Contracts.V1;
using Google.Protobuf;

namespace FraudEx.Alerts.Client;

/// <summary>
/// A batch of decisions as the spool holds them: each decision's serialized <see cref="DecisionRecord"/>, back to back
/// in one pooled buffer. A <see cref="RecordDecisionsRequest"/> is nothing but its records' bytes, each behind a field
/// tag and a length, so shipping writes these bytes as they are: the scorer neither parses nor re-serializes what it
/// spooled, and no object graph of a batch lives on the heap for as long as the alert service takes to commit it.
/// Dispose it (the spool does) to return the buffer.
/// </summary>
public sealed class SpooledDecisions : IDisposable
{
    private const byte RecordTag = (RecordDecisionsRequest.DecisionsFieldNumber << 3) | (byte)WireFormat.WireType.LengthDelimited;
    private static readonly uint TraceParentTag = WireFormat.MakeTag(DecisionRecord.TraceParentFieldNumber, WireFormat.WireType.LengthDelimited);

    private readonly List<(int Offset, int Length)> _records = [];
    private byte[] _buffer;
    private int _used;

    internal SpooledDecisions(int capacityHint = 16 * 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacityHint, 1024));
    }

    /// <summary>Decisions in the batch.</summary>
    public int Count => _records.Count;

    /// <summary>Size of the <see cref="RecordDecisionsRequest"/> the batch makes.</summary>
    public int RequestSize
    {
        get
        {
            var size = 0;
            foreach (var (_, length) in _records)
            {
                size += 1 + CodedOutputStream.ComputeLengthSize(length) + length;
            }

            return size;
        }
    }

    /// <summary>The serialized decision at <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var (offset, length) = _records[index];
            return _buffer.AsSpan(offset, length);
        }
    }

    /// <summary>A batch of <paramref name="decisions"/>, serialized.</summary>
    public static SpooledDecisions From(IReadOnlyList<DecisionRecord> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var sizes = new int[decisions.Count];
        var total = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            sizes[i] = decisions[i].CalculateSize();
            total += sizes[i];
        }

        var batch = new SpooledDecisions(total);
        for (var i = 0; i < sizes.Length; i++)
        {
            decisions[i].WriteTo(batch.Reserve(sizes[i]));
        }

        return batch;
    }

    /// <summary>Appends one serialized decision.</summary>
    internal void Add(ReadOnlySpan<byte> record) => record.CopyTo(Reserve(record.Length));

    /// <summary>Writes the <see cref="RecordDecisionsRequest"/> the batch makes.</summary>
    public void WriteRequest(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (offset, length) in _records)
        {
            var span = writer.GetSpan(6 + length);
            span[0] = RecordTag;
            var n = 1 + WriteVarint(span[1..], (uint)length);
            _buffer.AsSpan(offset, length).CopyTo(span[n..]);
            writer.Advance(n + length);
        }
    }

    /// <summary>The decisions as messages, for a recorder that needs them.</summary>
    public List<DecisionRecord> Parse()
    {
        var decisions = new List<DecisionRecord>(_records.Count);
        foreach (var (offset, length) in _records)
        {
            decisions.Add(DecisionRecord.Parser.ParseFrom(_buffer.AsSpan(offset, length)));
        }

        return decisions;
    }

    /// <summary>Each decision's <see cref="DecisionRecord.TraceParent"/>, read without parsing the rest of it.</summary>
    public IEnumerable<string> TraceParents()
    {
        for (var i = 0; i < _records.Count; i++)
        {
            var (offset, length) = _records[i];
            yield return TraceParentOf(offset, length);
        }
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _records.Clear();
        _used = 0;
    }

    private Span<byte> Reserve(int length)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (_used + length > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _used + length));
            _buffer.AsSpan(0, _used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        _records.Add((_used, length));
        var reserved = _buffer.AsSpan(_used, length);
        _used += length;
        return reserved;
    }

    private string TraceParentOf(int offset, int length)
    {
        var input = new CodedInputStream(_buffer, offset, length);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == TraceParentTag)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return string.Empty;
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[n++] = (byte)value;
        return n;
    }
}
