using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>HTTP/2 frame types (RFC 9113 section 6).</summary>
public enum FrameType : byte
{
    Data = 0,
    Headers = 1,
    Priority = 2,
    RstStream = 3,
    Settings = 4,
    PushPromise = 5,
    Ping = 6,
    GoAway = 7,
    WindowUpdate = 8,
    Continuation = 9,
}

/// <summary>What the server did with one stream.</summary>
public sealed class H2Stream
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Id { get; init; }

    /// <summary>How many DATA bytes the server still lets this side send on the stream.</summary>
    internal long SendWindow { get; set; }

    /// <summary>Every header block received, decoded.</summary>
    public List<List<(string Name, string Value)>> HeaderBlocks { get; } = [];

    public MemoryStream Data { get; } = new();

    /// <summary>The RST_STREAM error code, when the server reset the stream.</summary>
    public uint? ResetCode { get; set; }

    public Task Ended => _ended.Task;

    public bool IsEnded => _ended.Task.IsCompleted;

    /// <summary>grpc-status from the trailers (or a trailers-only response); null when none arrived.</summary>
    public int? GrpcStatus => Header("grpc-status") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;

    public string? GrpcMessage => Header("grpc-message");

    public string? Header(string name) =>
        HeaderBlocks.SelectMany(b => b).Where(h => h.Name == name).Select(h => h.Value).LastOrDefault();

    internal void End() => _ended.TrySetResult();

    /// <summary>One line for the transcript: the gRPC status, an HTTP/2 reset, or nothing.</summary>
    public string Describe() => GrpcStatus is { } status
        ? $"grpc-status {status} {StatusName(status)}{(GrpcMessage is { Length: > 0 } m ? $" \"{Uri.UnescapeDataString(m)}\"" : "")}"
        : ResetCode is { } code ? $"RST_STREAM {H2Connection.ErrorName(code)}"
        : Header(":status") is { } http ? $"HTTP {http} without grpc-status" : "no answer";

    public static string StatusName(int code) => ((global::Grpc.Core.StatusCode)code).ToString();
}

/// <summary>
/// A deliberately minimal HTTP/2 client over a raw loopback socket (h2c, prior knowledge), for the abuse an ordinary
/// client refuses to produce: any frame in any order, no flow-control courtesy unless asked. It decodes HPACK (static
/// and dynamic table, no Huffman: Kestrel sends literals raw) so the gRPC status of each stream can be read.
/// </summary>
public sealed class H2Connection : IAsyncDisposable
{
    public const uint NoError = 0, ProtocolError = 1, InternalError = 2, FlowControlError = 3, Cancel = 8, RefusedStream = 7, EnhanceYourCalm = 11;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, H2Stream> _streams = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _serverSettings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HpackDecoder _decoder = new();
    private readonly System.Threading.Channels.Channel<(FrameType Type, byte Flags, int StreamId, byte[] Payload)> _control =
        System.Threading.Channels.Channel.CreateUnbounded<(FrameType, byte, int, byte[])>();
    private Task? _controlWriter;
    private readonly string _authority;
    private readonly bool _autoWindowUpdate;
    private readonly Lock _windows = new();
    private Task? _reader;
    private int _nextStreamId = 1;
    private long _connectionSendWindow = 65_535;
    private long _initialStreamWindow = 65_535;

    private H2Connection(TcpClient client, int port, bool autoWindowUpdate)
    {
        _client = client;
        _stream = client.GetStream();
        _authority = $"127.0.0.1:{port}";
        _autoWindowUpdate = autoWindowUpdate;
    }

    /// <summary>GOAWAY from the server: last stream id and error code.</summary>
    public (int LastStreamId, uint ErrorCode)? GoAway { get; private set; }

    private int _pingAcks;
    private int _settingsAcks;
    private long _dataBytesReceived;

    public int PingAcks => Volatile.Read(ref _pingAcks);

