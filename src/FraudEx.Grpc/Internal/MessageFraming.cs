using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace FraudEx.Grpc.Internal;

/// <summary>Parser per message type, created once (generated messages' static Parser is not reachable generically).</summary>
internal static class MessageCodec<T>
    where T : class, IMessage<T>, new()
{
    public static readonly MessageParser<T> Parser = new(() => new T());
}

/// <summary>
/// Length-Prefixed-Message framing: 1-byte compressed flag, 4-byte big-endian length, message. Messages are parsed
/// straight from the pipe's buffers and serialised straight into the pipe's memory, without intermediate copies.
/// </summary>
internal static class MessageFraming
{
    // Above this size the message is written segment by segment instead of into one contiguous span, so a large
    // message does not force the pipe to allocate a block of its full size.
    private const int ContiguousWriteLimit = 64 * 1024;

    /// <summary>Reads the next message, or null at a clean end of stream.</summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, int maxSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>, new()
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException(cancellationToken);
            }

            if (buffer.Length >= GrpcProtocol.HeaderSize)
            {
                int length;
                bool compressed;
                try
                {
                    (compressed, length) = ReadHeader(buffer, maxSize);
                }
                catch
                {
                    reader.AdvanceTo(buffer.Start);
                    throw;
                }

                if (buffer.Length - GrpcProtocol.HeaderSize >= length)
                {
                    var payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
                    try
                    {
                        return Decode<T>(payload, compressed, encoding, maxSize);
                    }
                    finally
                    {
                        reader.AdvanceTo(payload.End);
                    }
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, "Incomplete message: the stream ended inside a length-prefixed message.");
            }

            // Nothing consumed, everything examined: the next read returns only when more bytes arrive.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static (bool Compressed, int Length) ReadHeader(in ReadOnlySequence<byte> buffer, int maxSize)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {flag} in message header.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message of {length} bytes exceeds the maximum of {maxSize} bytes.");
        }

        return (flag == 1, (int)length);
    }

    private static T Decode<T>(in ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxSize)
        where T : class, IMessage<T>, new()
    {
        try
        {
            if (!compressed)
            {
                return MessageCodec<T>.Parser.ParseFrom(payload);
            }

            if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Internal,
                    $"Compressed message received with grpc-encoding '{encoding ?? "identity"}'.");
            }

            return MessageCodec<T>.Parser.ParseFrom(Gunzip(payload, maxSize));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new GrpcStatus(StatusCode.Internal, "Failed to deserialize message."), new Metadata(), ex);
        }
    }

    private static byte[] Gunzip(in ReadOnlySequence<byte> payload, int maxSize)
    {
        using var input = new MemoryStream(payload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                // The limit applies to the decompressed size, so a small compressed message cannot inflate without bound.
                if (output.Length + n > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Decompressed message exceeds the maximum of {maxSize} bytes.");
                }

                output.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new GrpcStatus(StatusCode.Internal, "Failed to decompress message."), new Metadata(), ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return output.ToArray();
    }

    /// <summary>Serialises one framed message into the writer (uncompressed). Does not flush.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum of {maxSize} bytes.");
        }

        if (size <= ContiguousWriteLimit)
        {
            var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
            WriteHeader(span, size);
            message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
            writer.Advance(GrpcProtocol.HeaderSize + size);
            return;
        }

        WriteHeader(writer.GetSpan(GrpcProtocol.HeaderSize), size);
        writer.Advance(GrpcProtocol.HeaderSize);
        message.WriteTo(writer);
    }

    /// <summary>Serialises one framed message into a pooled array; the caller returns it to the pool.</summary>
    public static (byte[] Buffer, int Length) SerializeToPooled(IMessage message, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum of {maxSize} bytes.");
        }

        var total = GrpcProtocol.HeaderSize + size;
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        WriteHeader(buffer, size);
        message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, size));
        return (buffer, total);
    }

    private static void WriteHeader(Span<byte> span, int size)
    {
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
    }
}
