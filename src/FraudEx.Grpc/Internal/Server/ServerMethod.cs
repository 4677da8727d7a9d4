using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>
/// One served method. Validates the request, runs the handler with a <see cref="ServerCallContext"/>, and ends the
/// call with a status: in trailers, or trailers-only when nothing was sent yet.
/// </summary>
internal abstract class ServerMethod(MethodDescriptor descriptor)
{
    public MethodDescriptor Descriptor { get; } = descriptor;

    public MethodNames Names { get; } = new("/" + descriptor.Service.FullName + "/" + descriptor.Name);

    protected abstract Task InvokeAsync(ServerCallContext call);

    public async Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        if (!GrpcRequestValidator.Validate(httpContext, runtime))
        {
            return;
        }

        var bodySize = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            // Streams are unbounded by design; each message is bounded by MaxReceiveMessageSize instead.
            bodySize.MaxRequestBodySize = null;
        }

        var start = Stopwatch.GetTimestamp();
        var activity = GrpcTelemetry.Source.HasListeners() ? StartActivity(httpContext) : null;
        var call = new ServerCallContext(httpContext, Names, runtime);
        GrpcStatus status;
        Metadata? errorTrailers = null;
        try
        {
            try
            {
                await InvokeAsync(call).ConfigureAwait(false);
                status = GrpcStatus.Ok;
            }
            catch (Exception ex)
            {
                (status, errorTrailers) = MapException(ex, call, runtime);
            }

            if (!call.TryEnd())
            {
                status = new GrpcStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded; the stream was reset.");
            }
            else if (!httpContext.RequestAborted.IsCancellationRequested)
            {
                GrpcResponse.WriteStatus(call, status, errorTrailers);
            }
        }
        finally
        {
            call.Release();
        }

        if (activity is not null)
        {
            GrpcTelemetry.SetStatus(activity, status.StatusCode, isServer: true);
            activity.Dispose();
        }

        GrpcTelemetry.RecordDuration(GrpcTelemetry.ServerDuration, Names, status.StatusCode, start);
    }

    private Activity? StartActivity(HttpContext httpContext)
    {
        Activity? activity;
        var current = Activity.Current;
        var headers = httpContext.Request.Headers;
        if (current is not null && current.Source.HasListeners() && current.Recorded)
        {
            // ASP.NET Core's hosting span is exported (someone listens to it) and already continues the caller's
            // trace: nest under it.
            activity = GrpcTelemetry.Source.StartActivity(Names.SpanName, ActivityKind.Server);
        }
        else
        {
            // Otherwise a hosting activity that exists only for log scopes would be a parent no backend ever sees:
            // continue the caller's traceparent/tracestate directly, or start a new trace.
            Activity.Current = null;
            var traceState = headers[GrpcProtocol.TraceStateHeader].ToString();
            activity = ActivityContext.TryParse(headers[GrpcProtocol.TraceParentHeader].ToString(), traceState.Length > 0 ? traceState : null, isRemote: true, out var parent)
                ? GrpcTelemetry.Source.StartActivity(Names.SpanName, ActivityKind.Server, parent)
                : GrpcTelemetry.Source.StartActivity(Names.SpanName, ActivityKind.Server);
            if (activity is null)
            {
                Activity.Current = current;
            }
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", Names.Service);
            activity.SetTag("rpc.method", Names.Method);
            if (httpContext.Connection.RemoteIpAddress is { } ip)
            {
                activity.SetTag("client.address", ip.ToString());
                activity.SetTag("client.port", httpContext.Connection.RemotePort);
            }
        }

        return activity;
    }

    private (GrpcStatus Status, Metadata? Trailers) MapException(Exception ex, ServerCallContext call, GrpcServerRuntime runtime)
    {
        var logger = runtime.Logger;
        if (call.DeadlineExpired)
        {
            GrpcServerLog.DeadlineExceeded(logger, Names.Path, call.Timeout ?? TimeSpan.Zero);
            return (new GrpcStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
        }

        if (call.HttpContext.RequestAborted.IsCancellationRequested)
        {
            GrpcServerLog.CallCancelledByClient(logger, Names.Path);
            return (new GrpcStatus(StatusCode.Cancelled, "Call cancelled by the client."), null);
        }

        if (ex is RpcException rpc)
        {
            GrpcServerLog.RpcError(logger, Names.Path, rpc.StatusCode, rpc.Detail);
            return (rpc.Status, rpc.Trailers);
        }

        if (ex is OperationCanceledException && runtime.ShutdownToken.IsCancellationRequested)
        {
            GrpcServerLog.CancelledByShutdown(logger, Names.Path);
            return (new GrpcStatus(StatusCode.Unavailable, "The server is shutting down."), null);
        }

        GrpcServerLog.HandlerError(logger, Names.Path, ex);
        var detail = runtime.Options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"
            : "Exception was thrown by handler.";
        return (new GrpcStatus(StatusCode.Unknown, detail), null);
    }

    protected static async Task<T> ReadSingleMessageAsync<T>(ServerCallContext call)
        where T : class, IMessage<T>, new()
    {
        var message = await MessageFraming.ReadMessageAsync<T>(call.RequestBody, call.MaxReceiveMessageSize, call.Encoding, call.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "No request message received.");
        var extra = await MessageFraming.ReadMessageAsync<T>(call.RequestBody, call.MaxReceiveMessageSize, call.Encoding, call.CancellationToken).ConfigureAwait(false);
        if (extra is not null)
        {
            throw new RpcException(StatusCode.Internal, "More than one request message received for a method with a single request.");
        }

        return message;
    }
}

internal sealed class UnaryServerMethod<TRequest, TResponse>(MethodDescriptor descriptor, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
    : ServerMethod(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext call)
    {
        var request = await ReadSingleMessageAsync<TRequest>(call).ConfigureAwait(false);
        var response = await handler(request, call).ConfigureAwait(false);
        // No flush: Kestrel sends the message together with the trailers when the request delegate returns.
        call.WriteMessage(response ?? throw new InvalidOperationException("The handler returned a null response."));
    }
}

internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(MethodDescriptor descriptor, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
    : ServerMethod(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext call)
    {
        var request = await ReadSingleMessageAsync<TRequest>(call).ConfigureAwait(false);
        await handler(request, new ServerStreamWriter<TResponse>(call), call).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingServerMethod<TRequest, TResponse>(MethodDescriptor descriptor, Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
    : ServerMethod(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext call)
    {
        var response = await handler(new ServerStreamReader<TRequest>(call), call).ConfigureAwait(false);
        call.WriteMessage(response ?? throw new InvalidOperationException("The handler returned a null response."));
    }
}

internal sealed class DuplexStreamingServerMethod<TRequest, TResponse>(MethodDescriptor descriptor, Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
    : ServerMethod(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override Task InvokeAsync(ServerCallContext call) =>
        handler(new ServerStreamReader<TRequest>(call), new ServerStreamWriter<TResponse>(call), call);
}