    public int SettingsAcks => Volatile.Read(ref _settingsAcks);

    public long DataBytesReceived => Interlocked.Read(ref _dataBytesReceived);

    /// <summary>The server's MAX_CONCURRENT_STREAMS, when it sent one.</summary>
    public uint? MaxConcurrentStreams { get; private set; }

    /// <summary>How the connection ended, as seen by the reader.</summary>
    public string CloseReason { get; private set; } = "closed";

    /// <summary>What ended the read loop when it was not the server closing the connection (a bug of this client).</summary>
    public Exception? ReaderError { get; private set; }

    /// <summary>Completes when the server closed the connection (or it failed).</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    public IReadOnlyCollection<H2Stream> Streams => (IReadOnlyCollection<H2Stream>)_streams.Values;

    /// <summary>Connects, sends the preface and SETTINGS (no dynamic HPACK table, push off, and the given initial
    /// window), and waits for the server's SETTINGS.</summary>
    /// <param name="autoWindowUpdate">Return every DATA byte's window at once; false makes a reader that never reads.</param>
    public static async Task<H2Connection> ConnectAsync(int port, bool autoWindowUpdate = true, int initialWindow = 65_535, CancellationToken cancellationToken = default)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var connection = new H2Connection(client, port, autoWindowUpdate);
        await connection._stream.WriteAsync(Preface, cancellationToken);
        await connection.SendSettingsAsync([(1, 0), (2, 0), (4, (uint)initialWindow)], cancellationToken);
        connection._reader = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
        connection._controlWriter = Task.Run(connection.ControlLoopAsync, CancellationToken.None);
        await connection._serverSettings.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        return connection;
    }

    /// <summary>Opens a stream with a gRPC request's headers for <paramref name="path"/>; returns it.</summary>
    public Task<H2Stream> StartGrpcAsync(string path, string? apiKey, bool endStream = false, IEnumerable<(string, string)>? extraHeaders = null, CancellationToken cancellationToken = default)
    {
        List<(string, string)> headers =
        [
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", _authority),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ];
        if (apiKey is not null)
        {
            headers.Add(("authorization", "Bearer " + apiKey));
        }

        headers.AddRange(extraHeaders ?? []);
        return OpenStreamAsync(headers, endStream, cancellationToken);
    }

    /// <summary>Sends a HEADERS frame on a new stream.</summary>
    public async Task<H2Stream> OpenStreamAsync(IReadOnlyList<(string Name, string Value)> headers, bool endStream, CancellationToken cancellationToken = default)
    {
        var block = HpackEncode(headers);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var id = _nextStreamId;
            _nextStreamId += 2;
            H2Stream stream;
            lock (_windows)
            {
                stream = new H2Stream { Id = id, SendWindow = _initialStreamWindow };
            }

            _streams[id] = stream;
            await WriteFrameUnlockedAsync(FrameType.Headers, (byte)(0x4 | (endStream ? 0x1 : 0)), id, block, cancellationToken);
            return stream;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends <paramref name="payload"/> as DATA frames of at most 16 KiB, within the flow-control windows
    /// the server granted (waiting for WINDOW_UPDATE when they are spent, as a conforming client must).</summary>
    public async Task SendDataAsync(int streamId, ReadOnlyMemory<byte> payload, bool endStream, CancellationToken cancellationToken = default)
    {
        var stream = _streams[streamId];
        do
        {
            int size;
            while (true)
            {
                lock (_windows)
                {
                    size = (int)Math.Min(Math.Min(payload.Length, 16_384), Math.Min(_connectionSendWindow, stream.SendWindow));
                    if (size > 0 || payload.IsEmpty)
                    {
                        _connectionSendWindow -= size;
                        stream.SendWindow -= size;
                        break;
                    }
                }

                if (IsClosed)
                {
                    throw new IOException("The connection is closed.");
                }

                await Task.Delay(5, cancellationToken);
            }

            var chunk = payload[..size];
            payload = payload[size..];
            await WriteFrameAsync(FrameType.Data, (byte)(endStream && payload.IsEmpty ? 0x1 : 0), streamId, chunk, cancellationToken);
        }
        while (!payload.IsEmpty);
    }

    public Task SendRstStreamAsync(int streamId, uint errorCode, CancellationToken cancellationToken = default)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, errorCode);
        return WriteFrameAsync(FrameType.RstStream, 0, streamId, payload, cancellationToken);
    }

    public Task SendPingAsync(long opaque, CancellationToken cancellationToken = default)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, opaque);
        return WriteFrameAsync(FrameType.Ping, 0, 0, payload, cancellationToken);
    }

    public Task SendSettingsAsync(IReadOnlyList<(ushort Id, uint Value)> settings, CancellationToken cancellationToken = default)
    {
        var payload = new byte[settings.Count * 6];
        for (var i = 0; i < settings.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 6 + 2), settings[i].Value);
        }

        return WriteFrameAsync(FrameType.Settings, 0, 0, payload, cancellationToken);
    }

    public Task SendWindowUpdateAsync(int streamId, int increment, CancellationToken cancellationToken = default)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        return WriteFrameAsync(FrameType.WindowUpdate, 0, streamId, payload, cancellationToken);
    }

    /// <summary>Writes one raw frame; the bytes are not checked.</summary>
    public async Task WriteFrameAsync(FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await WriteFrameUnlockedAsync(type, flags, streamId, payload, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits until the stream ended (END_STREAM or RST_STREAM), the connection closed, or the time is up.</summary>
    public async Task<bool> WaitEndedAsync(H2Stream stream, TimeSpan timeout)
    {
        await Task.WhenAny(stream.Ended, Closed, Task.Delay(timeout));
        return stream.IsEnded;
    }

    public static string ErrorName(uint code) => code switch
    {
        NoError => "NO_ERROR",
        ProtocolError => "PROTOCOL_ERROR",
        InternalError => "INTERNAL_ERROR",
        FlowControlError => "FLOW_CONTROL_ERROR",
        4 => "SETTINGS_TIMEOUT",
        5 => "STREAM_CLOSED",
        6 => "FRAME_SIZE_ERROR",
        RefusedStream => "REFUSED_STREAM",
        Cancel => "CANCEL",
        9 => "COMPRESSION_ERROR",
        EnhanceYourCalm => "ENHANCE_YOUR_CALM",
        _ => "0x" + code.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>One line: GOAWAY and closing, for the transcript.</summary>
    public string DescribeConnection() =>
        (GoAway is { } g ? $"GOAWAY {ErrorName(g.ErrorCode)} (last stream {g.LastStreamId})" : "no GOAWAY")
        + (IsClosed ? ", connection " + CloseReason : ", connection open")
        + (ReaderError is { } e ? $" (CLIENT READER FAILED: {e.GetType().Name}: {e.Message})" : "");

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        foreach (var task in new[] { _reader, _controlWriter })
        {
            if (task is not null)
            {
                await task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        _writeLock.Dispose();
    }

    private async Task WriteFrameUnlockedAsync(FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = (byte)type;
        header[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(5), streamId & 0x7FFFFFFF);
        await _stream.WriteAsync(header, cancellationToken);
        await _stream.WriteAsync(payload, cancellationToken);
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        var headerBlock = new MemoryStream();
        var blockStream = 0;
        var blockEndsStream = false;
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = (FrameType)header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF;
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload);
                switch (type)
                {
                    case FrameType.Settings when (flags & 0x1) != 0:
                        Interlocked.Increment(ref _settingsAcks);
                        break;
                    case FrameType.Settings:
                        for (var i = 0; i + 6 <= payload.Length; i += 6)
                        {
                            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
                            switch (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)))
                            {
                                case 3:
                                    MaxConcurrentStreams = value;
                                    break;
                                case 4:
                                    lock (_windows)
                                    {
                                        foreach (var open in _streams.Values)
                                        {
                                            open.SendWindow += value - _initialStreamWindow;
                                        }

                                        _initialStreamWindow = value;
                                    }

                                    break;
                            }
                        }

                        Control(FrameType.Settings, 0x1, 0, []);
                        _serverSettings.TrySetResult();
                        break;
                    case FrameType.Ping when (flags & 0x1) != 0:
                        Interlocked.Increment(ref _pingAcks);
                        break;
                    case FrameType.Ping:
                        Control(FrameType.Ping, 0x1, 0, payload);
                        break;
                    case FrameType.WindowUpdate:
                        var increment = BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7FFFFFFF;
                        lock (_windows)
                        {
                            if (streamId == 0)
                            {
                                _connectionSendWindow += increment;
                            }
                            else if (_streams.TryGetValue(streamId, out var window))
                            {
                                window.SendWindow += increment;
                            }
                        }

                        break;
                    case FrameType.GoAway:
                        GoAway = (BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7FFFFFFF, BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)));
                        break;
                    case FrameType.RstStream:
                        if (_streams.TryGetValue(streamId, out var reset))
                        {
                            reset.ResetCode = BinaryPrimitives.ReadUInt32BigEndian(payload);
                            reset.End();
                        }

                        break;
                    case FrameType.Data:
                        Interlocked.Add(ref _dataBytesReceived, length);
                        if (_streams.TryGetValue(streamId, out var data))
                        {
                            var padding = (flags & 0x8) != 0 ? payload[0] : 0;
                            var offset = (flags & 0x8) != 0 ? 1 : 0;
                            data.Data.Write(payload, offset, payload.Length - offset - padding);
                            if ((flags & 0x1) != 0)
                            {
                                data.End();
                            }
                        }

                        if (_autoWindowUpdate && length > 0)
                        {
                            Control(FrameType.WindowUpdate, 0, 0, Increment(length));
                            if ((flags & 0x1) == 0)
                            {
                                Control(FrameType.WindowUpdate, 0, streamId, Increment(length));
                            }
                        }

                        break;
                    case FrameType.Headers:
                    case FrameType.Continuation:
                        if (type == FrameType.Headers)
                        {
                            headerBlock.SetLength(0);
                            blockStream = streamId;
                            blockEndsStream = (flags & 0x1) != 0;
                            var offset = (flags & 0x8) != 0 ? 1 : 0;
                            var padding = (flags & 0x8) != 0 ? payload[0] : 0;
                            offset += (flags & 0x20) != 0 ? 5 : 0;
                            headerBlock.Write(payload, offset, payload.Length - offset - padding);
                        }
                        else
                        {
                            headerBlock.Write(payload);
                        }

                        if ((flags & 0x4) != 0)
                        {
                            // Decoded in arrival order: the dynamic table depends on it.
                            var decoded = _decoder.Decode(headerBlock.ToArray());
                            if (_streams.TryGetValue(blockStream, out var target))
                            {
                                lock (target.HeaderBlocks)
                                {
                                    target.HeaderBlocks.Add(decoded);
                                }

                                if (blockEndsStream)
                                {
                                    target.End();
                                }
                            }
                        }

                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            // The server (or this side) closed the connection: an orderly close reads as end of stream; a reset (the
            // server closed with frames of ours unread) loses whatever it sent last, a GOAWAY included.
            CloseReason = e is EndOfStreamException ? "closed" : e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset } ? "reset by the server" : "closed (" + e.GetType().Name + ")";
        }
        catch (Exception e)
        {
            ReaderError = e;
        }
        finally
        {
            _closed.TrySetResult();
            _serverSettings.TrySetResult();
            _control.Writer.TryComplete();
        }
    }

    // Acknowledgements and window updates are written by a task of their own: the reader never waits for the write
    // side, which a flood may hold for long, so the server's frames keep being read.
    private void Control(FrameType type, byte flags, int streamId, byte[] payload) => _control.Writer.TryWrite((type, flags, streamId, payload));

    private static byte[] Increment(int length)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, length);
        return payload;
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            await foreach (var (type, flags, streamId, payload) in _control.Reader.ReadAllAsync())
            {
                await WriteFrameAsync(type, flags, streamId, payload);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone.
        }
    }

    private static byte[] HpackEncode(IReadOnlyList<(string Name, string Value)> headers)
    {
        // Literal header field without indexing, new name (RFC 7541 6.2.2), raw strings: nothing for the server's
        // dynamic table, so each block stands alone.
        var output = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            output.WriteByte(0);
            WriteString(output, name);
            WriteString(output, value);
        }

        return output.ToArray();

        static void WriteString(MemoryStream output, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            HpackDecoder.WriteInteger(output, bytes.Length, 7, 0);
            output.Write(bytes);
        }
    }
}

