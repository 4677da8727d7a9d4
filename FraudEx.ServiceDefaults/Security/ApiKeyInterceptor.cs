using System.Collections.Frozen;
using FraudEx.ServiceDefaults.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>
/// Authenticates every call of the services it is added to against the <c>Auth</c> keys and authorizes it by the
/// services' <see cref="MethodRoles"/>: no or an unknown key is UNAUTHENTICATED, a key without the method's role is
/// PERMISSION_DENIED, before the handler (and the validation interceptor after this one) runs. Streaming calls are
/// checked once, when they start.
/// </summary>
public sealed partial class ApiKeyInterceptor : Interceptor
{
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly FrozenDictionary<string, ApiRole> _roles;
    private readonly ILogger<ApiKeyInterceptor> _logger;

    /// <summary>Creates the interceptor over every registered <see cref="MethodRoles"/> table.</summary>
    public ApiKeyInterceptor(ApiKeyAuthenticator authenticator, IEnumerable<MethodRoles> tables, ILogger<ApiKeyInterceptor> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _authenticator = authenticator;
        _logger = logger;
        _roles = tables.SelectMany(t => t.ByPath).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_roles.TryGetValue(context.Method, out var required))
        {
            // MethodRoles lists every method of a service; a method missing here belongs to a service that was given
            // this interceptor without a table, and only an administrator may call it.
            required = ApiRole.Admin;
        }

        var result = _authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), required);
        switch (result.Outcome)
        {
            case AuthOutcome.Allowed:
                return;
            case AuthOutcome.Forbidden:
                LogRefused(_logger, context.Method, "forbidden", result.KeyId ?? "");
                throw RpcErrors.PermissionDenied($"The API key lacks the {ApiKeyAuthenticator.RoleName(required)} role.");
            case AuthOutcome.Missing:
                LogRefused(_logger, context.Method, "missing", "");
                throw RpcErrors.Unauthenticated("An API key is required in the authorization metadata (\"Bearer <key>\").");
            default:
                LogRefused(_logger, context.Method, "invalid", "");
                throw RpcErrors.Unauthenticated("The API key is not valid.");
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Call {Method} refused ({Outcome}) for key {KeyId}")]
    private static partial void LogRefused(ILogger logger, string method, string outcome, string keyId);
}
