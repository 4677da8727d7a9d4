using FraudEx.Testing.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace FraudEx.Grpc.Tests.Infrastructure;

/// <summary>fraudex.testing.v1.ConformanceService as the tests need it, plus signals the tests wait on.</summary>
public sealed class TestConformanceService : IGrpcService
{
    public const string Unary = "/fraudex.testing.v1.ConformanceService/Unary";
    public const string ServerStream = "/fraudex.testing.v1.ConformanceService/ServerStream";
    public const string ClientStream = "/fraudex.testing.v1.ConformanceService/ClientStream";
    public const string Bidi = "/fraudex.testing.v1.ConformanceService/Bidi";

    /// <summary>Completes when a handler started and is waiting (delay_ms or interval_ms).</summary>
    public TaskCompletionSource HandlerWaiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the token's state when a waiting handler's CancellationToken fired.</summary>
    public TaskCompletionSource<bool> HandlerSawCancellation { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Messages a server-streaming handler has handed to WriteAsync and seen complete.</summary>
    public int MessagesWritten => _messagesWritten;

    private int _messagesWritten;

    /// <summary>Client addresses (one per connection) that made unary calls.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> UnaryPeers { get; } = new();

    /// <summary>The last request metadata a handler saw.</summary>
    public Metadata? LastRequestHeaders { get; private set; }

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(ConformanceReflection.Descriptor, "fraudex.testing.v1.ConformanceService")
            .Unary<EchoRequest, EchoResponse>("Unary", UnaryAsync)
            .ServerStreaming<ServerStreamRequest, EchoResponse>("ServerStream", ServerStreamAsync)
            .ClientStreaming<EchoRequest, ClientStreamResponse>("ClientStream", ClientStreamAsync)
            .DuplexStreaming<EchoRequest, EchoResponse>("Bidi", BidiAsync);

    private async Task<EchoResponse> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        LastRequestHeaders = context.RequestHeaders;
        UnaryPeers.TryAdd(context.Peer, 0);
        if (request.EchoMetadata)
        {
            await EchoMetadataAsync(context);
        }

        if (context.RequestHeaders.GetValue("x-throw") is { } secret)
        {
            throw new InvalidOperationException(secret);
        }

        if (context.RequestHeaders.GetValue("x-ignore-cancellation") is not null)
        {
            // A misbehaving handler: sleeps through its deadline.
            await Task.Delay(request.DelayMs, CancellationToken.None);
        }
        else
        {
            await WaitAsync(request.DelayMs, context.CancellationToken);
        }

        ThrowIfAsked(request.FailWith);
        return Respond(request, 0);
    }

    private async Task ServerStreamAsync(ServerStreamRequest request, IServerStreamWriter<EchoResponse> writer, ServerCallContext context)
    {
        var payload = ByteString.CopyFrom(new byte[request.PayloadSize]);
        for (var i = 0; i < request.Count; i++)
        {
            if (request.IntervalMs > 0 && i > 0)
            {
                await WaitAsync(request.IntervalMs, context.CancellationToken);
            }

            await writer.WriteAsync(new EchoResponse { Payload = payload, Sequence = i }, context.CancellationToken);
            Interlocked.Increment(ref _messagesWritten);
        }

        ThrowIfAsked(request.FailWith);
    }

    private async Task<ClientStreamResponse> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var response = new ClientStreamResponse();
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            ThrowIfAsked(request.FailWith);
            await WaitAsync(request.DelayMs, context.CancellationToken);
            response.Count++;
            response.TotalBytes += request.Payload.Length;
        }

        return response;
    }

    private async Task BidiAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoResponse> writer, ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("x-refuse") is not null)
        {
            // Refused before reading anything, as an authorization check would.
            throw new RpcException(StatusCode.PermissionDenied, "refused");
        }

        var sequence = 0;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            ThrowIfAsked(request.FailWith);
            await writer.WriteAsync(Respond(request, sequence++), context.CancellationToken);
        }
    }

    private async Task WaitAsync(int milliseconds, CancellationToken cancellationToken)
    {
        if (milliseconds <= 0)
        {
            return;
        }

        HandlerWaiting.TrySetResult();
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            HandlerSawCancellation.TrySetResult(cancellationToken.IsCancellationRequested);
            throw;
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith("x-echo-", StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.IsBinary)
            {
                headers.Add(entry.Key, entry.ValueBytes!);
                context.ResponseTrailers.Add(entry.Key[..^4] + "-trailer-bin", entry.ValueBytes!);
            }
            else
            {
                headers.Add(entry.Key, entry.Value!);
                context.ResponseTrailers.Add(entry.Key + "-trailer", entry.Value!);
            }
        }

        await context.WriteResponseHeadersAsync(headers);
    }

    private static void ThrowIfAsked(StatusSpec? spec)
    {
        if (spec is null || spec.Code == 0)
        {
            return;
        }

        if (spec.WithDetails)
        {
            var error = RpcErrors.InvalidArgument(spec.Message, [("payload", spec.Message)]);
            throw (StatusCode)spec.Code == StatusCode.InvalidArgument
                ? error
                : new RpcException((StatusCode)spec.Code, spec.Message, error.Trailers);
        }

        throw new RpcException((StatusCode)spec.Code, spec.Message);
    }

    private static EchoResponse Respond(EchoRequest request, int sequence) => new()
    {
        Payload = request.ResponseSize > 0 ? ByteString.CopyFrom(new byte[request.ResponseSize]) : request.Payload,
        Sequence = sequence,
    };
}
