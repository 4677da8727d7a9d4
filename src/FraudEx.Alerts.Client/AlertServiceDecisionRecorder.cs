using FraudEx.Contracts.V1;
using Grpc.Core;

namespace FraudEx.Alerts.Client;

/// <summary>Ships spooled batches through AlertService.RecordDecisions, as the bytes the spool holds. INVALID_ARGUMENT is
/// permanent (the batch is quarantined); every other failure is retried by the spool.</summary>
public sealed class AlertServiceDecisionRecorder(DecisionShipClient client) : IDecisionRecorder
{
    /// <inheritdoc />
    public async Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        using var batch = SpooledDecisions.From(decisions);
        await RecordAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RecordAsync(SpooledDecisions decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        try
        {
            await client.RecordDecisionsAsync(decisions, new CallOptions(cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new DecisionsRejectedException(e.Status.Detail, e);
        }
    }
}
