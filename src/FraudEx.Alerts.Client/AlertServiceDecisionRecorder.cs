using FraudEx.Contracts.V1;
using Grpc.Core;

namespace FraudEx.Alerts.Client;

/// <summary>Ships spooled batches through AlertService.RecordDecisions. INVALID_ARGUMENT is permanent (the batch is
/// quarantined); every other failure is retried by the spool.</summary>
public sealed class AlertServiceDecisionRecorder(AlertService.AlertServiceClient client) : IDecisionRecorder
{
    public async Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        var request = new RecordDecisionsRequest();
        request.Decisions.AddRange(decisions);
        try
        {
            await client.RecordDecisionsAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new DecisionsRejectedException(e.Status.Detail, e);
        }
    }
}
