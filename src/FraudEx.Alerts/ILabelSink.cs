using FraudEx.Contracts.V1;

namespace FraudEx.Alerts;

/// <summary>Where confirmed labels go after they are stored: the feature service's RecordLabels in production.</summary>
public interface ILabelSink
{
    /// <summary>Hands labels over; throws when they were not accepted (they are retried later).</summary>
    Task RecordLabelsAsync(IReadOnlyList<Label> labels, CancellationToken cancellationToken);
}