/// <summary>HPACK decoding (RFC 7541) without Huffman: static table, dynamic table, all literal forms.</summary>
internal sealed class HpackDecoder
{
    private static readonly (string Name, string Value)[] Static =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];

    private readonly List<(string Name, string Value)> _dynamic = [];
    private int _maxSize = 4096;

    public List<(string Name, string Value)> Decode(byte[] block)
    {
        var result = new List<(string, string)>();
        var pos = 0;
        while (pos < block.Length)
        {
            var b = block[pos];
            if ((b & 0x80) != 0)
            {
                result.Add(Entry(ReadInteger(block, ref pos, 7)));
            }
            else if ((b & 0xC0) == 0x40)
            {
                var header = ReadLiteral(block, ref pos, 6);
                result.Add(header);
                Insert(header);
            }
            else if ((b & 0xE0) == 0x20)
            {
                _maxSize = ReadInteger(block, ref pos, 5);
                Evict();
            }
            else
            {
                result.Add(ReadLiteral(block, ref pos, 4));
            }
        }

        return result;
    }

    internal static void WriteInteger(Stream output, int value, int prefixBits, byte firstByteFlags)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            output.WriteByte((byte)(firstByteFlags | value));
            return;
        }

        output.WriteByte((byte)(firstByteFlags | max));
        value -= max;
        while (value >= 128)
        {
            output.WriteByte((byte)((value & 0x7F) | 0x80));
            value >>= 7;
        }

        output.WriteByte((byte)value);
    }

    private (string, string) ReadLiteral(byte[] block, ref int pos, int prefixBits)
    {
        var index = ReadInteger(block, ref pos, prefixBits);
        var name = index == 0 ? ReadString(block, ref pos) : Entry(index).Name;
        return (name, ReadString(block, ref pos));
    }

    private (string Name, string Value) Entry(int index) =>
        index <= Static.Length ? Static[index - 1] : _dynamic[index - Static.Length - 1];

    private void Insert((string Name, string Value) header)
    {
        _dynamic.Insert(0, header);
        Evict();
    }

    private void Evict()
    {
        while (_dynamic.Count > 0 && _dynamic.Sum(h => h.Name.Length + h.Value.Length + 32) > _maxSize)
        {
            _dynamic.RemoveAt(_dynamic.Count - 1);
        }
    }

    private static int ReadInteger(byte[] block, ref int pos, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        var value = block[pos++] & max;
        if (value < max)
        {
            return value;
        }

        var shift = 0;
        byte b;
        do
        {
            b = block[pos++];
            value += (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        return value;
    }

    private static string ReadString(byte[] block, ref int pos)
    {
        var huffman = (block[pos] & 0x80) != 0;
        var length = ReadInteger(block, ref pos, 7);
        var text = huffman ? "<huffman>" : Encoding.UTF8.GetString(block, pos, length);
        pos += length;
        return text;
    }
}
