using FraudEx.Grpc.Internal.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace FraudEx.Grpc;

/// <summary>Collects the methods a service serves. Passed to <see cref="IGrpcService.Bind"/>.</summary>
public sealed class GrpcServiceBinder
{
    internal List<ServerMethod> Methods { get; } = [];

    internal List<ServiceDescriptor> Services { get; } = [];

    /// <summary>
    /// Starts binding the methods of one service, e.g.
    /// <c>ScoringReflection.Descriptor.FindTypeByName&lt;ServiceDescriptor&gt;("ScoringService")</c> (Google.Protobuf's
    /// FindTypeByName takes the name without the package), or use the overload taking the file and a name.
    /// </summary>
    public GrpcServiceBuilder Service(ServiceDescriptor descriptor)
    {
        if (descriptor is null)
        {
            throw new ArgumentNullException(nameof(descriptor),
                "No service descriptor. FileDescriptor.FindTypeByName takes the service name without its package (\"ScoringService\", not \"fraudex.v1.ScoringService\"); Service(file, name) accepts either.");
        }

        Services.Add(descriptor);
        return new GrpcServiceBuilder(this, descriptor);
    }

    /// <summary>Starts binding the service named <paramref name="serviceName"/> (with or without its package) in <paramref name="file"/>.</summary>
    public GrpcServiceBuilder Service(FileDescriptor file, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        var descriptor = file.Services.FirstOrDefault(s => s.FullName == serviceName || s.Name == serviceName)
            ?? throw new InvalidOperationException($"{file.Name} declares no service '{serviceName}'.");
        return Service(descriptor);
    }
}

/// <summary>Binds handlers to the methods of one service; each method is checked against the descriptor.</summary>
public sealed class GrpcServiceBuilder
{
    private readonly GrpcServiceBinder _binder;
    private readonly ServiceDescriptor _service;

    internal GrpcServiceBuilder(GrpcServiceBinder binder, ServiceDescriptor service)
    {
        _binder = binder;
        _service = service;
    }

    public GrpcServiceBuilder Unary<TRequest, TResponse>(string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var descriptor = Describe<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: false);
        _binder.Methods.Add(new UnaryServerMethod<TRequest, TResponse>(descriptor, handler));
        return this;
    }

    public GrpcServiceBuilder ServerStreaming<TRequest, TResponse>(string method, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var descriptor = Describe<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: true);
        _binder.Methods.Add(new ServerStreamingServerMethod<TRequest, TResponse>(descriptor, handler));
        return this;
    }

    public GrpcServiceBuilder ClientStreaming<TRequest, TResponse>(string method, Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var descriptor = Describe<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: false);
        _binder.Methods.Add(new ClientStreamingServerMethod<TRequest, TResponse>(descriptor, handler));
        return this;
    }

    public GrpcServiceBuilder DuplexStreaming<TRequest, TResponse>(string method, Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var descriptor = Describe<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: true);
        _binder.Methods.Add(new DuplexStreamingServerMethod<TRequest, TResponse>(descriptor, handler));
        return this;
    }

    // A mismatch between the handler and the .proto is a programming error: fail at startup, not on the first call.
    private MethodDescriptor Describe<TRequest, TResponse>(string method, bool clientStreaming, bool serverStreaming)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var descriptor = _service.FindMethodByName(method)
            ?? throw new InvalidOperationException($"Service {_service.FullName} has no method '{method}'.");
        if (descriptor.IsClientStreaming != clientStreaming || descriptor.IsServerStreaming != serverStreaming)
        {
            throw new InvalidOperationException(
                $"{descriptor.FullName} is declared client_streaming={descriptor.IsClientStreaming}, server_streaming={descriptor.IsServerStreaming}; bound as client_streaming={clientStreaming}, server_streaming={serverStreaming}.");
        }

        var requestType = new TRequest().Descriptor;
        var responseType = new TResponse().Descriptor;
        if (requestType.FullName != descriptor.InputType.FullName || responseType.FullName != descriptor.OutputType.FullName)
        {
            throw new InvalidOperationException(
                $"{descriptor.FullName} takes {descriptor.InputType.FullName} and returns {descriptor.OutputType.FullName}; bound with {requestType.FullName} → {responseType.FullName}.");
        }

        return descriptor;
    }
}
