using FraudEx.Grpc;
using FraudEx.Testing.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace FraudEx.Conformance;

/// <summary>
/// fraudex.testing.v1.ConformanceService on FraudEx.Grpc: every call kind, and every error path the proto's comments
/// describe. Thin: what a request asks for is decided by <see cref="EchoBehavior"/>.
/// </summary>
public sealed class ConformanceService(TimeProvider time) : IGrpcService
{
    public static ServiceDescriptor Descriptor { get; } =
        ConformanceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ConformanceService");

    public void Bind(GrpcServiceBinder binder)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.Service(Descriptor)
            .Unary<EchoRequest, EchoResponse>("Unary", UnaryAsync)
            .ServerStreaming<ServerStreamRequest, EchoResponse>("ServerStream", ServerStreamAsync)
            .ClientStreaming<EchoRequest, ClientStreamResponse>("ClientStream", ClientStreamAsync)
            .DuplexStreaming<EchoRequest, EchoResponse>("Bidi", BidiAsync);
    }

    private async Task<EchoResponse> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        EchoBehavior.Validate(request);
        if (request.EchoMetadata)
        {
            var (headers, trailers) = EchoBehavior.EchoedMetadata(context.RequestHeaders);
            await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
            foreach (var entry in trailers)
            {
                context.ResponseTrailers.Add(entry);
            }
        }

        await DelayAsync(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
        EchoBehavior.ThrowIfAsked(request.FailWith);
        return new EchoResponse { Payload = EchoBehavior.ResponsePayload(request), Sequence = 0 };
    }

    private async Task ServerStreamAsync(ServerStreamRequest request, IServerStreamWriter<EchoResponse> writer, ServerCallContext context)
    {
        EchoBehavior.Validate(request);
        var payload = EchoBehavior.Zeros(request.PayloadSize);
        for (var sequence = 0; sequence < request.Count; sequence++)
        {
            if (sequence > 0)
            {
                await DelayAsync(request.IntervalMs, context.CancellationToken).ConfigureAwait(false);
            }

            await writer.WriteAsync(new EchoResponse { Payload = payload, Sequence = sequence }, context.CancellationToken)
                .ConfigureAwait(false);
        }

        EchoBehavior.ThrowIfAsked(request.FailWith);
    }

    private async Task<ClientStreamResponse> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var response = new ClientStreamResponse();
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            EchoBehavior.Validate(request);
            await DelayAsync(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
            EchoBehavior.ThrowIfAsked(request.FailWith);
            response.Count++;
            response.TotalBytes += request.Payload.Length;
        }

        return response;
    }

    private async Task BidiAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoResponse> writer, ServerCallContext context)
    {
        var sequence = 0;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            EchoBehavior.Validate(request);
            await DelayAsync(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
            EchoBehavior.ThrowIfAsked(request.FailWith);
            await writer.WriteAsync(new EchoResponse { Payload = EchoBehavior.ResponsePayload(request), Sequence = sequence++ },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    // The call's token fires on client cancellation, deadline and shutdown, so a sleeping handler ends with its call.
    private Task DelayAsync(int milliseconds, CancellationToken cancellationToken) =>
        milliseconds > 0
            ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, cancellationToken)
            : Task.CompletedTask;
}
