using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace FraudEx.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection, still used by many tools. Its messages are wire-identical to v1's, so
/// each request is re-read as v1, answered by <see cref="GrpcReflectionService"/>, and the answer re-read as v1alpha.
/// </summary>
public sealed class GrpcReflectionV1AlphaService : IGrpcService
{
    private readonly GrpcReflectionService _v1;

    internal GrpcReflectionV1AlphaService(GrpcReflectionService v1) => _v1 = v1;

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(V1Alpha.ReflectionReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ServerReflection"))
            .DuplexStreaming<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse>("ServerReflectionInfo", InfoAsync);

    private async Task InfoAsync(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requests, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = _v1.Answer(request, sent);
            await responses.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
