using FraudEx.Testing.V1;

namespace FraudEx.Grpc.Benchmarks;

/// <summary>The conformance contract's Unary (echo) and ServerStream, minimal, for measuring the transport.</summary>
public sealed class BenchmarkService : IGrpcService
{
    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(ConformanceReflection.Descriptor, "fraudex.testing.v1.ConformanceService")
            .Unary<EchoRequest, EchoResponse>("Unary", (request, _) => Task.FromResult(new EchoResponse { Payload = request.Payload }))
            .ServerStreaming<ServerStreamRequest, EchoResponse>("ServerStream", async (request, writer, context) =>
            {
                var response = new EchoResponse { Payload = Google.Protobuf.ByteString.CopyFrom(new byte[request.PayloadSize]) };
                for (var i = 0; i < request.Count; i++)
                {
                    response.Sequence = i;
                    await writer.WriteAsync(response, context.CancellationToken);
                }
            });
}
