using System.Text;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>
/// Precise statuses for request bodies that are not what the method expects, on every gRPC service of the host.
/// </summary>
/// <remarks>
/// Grpc.AspNetCore reads and parses a unary or server-streaming request before any interceptor runs, and answers
/// any exception it meets there with UNKNOWN ("Exception was thrown by handler."), except an <see cref="RpcException"/>,
/// whose status it sends as it is. So the errors are turned into statuses where they are thrown:
/// <list type="bullet">
/// <item>Parsing: each method is bound with its request marshaller wrapped (<see cref="RequestParsingMethodProvider{TService}"/>
/// replaces Grpc.AspNetCore's own binder provider), and a message protobuf cannot parse becomes INVALID_ARGUMENT
/// "request message is not a valid fraudex.v1.ScoreRequest: &lt;reason&gt;". The same marshaller reads every message
/// of a stream (<c>IAsyncStreamReader.MoveNext</c> throws the status into the handler), so unary and streaming
/// calls answer alike.</item>
/// <item>Decompression: each compression provider's decompression stream is wrapped
/// (<see cref="DecompressionErrorsSetup"/>), and a compressed message that does not decompress becomes INTERNAL, as
/// gRPC's status code table prescribes ("Could not decompress, but compression algorithm supported").</item>
/// </list>
/// Both wrappers sit on the path every message takes but add only a try block and one delegate call (or one stream
/// call per read of a compressed message): no copy of the payload, nothing allocated per message.
/// Alternatives that were not taken: an interceptor sees a unary request only after it was parsed; middleware
/// cannot change a status the gRPC handler has already written; parsing the body ourselves would duplicate
/// Grpc.AspNetCore's framing and limits.
/// </remarks>
public static class RequestMessageErrors
{
    /// <summary>
    /// Puts the wrapping binder in place of Grpc.AspNetCore's (registered by <c>AddGrpc()</c>) and wraps the
    /// compression providers. Idempotent; call it after every <c>AddGrpc()</c>, since <c>AddGrpc()</c> adds its
    /// binder back when it is missing (both binders would map every method twice, and routing would refuse every call
    /// as ambiguous).
    /// </summary>
    public static IServiceCollection AddRequestMessageErrors(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var removed = false;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (IsGrpcBinderProvider(services[i]))
            {
                services.RemoveAt(i);
                removed = true;
            }
        }

        var ours = ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(RequestParsingMethodProvider<>));
        if (!removed && !services.Any(d => d.ServiceType == ours.ServiceType && d.ImplementationType == ours.ImplementationType))
        {
            throw new InvalidOperationException(
                "Grpc.AspNetCore's BinderServiceMethodProvider registration was not found: call AddGrpc() first, or adapt " +
                "RequestMessageErrors to the Grpc.AspNetCore version in use.");
        }

        services.TryAddEnumerable(ours);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<GrpcServiceOptions>, DecompressionErrorsSetup>());
        return services;
    }

    /// <summary>
    /// <paramref name="marshaller"/> with a deserializer that turns a parse failure into INVALID_ARGUMENT naming
    /// <paramref name="messageName"/>; the serializer is unchanged.
    /// </summary>
    public static Marshaller<T> WithParseErrors<T>(Marshaller<T> marshaller, string messageName)
    {
        ArgumentNullException.ThrowIfNull(marshaller);
        var deserialize = marshaller.ContextualDeserializer;
        var prefix = $"request message is not a valid {messageName}: ";
        return new Marshaller<T>(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, prefix + e.Message));
            }
        });
    }

    /// <summary>The protobuf full name of <typeparamref name="T"/> (e.g. fraudex.v1.ScoreRequest), else its CLR name.</summary>
    public static string MessageName<T>() =>
        typeof(IMessage).IsAssignableFrom(typeof(T)) && typeof(T).GetConstructor(Type.EmptyTypes) is { } constructor
            ? ((IMessage)constructor.Invoke(null)).Descriptor.FullName
            : typeof(T).Name;

    /// <summary>
    /// What Google.Protobuf throws for bytes that are not the message: <see cref="InvalidProtocolBufferException"/> for
    /// malformed protobuf (wrong wire type, bad length, truncation, an invalid tag, nesting past the recursion limit)
    /// and the strict UTF-8 decoder's <see cref="DecoderFallbackException"/> for invalid UTF-8 in a string field.
    /// Anything else (a bug, running out of memory) passes through unchanged.
    /// </summary>
    private static bool IsParseFailure(Exception e) => e is InvalidProtocolBufferException or DecoderFallbackException;

    private static bool IsGrpcBinderProvider(ServiceDescriptor d) =>
        d.ServiceType == typeof(IServiceMethodProvider<>)
        && d.ImplementationType is { IsGenericTypeDefinition: true } type
        && type.Assembly == typeof(IServiceMethodProvider<>).Assembly
        && type.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal);
}
