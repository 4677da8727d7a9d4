using FraudEx.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FraudEx.Alerts.Client;

/// <summary>
/// A gRPC client of one method, <c>fraudex.v1.AlertService/RecordDecisions</c>, whose request is a
/// <see cref="SpooledDecisions"/> batch written to the wire as the bytes the spool holds (the same bytes the generated
/// client would write for a <see cref="RecordDecisionsRequest"/> of those decisions). Register it like a generated
/// client (<c>AddGrpcClient</c>): it takes the channel, handlers and interceptors configured for it.
/// </summary>
public sealed class DecisionShipClient : ClientBase<DecisionShipClient>
{
    private static readonly Method<SpooledDecisions, RecordDecisionsResponse> RecordDecisions = new(
        MethodType.Unary,
        AlertService.Descriptor.FullName,
        "RecordDecisions",
        new Marshaller<SpooledDecisions>(
            (batch, context) =>
            {
                context.SetPayloadLength(batch.RequestSize);
                batch.WriteRequest(context.GetBufferWriter());
                context.Complete();
            },
            (DeserializationContext _) => throw new NotSupportedException("A spooled batch is only ever sent.")),
        new Marshaller<RecordDecisionsResponse>(
            (response, context) =>
            {
                context.SetPayloadLength(response.CalculateSize());
                response.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            (DeserializationContext context) => RecordDecisionsResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    /// <summary>A client over <paramref name="callInvoker"/> (what <c>AddGrpcClient</c> hands a client).</summary>
    public DecisionShipClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>A client over <paramref name="channel"/>.</summary>
    public DecisionShipClient(ChannelBase channel)
        : base(channel)
    {
    }

    private DecisionShipClient(ClientBaseConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>Sends <paramref name="decisions"/> as one RecordDecisions call.</summary>
    public AsyncUnaryCall<RecordDecisionsResponse> RecordDecisionsAsync(SpooledDecisions decisions, CallOptions options) =>
        CallInvoker.AsyncUnaryCall(RecordDecisions, null, options, decisions);

    /// <inheritdoc />
    protected override DecisionShipClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);
}
