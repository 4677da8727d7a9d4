using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>
/// Logs how each call ended (method, status, milliseconds) at Debug, and refusals the service decided (any status
/// but OK, CANCELLED, DEADLINE_EXCEEDED and the authentication refusals) at Information. Unexpected exceptions are logged by Grpc.AspNetCore
/// itself, which answers them with UNKNOWN and no internals. When Debug is off, successful calls cost nothing here.
/// </summary>
public sealed partial class CallLoggingInterceptor(ILogger<CallLoggingInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return logger.IsEnabled(LogLevel.Debug)
            ? LoggedAsync(context, () => continuation(request, context))
            : RefusalsLoggedAsync(context, continuation(request, context));
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return LoggedAsync(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return LoggedAsync(context, () => continuation(requestStream, context));
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return LoggedAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    private async Task<T> RefusalsLoggedAsync<T>(ServerCallContext context, Task<T> call)
    {
        if (call.IsCompletedSuccessfully)
        {
            return call.Result;
        }

        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (RpcException e) when (IsRefusal(e.StatusCode))
        {
            LogRefused(logger, context.Method, e.StatusCode, e.Status.Detail);
            throw;
        }
    }

    private async Task<T> LoggedAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            LogEnded(logger, context.Method, StatusCode.OK, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (RpcException e)
        {
            if (IsRefusal(e.StatusCode))
            {
                LogRefused(logger, context.Method, e.StatusCode, e.Status.Detail);
            }

            LogEnded(logger, context.Method, e.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    // Cancelled and late calls are the client's doing; UNAUTHENTICATED and PERMISSION_DENIED are logged, with the key
    // id, by ApiKeyInterceptor.
    private static bool IsRefusal(StatusCode code) =>
        code is not (StatusCode.OK or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Unauthenticated or StatusCode.PermissionDenied);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Debug, Message = "gRPC call {Method} ended {StatusCode} after {ElapsedMs:0.000} ms")]
    private static partial void LogEnded(ILogger logger, string method, StatusCode statusCode, double elapsedMs);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Information, Message = "gRPC call {Method} answered {StatusCode}: {Detail}")]
    private static partial void LogRefused(ILogger logger, string method, StatusCode statusCode, string detail);
}
