using Microsoft.AspNetCore.Http;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>Answers gRPC calls to methods or services this server does not have with UNIMPLEMENTED (trailers-only).</summary>
internal static class UnimplementedHandler
{
    public static Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime, GrpcServiceRegistry registry)
    {
        if (!GrpcRequestValidator.Validate(httpContext, runtime))
        {
            return Task.CompletedTask;
        }

        var path = httpContext.Request.Path.Value ?? string.Empty;
        GrpcServerLog.Unimplemented(runtime.Logger, path);
        var (service, method) = GrpcProtocol.SplitMethod(path);
        var detail = registry.Contains(service)
            ? $"Method '{method}' of service '{service}' is unimplemented."
            : $"Service '{service}' is unimplemented.";
        GrpcResponse.WriteTrailersOnly(httpContext.Response, StatusCode.Unimplemented, detail);
        return Task.CompletedTask;
    }
}
