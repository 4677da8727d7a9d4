using System.Buffers;
using System.Buffers.Binary;

namespace FraudEx.Features.Engine.Internal;

/// <summary>
/// Appends varints and raw doubles to a growable buffer: states are mostly small or zero numbers. The working buffer
/// is rented from the shared pool and returned by <see cref="ToArray"/>, so serializing a state allocates only its
/// result. The first <c>reserve</c> bytes are left for the caller and come out as zeros.
/// </summary>
internal ref struct StateWriter
{
    private readonly int _reserve;
    private byte[] _buffer;
    private int _length;

    public StateWriter(int capacity, int reserve = 0)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, reserve + 16));
        _reserve = reserve;
        _length = reserve;
    }

    public readonly int Length => _length;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteVarUInt(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    public void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    /// <summary>The written bytes (the reserved prefix zero) as a new array; the writer is done with after this.</summary>
    public byte[] ToArray()
    {
        var result = new byte[_length];
        _buffer.AsSpan(_reserve, _length - _reserve).CopyTo(result.AsSpan(_reserve));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
        return result;
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}

/// <summary>Reads what <see cref="StateWriter"/> wrote; any truncation or overflow throws <see cref="FormatException"/>.</summary>
internal ref struct StateReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public StateReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public readonly bool End => _pos == _data.Length;

    public byte ReadByte()
    {
        if (_pos >= _data.Length)
        {
            throw new FormatException("Entity state is truncated.");
        }

        return _data[_pos++];
    }

    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("Entity state holds a malformed varint.");
    }

    public long ReadVarInt()
    {
        var v = ReadVarUInt();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public int ReadCount(int max)
    {
        var v = ReadVarUInt();
        if (v > (ulong)max)
        {
            throw new FormatException($"Entity state holds a count {v} above its bound {max}.");
        }

        return (int)v;
    }

    public double ReadDouble()
    {
        if (_pos + 8 > _data.Length)
        {
            throw new FormatException("Entity state is truncated.");
        }

        var v = BinaryPrimitives.ReadDoubleLittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public uint ReadUInt32()
    {
        if (_pos + 4 > _data.Length)
        {
            throw new FormatException("Entity state is truncated.");
        }

        var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public readonly void ExpectEnd()
    {
        if (!End)
        {
            throw new FormatException("Entity state has trailing bytes.");
        }
    }
}
