using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace FraudEx.Alerts.Client.Internal;

/// <summary>
/// On-disk format of the decision spool. A segment file (decisions-00000000000000000042.spool) starts with an 8-byte
/// header ("FXSP", format version) followed by frames: [length u32 LE][CRC-32C of payload u32 LE][payload]. A frame is
/// valid only if it is complete and its checksum matches, so a write torn by a crash is recognised and cut off. Every
/// frame has a payload: a zero length (as in the zero-filled space a segment keeps ahead of its data) ends the data.
/// </summary>
internal static class SpoolFormat
{
    public const int HeaderLength = 8;
    public const int FrameHeaderLength = 8;
    public const int MaxPayloadLength = 16 * 1024 * 1024;
    private const uint Magic = 0x50535846; // "FXSP" little-endian
    private const uint Version = 1;
    private const string Prefix = "decisions-";
    private const string Extension = ".spool";

    public static string SegmentPath(string directory, long sequence) =>
        Path.Combine(directory, Prefix + sequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>Segment sequence numbers present in <paramref name="directory"/>, ascending.</summary>
    public static List<long> ListSegments(string directory)
    {
        var sequences = new List<long>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Extension))
        {
            var name = Path.GetFileName(path);
            if (long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length),
                NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                sequences.Add(sequence);
            }
        }

        sequences.Sort();
        return sequences;
    }

    public static void WriteHeader(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Version);
    }

    public static bool IsValidHeader(ReadOnlySpan<byte> header) =>
        header.Length >= HeaderLength
        && BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic
        && BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == Version;

    /// <summary>Writes one frame header for <paramref name="payload"/>.</summary>
    public static void WriteFrameHeader(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C(payload));
    }

    /// <summary>Length of the longest prefix of valid frames in a segment, from <see cref="HeaderLength"/>; the header
    /// length itself when the segment holds no valid frame, 0 when even the header is missing or wrong.</summary>
    public static long ScanValidLength(SafeFileHandle handle, out long frames)
    {
        frames = 0;
        var length = RandomAccess.GetLength(handle);
        Span<byte> header = stackalloc byte[HeaderLength];
        if (length < HeaderLength || RandomAccess.Read(handle, header, 0) != HeaderLength || !IsValidHeader(header))
        {
            return 0;
        }

        var position = (long)HeaderLength;
        var buffer = new byte[64 * 1024];
        Span<byte> frameHeader = stackalloc byte[FrameHeaderLength];
        while (position + FrameHeaderLength <= length)
        {
            RandomAccess.Read(handle, frameHeader, position);
            var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(frameHeader);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(frameHeader[4..]);
            if (payloadLength == 0 || payloadLength > MaxPayloadLength || position + FrameHeaderLength + payloadLength > length)
            {
                break;
            }

            if (buffer.Length < payloadLength)
            {
                buffer = new byte[payloadLength];
            }

            var payload = buffer.AsSpan(0, (int)payloadLength);
            RandomAccess.Read(handle, payload, position + FrameHeaderLength);
            if (Crc32C(payload) != crc)
            {
                break;
            }

            position += FrameHeaderLength + payloadLength;
            frames++;
        }

        return position;
    }

    /// <summary>Whether every byte of the file from <paramref name="offset"/> on is zero.</summary>
    public static bool IsZeroFrom(SafeFileHandle handle, long offset)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = RandomAccess.Read(handle, buffer, offset)) > 0)
        {
            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                return false;
            }

            offset += read;
        }

        return true;
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
