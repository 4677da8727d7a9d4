using FraudEx.Clients;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.Alerts.Client;

/// <summary>Ships spooled batches through AlertService.RecordDecisions. INVALID_ARGUMENT is permanent (the batch is
/// quarantined); every other failure is retried by the spool.</summary>
public sealed class AlertServiceDecisionRecorder(AlertServiceClient client) : IDecisionRecorder
{
    public async Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        var request = new RecordDecisionsRequest();
        request.Decisions.AddRange(decisions);
        try
        {
            await client.RecordDecisionsAsync(request, new CallOptions(cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new DecisionsRejectedException(e.Detail, e);
        }
    }
}
