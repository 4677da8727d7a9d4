namespace FraudEx.Grpc;

/// <summary>A gRPC service: binds its handlers to the methods of its descriptor. Map it with <c>app.MapGrpcService&lt;T&gt;()</c>.</summary>
public interface IGrpcService
{
    void Bind(GrpcServiceBinder binder);
}
