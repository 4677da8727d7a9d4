using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.Scoring.Pipeline;

/// <summary>The spool's transport: AlertService.RecordDecisions; INVALID_ARGUMENT is permanent, the rest is retried.</summary>
internal sealed class RecordDecisionsRecorder(GrpcChannel channel) : IDecisionRecorder
{
    public async Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        var request = new RecordDecisionsRequest();
        request.Decisions.Add(decisions);
        try
        {
            await channel.UnaryAsync<RecordDecisionsRequest, RecordDecisionsResponse>(
                "/fraudex.v1.AlertService/RecordDecisions", request, new CallOptions(cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new DecisionsRejectedException(e.Detail, e);
        }
    }
}
