using System.Buffers.Binary;
using FraudEx.Contracts.V1;
using Google.Protobuf;
using FraudEx.Testing;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>Raw protobuf and gRPC framing, for bodies no generated serializer would produce.</summary>
public static class Wire
{
    public const string Score = "/fraudex.v1.ScoringService/Score";
    public const string ScoreStream = "/fraudex.v1.ScoringService/ScoreStream";
    public const string GetModel = "/fraudex.v1.ScoringService/GetModel";
    public const string RecordDecisions = "/fraudex.v1.AlertService/RecordDecisions";
    public const string ReportLabel = "/fraudex.v1.AlertService/ReportLabel";
    public const string ComputeFeatures = "/fraudex.v1.FeatureService/ComputeFeatures";

    /// <summary>A gRPC length-prefixed message: compressed flag, 4-byte big-endian length, payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte compressedFlag = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressedFlag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public static byte[] Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    /// <summary>A length-delimited field.</summary>
    public static byte[] LengthDelimited(int field, ReadOnlySpan<byte> payload) =>
        [.. Tag(field, 2), .. Varint((ulong)payload.Length), .. payload];

    /// <summary>A transaction every check of the validator accepts, with a unique id.</summary>
    public static Transaction ValidTransaction(string prefix) =>
        TestTransactions.Valid($"{prefix}-{Guid.NewGuid():N}", "sec-acct-" + prefix, "sec-merchant");

    /// <summary>A ScoreRequest whose transaction bytes are the valid transaction's followed by <paramref name="tail"/>.</summary>
    public static byte[] ScoreRequestWithTransactionTail(string prefix, ReadOnlySpan<byte> tail) =>
        LengthDelimited(1, [.. ValidTransaction(prefix).ToByteArray(), .. tail]);
}
