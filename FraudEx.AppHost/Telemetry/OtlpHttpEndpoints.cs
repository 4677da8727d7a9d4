using System.IO.Compression;
using FraudEx.AppHost.Otlp.Proto.Collector.Logs;
using FraudEx.AppHost.Otlp.Proto.Collector.Metrics;
using FraudEx.AppHost.Otlp.Proto.Collector.Trace;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FraudEx.AppHost.Telemetry;

/// <summary>
/// OTLP/HTTP with binary protobuf payloads (POST /v1/traces, /v1/metrics, /v1/logs), as the OpenTelemetry .NET
/// exporter sends with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf.
/// </summary>
public static class OtlpHttpEndpoints
{
    // A batch larger than this is refused (413) instead of buffered: the receiver's memory stays bounded.
    private const int MaxBodyBytes = 16 * 1024 * 1024;
    private const string Protobuf = "application/x-protobuf";

    public static IEndpointRouteBuilder MapOtlpHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/traces", (HttpContext http, TelemetryStore store) =>
            ReceiveAsync(http, ExportTraceServiceRequest.Parser, r => store.AddSpans(OtlpConverter.ToSpans(r)), new ExportTraceServiceResponse()));
        endpoints.MapPost("/v1/metrics", (HttpContext http, TelemetryStore store) =>
            ReceiveAsync(http, ExportMetricsServiceRequest.Parser, r => store.AddMetrics(OtlpConverter.ToMetrics(r)), new ExportMetricsServiceResponse()));
        endpoints.MapPost("/v1/logs", (HttpContext http, TelemetryStore store) =>
            ReceiveAsync(http, ExportLogsServiceRequest.Parser, r => store.AddLogs(OtlpConverter.ToLogs(r)), new ExportLogsServiceResponse()));
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpContext http, MessageParser<TRequest> parser, Action<TRequest> store, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        var contentType = http.Request.ContentType ?? "";
        if (!contentType.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Text($"Only {Protobuf} is accepted (OTLP/HTTP binary encoding).", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        var body = http.Request.Body;
        if (string.Equals(http.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            buffer.Write(chunk, 0, read);
        }
        TRequest request;
        try
        {
            request = parser.ParseFrom(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Text("Malformed OTLP payload: " + e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        store(request);
        return Results.Bytes(response.ToByteArray(), Protobuf);
    }
}
