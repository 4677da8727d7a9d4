using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FraudEx.Features.Grpc;

/// <summary>The service's ActivitySource and Meter, both named "FraudEx.Features".</summary>
public sealed class FeatureTelemetry : IDisposable
{
    public const string Name = "FraudEx.Features";

    private readonly Meter _meter;
    private readonly Counter<long> _transactions;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<double> _batchDuration;

    public FeatureTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _transactions = _meter.CreateCounter<long>("fraudex.features.transactions", description: "Transactions folded into entity state.");
        _duplicates = _meter.CreateCounter<long>("fraudex.features.duplicates", description: "Transactions recognised as already seen.");
        _batchDuration = _meter.CreateHistogram<double>("fraudex.features.batch.duration", unit: "s", description: "ComputeFeatures time spent in the store.");
    }

    public ActivitySource Source { get; } = new(Name);

    public void Record(IReadOnlyList<ComputedVector> vectors, TimeSpan elapsed)
    {
        var duplicates = vectors.Count(v => v.Duplicate);
        _transactions.Add(vectors.Count - duplicates);
        _duplicates.Add(duplicates);
        _batchDuration.Record(elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
