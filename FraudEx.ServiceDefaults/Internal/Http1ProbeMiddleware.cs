using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>
/// Sits in front of a cleartext HTTP/2 endpoint and looks at a connection's first bytes without consuming them. The
/// HTTP/2 connection preface goes on to Kestrel untouched. Anything else is taken as HTTP/1.1: <c>GET /health</c> and
/// <c>GET /alive</c> are answered from the same health checks as the HTTP/2 endpoints, every other request with
/// 505 HTTP Version Not Supported (gRPC needs HTTP/2), and the connection is closed.
/// </summary>
internal sealed partial class Http1ProbeMiddleware(
    ConnectionDelegate next,
    HealthCheckService healthChecks,
    ILogger<Http1ProbeMiddleware> logger,
    TimeSpan firstBytesTimeout)
{
    // RFC 9113 section 3.4: every HTTP/2 connection with prior knowledge starts with these 24 octets.
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    // A probe's request head is tiny; a bigger one is not a probe.
    private const int MaxRequestHeadBytes = 8 * 1024;

    private const byte TlsHandshakeRecord = 0x16;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            // The limit covers the sniff and an HTTP/1.1 answer; an HTTP/2 connection leaves it behind with this block.
            timeout.CancelAfter(firstBytesTimeout);
            bool passThrough;
            try
            {
                passThrough = await SniffAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Nothing arrived in time (or the peer left): close like Kestrel closes an idle connection.
                connection.Abort();
                return;
            }

            if (!passThrough)
            {
                await AnswerHttp1Async(connection, timeout.Token).ConfigureAwait(false);
                return;
            }
        }

        await next(connection).ConfigureAwait(false);
    }

    /// <summary>Reads until the bytes seen either are the HTTP/2 preface or differ from it; consumes nothing.</summary>
    private static async Task<bool> SniffAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var verdict = Classify(buffer);
            if (verdict is null && !result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            input.AdvanceTo(buffer.Start);
            // A peer that closed before saying enough is handed to Kestrel, which ends the connection its own way.
            return verdict ?? true;
        }
    }

    /// <summary>True: HTTP/2 preface or TLS; false: something else; null: too few bytes to tell.</summary>
    internal static bool? Classify(ReadOnlySequence<byte> buffer)
    {
        // A TLS handshake record (an https endpoint configured outside the URLs, e.g. Kestrel:Endpoints) goes on to
        // Kestrel's TLS layer: only cleartext HTTP/1.1 is answered here.
        if (!buffer.IsEmpty && buffer.FirstSpan[0] == TlsHandshakeRecord)
        {
            return true;
        }

        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[Preface.Length];
        buffer.Slice(0, length).CopyTo(head);
        if (!head[..length].SequenceEqual(Preface[..length]))
        {
            return false;
        }

        return length == Preface.Length ? true : null;
    }

    private async Task AnswerHttp1Async(ConnectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            var request = await ReadRequestLineAsync(input, cancellationToken).ConfigureAwait(false);
            var response = request is null
                ? Response(431, "Request Header Fields Too Large", "request head too large\n", head: false)
                : await RespondAsync(request.Value, cancellationToken).ConfigureAwait(false);
            LogHttp1Request(logger, connection.ConnectionId, request?.Method ?? "?", request?.Path ?? "?", response.Status);
            await output.WriteAsync(response.Bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
            return;
        }
        catch (FormatException)
        {
            await output.WriteAsync(Response(400, "Bad Request", "malformed HTTP/1.1 request\n", head: false).Bytes, cancellationToken)
                .ConfigureAwait(false);
        }

        await output.CompleteAsync().ConfigureAwait(false);
        await input.CompleteAsync().ConfigureAwait(false);
    }

    private async Task<(int Status, byte[] Bytes)> RespondAsync((string Method, string Path) request, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        var predicate = HealthProbe.PredicateFor(path);
        if (predicate is null)
        {
            return Response(505, "HTTP Version Not Supported",
                "this endpoint speaks HTTP/2 with prior knowledge (gRPC); over HTTP/1.1 it serves only /health and /alive\n",
                head: request.Method == "HEAD");
        }

        if (request.Method is not ("GET" or "HEAD"))
        {
            return Response(405, "Method Not Allowed", "use GET or HEAD\n", head: false, extraHeaders: "Allow: GET, HEAD\r\n");
        }

        var report = await healthChecks.CheckHealthAsync(r => predicate(r), cancellationToken).ConfigureAwait(false);
        var status = HealthProbe.StatusCodeFor(report.Status);
        return Response(status, status == 200 ? "OK" : "Service Unavailable", report.Status.ToString(), head: request.Method == "HEAD");
    }

    /// <summary>Reads the request head; returns its method and target, or null when it exceeds the limit.</summary>
    private static async Task<(string Method, string Path)?> ReadRequestLineAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead))
            {
                // Parse before AdvanceTo: the pipe may reuse the memory of consumed bytes.
                (string Method, string Path)? request = head.Length > MaxRequestHeadBytes ? null : ParseRequestLine(head);
                input.AdvanceTo(reader.Position);
                return request;
            }

            if (buffer.Length > MaxRequestHeadBytes)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                throw new FormatException("The connection ended inside the request head.");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static (string Method, string Path) ParseRequestLine(ReadOnlySequence<byte> head)
    {
        var text = Encoding.ASCII.GetString(head);
        var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var line = lineEnd >= 0 ? text[..lineEnd] : text;
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length == 0)
        {
            throw new FormatException($"Not an HTTP/1.x request line: '{line}'.");
        }

        return (parts[0], parts[1]);
    }

    private static (int Status, byte[] Bytes) Response(int status, string reason, string body, bool head, string extraHeaders = "")
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        // The same cache headers ASP.NET Core's health check middleware sends: a probe must never see a cached answer.
        var headers =
            $"HTTP/1.1 {status} {reason}\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Cache-Control: no-store, no-cache\r\n" +
            "Pragma: no-cache\r\n" +
            $"Content-Length: {bodyBytes.Length}\r\n" +
            extraHeaders +
            "Connection: close\r\n\r\n";
        var headerBytes = Encoding.ASCII.GetBytes(headers);
        return (status, head ? headerBytes : [.. headerBytes, .. bodyBytes]);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug,
        Message = "HTTP/1.1 request on connection {ConnectionId}: {Method} {Path} answered {StatusCode}")]
    private static partial void LogHttp1Request(ILogger logger, string connectionId, string method, string path, int statusCode);
}
