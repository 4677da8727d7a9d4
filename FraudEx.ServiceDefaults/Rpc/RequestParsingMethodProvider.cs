using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>
/// Binds a generated gRPC service's methods as Grpc.AspNetCore's own binder does (the generated <c>BindService</c>
/// found through <see cref="BindServiceMethodAttribute"/>, the handler the service class overrides, the class's and
/// the method's attributes as endpoint metadata, POST with CORS preflight), except that every request marshaller
/// turns a parse failure into INVALID_ARGUMENT (<see cref="RequestMessageErrors.WithParseErrors{T}"/>).
/// Registered in place of Grpc.AspNetCore's binder by <see cref="RequestMessageErrors.AddRequestMessageErrors"/>.
/// </summary>
internal sealed class RequestParsingMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (FindBindMethod() is not var (bindMethod, serviceBase))
        {
            // Not a generated service (e.g. Grpc.AspNetCore's ServerServiceDefinition marker): another provider binds it.
            return;
        }

        try
        {
            bindMethod.Invoke(null, [new Binder(context, serviceBase), null]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"Error binding gRPC service '{typeof(TService).Name}'.", e.InnerException);
        }
    }

    /// <summary>The generated <c>BindService(ServiceBinderBase, XBase)</c> and its service base class.</summary>
    private static (MethodInfo Method, Type ServiceBase)? FindBindMethod()
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } bind)
            {
                var method = bind.BindType.GetMethod(
                    bind.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type]);
                return method is null ? null : (method, type);
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type serviceBase) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(
                method.Name, [typeof(TRequest), typeof(ServerCallContext)]);
            context.AddUnaryMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, [typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddServerStreamingMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)]);
            context.AddClientStreamingMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddDuplexStreamingMethod(Wrap(method), metadata, invoker);
        }

        private static Method<TRequest, TResponse> Wrap<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name,
                RequestMessageErrors.WithParseErrors(method.RequestMarshaller, RequestMessageErrors.MessageName<TRequest>()),
                method.ResponseMarshaller);

        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string methodName, Type[] parameters)
            where TDelegate : Delegate
        {
            var handler = FindHandler(methodName, parameters)
                ?? throw new InvalidOperationException($"Could not find '{methodName}' on {typeof(TService)}.");
            var invoker = (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);

            // The class's attributes first, the method's last, so the method's win (as Grpc.AspNetCore orders them).
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return (invoker, metadata);
        }

        /// <summary>The public instance method that overrides <paramref name="methodName"/> of the service base class;
        /// a method of the same name that hides it is skipped.</summary>
        private MethodInfo? FindHandler(string methodName, Type[] parameters)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Instance, parameters);
                if (method is null)
                {
                    return null;
                }

                if (method.IsVirtual && method.GetBaseDefinition().DeclaringType == serviceBase)
                {
                    return method;
                }
            }

            return null;
        }
    }
}
