using Microsoft.AspNetCore.Http;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>Rejects requests that are not gRPC over HTTP/2 before any handler runs.</summary>
internal static class GrpcRequestValidator
{
    /// <summary>True when the call may proceed; otherwise the response is already set.</summary>
    public static bool Validate(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        var request = httpContext.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec's guidance: 415, so plain HTTP clients do not read a gRPC error (HTTP 200) as success.
            GrpcServerLog.UnsupportedContentType(runtime.Logger, request.Path, request.ContentType);
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return false;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs HTTP/2 (trailers, multiplexed streams); tell an HTTP/1.1 client to upgrade.
            GrpcServerLog.UnsupportedProtocol(runtime.Logger, request.Path, request.Protocol);
            httpContext.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            httpContext.Response.Headers.Upgrade = "h2c";
            httpContext.Response.Headers.Connection = "Upgrade";
            return false;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0)
        {
            var value = encoding.ToString();
            if (!value.Equals("identity", StringComparison.OrdinalIgnoreCase) && !value.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                GrpcServerLog.UnsupportedEncoding(runtime.Logger, request.Path, value);
                GrpcResponse.WriteTrailersOnly(httpContext.Response, StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding '{value}'. Supported: {GrpcProtocol.SupportedEncodings}.");
                httpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
                return false;
            }
        }

        return true;
    }
}
