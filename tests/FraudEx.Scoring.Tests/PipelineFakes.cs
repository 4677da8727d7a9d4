using System.Collections.Concurrent;
using FraudEx.Contracts.V1;
using FraudEx.Scoring.Pipeline;

namespace FraudEx.Scoring.Tests;

/// <summary>A four-feature schema: log amount (transaction-only), then three behavioural features.</summary>
internal sealed class FakeCatalog(string version = "fx-test") : IFeatureCatalog
{
    public string Version { get; } = version;

    public IReadOnlyList<FeatureDescriptor> Features { get; } =
        Enumerable.Range(0, 4).Select(i => new FeatureDescriptor { Index = i, Name = $"f{i}", Description = $"feature {i}" }).ToList();

    public void ComputeTransactionOnly(Transaction transaction, Span<float> vector)
    {
        vector.Fill(float.NaN);
        vector[0] = MathF.Log(transaction.AmountMinor);
    }

    public (string Code, string Sentence) Describe(int index, float value) => ($"F{index}", $"Feature {index} is {value}.");
}

/// <summary>Behavioural features keyed from the amount, with the feature service's duplicate detection.</summary>
internal sealed class FakeFeatureSource : IFeatureSource
{
    private readonly ConcurrentDictionary<string, float[]> seen = new();

    public TimeSpan Delay { get; set; }

    public Exception? Failure { get; set; }

    public string SchemaVersion { get; set; } = "fx-test";

    public int Calls;

    public async ValueTask<FeatureBatch> ComputeAsync(IReadOnlyList<Transaction> transactions, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        var vectors = new float[transactions.Count][];
        var duplicates = new bool[transactions.Count];
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            var fresh = new[] { MathF.Log(tx.AmountMinor), 1f, 2f, tx.AmountMinor / 10_000f };
            vectors[i] = seen.GetOrAdd(tx.TransactionId, fresh);
            duplicates[i] = !ReferenceEquals(vectors[i], fresh);
        }

        return new FeatureBatch(SchemaVersion, vectors, duplicates);
    }
}

/// <summary>
/// Probability = amount feature (f3) clamped, NaN-aware; contributions = the feature values themselves (0 for NaN).
/// </summary>
internal sealed class FakeModel(string version, string schema = "fx-test", int features = 4, float offset = 0) : IScoringModel
{
    public string ModelId => "fraud";

    public string Version { get; } = version;

    public string FeatureSchemaVersion { get; } = schema;

    public int FeatureCount { get; } = features;

    public Thresholds Thresholds { get; } = new() { Review = 0.5, Decline = 0.9 };

    public bool Disposed { get; private set; }

    public int Runs;

    public float[] Score(float[] features, int rows)
    {
        Interlocked.Increment(ref Runs);
        var result = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var v = features[r * FeatureCount + 3];
            result[r] = float.IsNaN(v) ? 0.05f : Math.Clamp(v + offset, 0f, 1f);
        }

        return result;
    }

    public void Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        for (var f = 0; f < FeatureCount; f++)
        {
            contributions[f] = float.IsNaN(row[f]) ? 0 : row[f];
        }

        contributions[FeatureCount] = -1;
    }

    public void Dispose() => Disposed = true;
}

internal sealed class CollectingHandOff : IDecisionHandOff
{
    public ConcurrentQueue<DecisionRecord> Records { get; } = new();

    public bool Fail { get; set; }

    public ValueTask HandOffAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new IOException("spool unavailable");
        }

        foreach (var d in decisions)
        {
            Records.Enqueue(d);
        }

        return ValueTask.CompletedTask;
    }
}
