using FraudEx.Features.Engine;
using FraudEx.Training.Simulation;

namespace FraudEx.Training.Training;

/// <summary>Replayed feature vectors (row-major, <see cref="FeatureSchema"/> order) with what evaluation needs per row.</summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(float[] values, int columns, bool[] labels, int[] days, FraudScenario[] scenarios, string[] accounts)
    {
        Values = values;
        Columns = columns;
        Labels = labels;
        Days = days;
        Scenarios = scenarios;
        Accounts = accounts;
    }

    public float[] Values { get; }
    public int Columns { get; }
    public bool[] Labels { get; }
    /// <summary>Day index from the start of the history (UTC days).</summary>
    public int[] Days { get; }
    public FraudScenario[] Scenarios { get; }
    public string[] Accounts { get; }
    public int Rows => Labels.Length;

    public ReadOnlySpan<float> Row(int i) => Values.AsSpan(i * Columns, Columns);

    /// <summary>Copies the given rows and the first <paramref name="columns"/> columns into a dense block.</summary>
    public float[] Slice(IReadOnlyList<int> rows, int columns)
    {
        var result = new float[rows.Count * columns];
        for (var r = 0; r < rows.Count; r++)
        {
            Values.AsSpan(rows[r] * Columns, columns).CopyTo(result.AsSpan(r * columns, columns));
        }
        return result;
    }

    /// <summary>Copies the given rows and columns (in the given order) into a dense block.</summary>
    public float[] Slice(IReadOnlyList<int> rows, IReadOnlyList<int> columns)
    {
        var result = new float[rows.Count * columns.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            var source = Values.AsSpan(rows[r] * Columns, Columns);
            var target = result.AsSpan(r * columns.Count, columns.Count);
            for (var c = 0; c < target.Length; c++)
            {
                target[c] = source[columns[c]];
            }
        }
        return result;
    }

    public float[] LabelsOf(IReadOnlyList<int> rows)
    {
        var result = new float[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            result[r] = Labels[rows[r]] ? 1f : 0f;
        }
        return result;
    }

    public bool[] BoolLabelsOf(IReadOnlyList<int> rows) => rows.Select(r => Labels[r]).ToArray();
}

/// <summary>Which features a model sees.</summary>
public static class FeatureSets
{
    /// <summary>Features computed from the transaction alone (amount, time, channel, card present, MCC group,
    /// country mismatch): what the scoring service still has when behavioural features are unavailable, and what
    /// the raw-field baseline is trained on. They come first in the schema.</summary>
    public static int TransactionOnlyCount { get; } = FeatureSchema.IndexOf("acct_count_1h");

    /// <summary>Sets every behavioural feature (account, merchant, device, IP) of a row to NaN, as a degraded score sees it.</summary>
    public static void Degrade(Span<float> row) => row[TransactionOnlyCount..].Fill(float.NaN);
}
