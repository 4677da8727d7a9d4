using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>Writes a call's final status: trailers, or a trailers-only response when nothing was sent yet.</summary>
internal static class GrpcResponse
{
    private static readonly string[] StatusStrings =
        Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    public static void WriteStatus(ServerCallContext call, GrpcStatus status, Metadata? errorTrailers)
    {
        var response = call.HttpContext.Response;
        if (!call.HeadersSent && !response.HasStarted)
        {
            // Trailers-Only: a single HEADERS frame with END_STREAM carrying the status.
            response.ContentType = GrpcProtocol.ContentType;
            WriteTo(response.Headers, status, call.HasResponseTrailers ? call.ResponseTrailers : null, errorTrailers);
            return;
        }

        var trailers = call.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is null || trailers.IsReadOnly)
        {
            return;
        }

        WriteTo(trailers, status, call.HasResponseTrailers ? call.ResponseTrailers : null, errorTrailers);
    }

    /// <summary>Answers a call that never reached a handler with a trailers-only status.</summary>
    public static void WriteTrailersOnly(HttpResponse response, StatusCode code, string detail)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        WriteTo(response.Headers, new GrpcStatus(code, detail), null, null);
    }

    private static void WriteTo(IHeaderDictionary headers, GrpcStatus status, Metadata? trailers, Metadata? errorTrailers)
    {
        var code = (int)status.StatusCode;
        headers[GrpcProtocol.StatusHeader] = code is >= 0 and < 17 ? StatusStrings[code] : code.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(status.Detail);
        }

        AppendMetadata(headers, trailers);
        AppendMetadata(headers, errorTrailers);
    }

    private static void AppendMetadata(IHeaderDictionary headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            if (GrpcProtocol.IsReservedHeader(entry.Key))
            {
                continue;
            }

            var value = entry.IsBinary ? GrpcProtocol.EncodeBinaryHeader(entry.ValueBytes!) : entry.Value!;
            headers[entry.Key] = StringValues.Concat(headers[entry.Key], value);
        }
    }
}
