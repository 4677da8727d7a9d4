using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Internal;

/// <summary>Forwards labels to FeatureService.RecordLabels, at most 1,024 per call as the contract allows.</summary>
internal sealed class FeatureServiceLabelSink(FeatureService.FeatureServiceClient client, TimeProvider timeProvider) : ILabelSink
{
    private const int MaxPerCall = 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public async Task RecordLabelsAsync(IReadOnlyList<Label> labels, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < labels.Count; offset += MaxPerCall)
        {
            var request = new RecordLabelsRequest();
            request.Labels.AddRange(labels.Skip(offset).Take(MaxPerCall));
            var deadline = (timeProvider.GetUtcNow() + CallTimeout).UtcDateTime;
            await client.RecordLabelsAsync(request, deadline: deadline, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
