using Microsoft.Extensions.Logging;

namespace FraudEx.Grpc.Internal.Server;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Call {Method} was cancelled by the client.")]
    public static partial void CallCancelledByClient(ILogger logger, string method);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Call {Method} exceeded its deadline of {Timeout}.")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Unexpected error in handler of {Method}; answered UNKNOWN.")]
    public static partial void HandlerError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Call {Method} ended with status {StatusCode}: {Detail}")]
    public static partial void RpcError(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Rejected {Path}: content-type '{ContentType}' is not application/grpc (415).")]
    public static partial void UnsupportedContentType(ILogger logger, string path, string? contentType);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Rejected {Path}: protocol {Protocol} is not HTTP/2 (426).")]
    public static partial void UnsupportedProtocol(ILogger logger, string path, string protocol);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Unimplemented gRPC method {Path}.")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Rejected {Path}: unsupported grpc-encoding '{Encoding}'.")]
    public static partial void UnsupportedEncoding(ILogger logger, string path, string encoding);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Call {Method} was cancelled because the server is shutting down.")]
    public static partial void CancelledByShutdown(ILogger logger, string method);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Invalid grpc-timeout '{Value}' on {Method}; treated as no deadline.")]
    public static partial void InvalidTimeout(ILogger logger, string method, string value);
}
