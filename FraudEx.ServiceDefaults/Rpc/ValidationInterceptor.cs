using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>
/// Checks one request message kind. Register an implementation as a singleton (<c>AddRequestValidator</c>); the
/// <see cref="ValidationInterceptor"/> runs it before the handler.
/// </summary>
public interface IRequestValidator<in TRequest>
{
    /// <summary>Throws an <see cref="RpcException"/> (INVALID_ARGUMENT with field violations, see
    /// <see cref="RpcErrors.InvalidArgument"/>) when <paramref name="request"/> is not acceptable.</summary>
    void Validate(TRequest request);
}

/// <summary>
/// Runs the registered <see cref="IRequestValidator{TRequest}"/> of a unary or server-streaming call's request
/// before the handler, so a handler only ever sees requests that passed. Streaming requests are validated per message
/// by the handler (a bad message of a stream is answered in the stream, it does not end it).
/// </summary>
public sealed class ValidationInterceptor(IServiceProvider services) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        services.GetService<IRequestValidator<TRequest>>()?.Validate(request);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        services.GetService<IRequestValidator<TRequest>>()?.Validate(request);
        return continuation(request, responseStream, context);
    }
}
