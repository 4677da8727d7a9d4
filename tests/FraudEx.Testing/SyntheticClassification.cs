namespace FraudEx.Testing;

/// <summary>A deterministic binary classification data set with missing values, for model tests and benchmarks.</summary>
/// <remarks>The label depends non-linearly on a few features (thresholds, an interaction), some features are noise,
/// and about <c>missingRate</c> of the values are NaN, so trees learn default directions for missing values.</remarks>
public sealed class SyntheticClassification
{
    private SyntheticClassification(float[] features, float[] labels, int rows, int columns)
    {
        Features = features;
        Labels = labels;
        Rows = rows;
        Columns = columns;
    }

    public float[] Features { get; }

    public float[] Labels { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Columns, Columns);

    public static SyntheticClassification Create(int rows, int columns = 8, int seed = 42, double missingRate = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 4);
        var random = new Random(seed);
        var features = new float[rows * columns];
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = features.AsSpan(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                row[c] = (float)(random.NextDouble() * 4 - 2);
            }

            // Integer-valued column: exercises splits that fall exactly on observed values.
            row[3] = MathF.Round(row[3] * 3);
            var logit = -2.0 + 1.5 * row[0] - 1.0 * row[1] * row[2] + (row[3] > 2 ? 1.2 : -0.3) + 0.5 * Math.Sin(row[0] * 3);
            for (var c = 0; c < columns; c++)
            {
                if (random.NextDouble() < missingRate)
                {
                    row[c] = float.NaN;
                }
            }

            if (float.IsNaN(row[0]))
            {
                logit += 0.8;
            }

            labels[r] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1f : 0f;
        }

        return new SyntheticClassification(features, labels, rows, columns);
    }
}
