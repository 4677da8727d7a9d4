using System.Text.Json;

namespace FraudEx.Training.Training;

/// <summary>How a trained model uses one feature: its splits, their total gain, and whether the feature behaves like a
/// calendar (its splits separate training days from each other but the held-out weeks fall beyond all of them).</summary>
public sealed record FeatureUse(
    string Name, int Splits, double TotalGain, double GainShare, double MinSplit, double MaxSplit,
    double TrainShareBeyondSplits, double TestShareBeyondSplits)
{
    /// <summary>Splits that only sort the training window: see <see cref="ModelInspection.CalendarTestShare"/>.</summary>
    public bool CalendarLike => TestShareBeyondSplits >= ModelInspection.CalendarTestShare
        && TestShareBeyondSplits - TrainShareBeyondSplits >= ModelInspection.CalendarShift;
}

/// <summary>Reads a booster's trees (libxgboost's JSON) for per-feature gain and split thresholds.</summary>
public static class ModelInspection
{
    /// <summary>A feature is calendar-like when at least this share of its held-out values lies beyond every split
    /// threshold (above the largest or below the smallest) …</summary>
    public const double CalendarTestShare = 0.5;

    /// <summary>… and that share exceeds the training rows' by at least this much: the model learnt thresholds that
    /// only sort the training window's own days, and every later row falls off their end. fx-1's acct_age_days did
    /// exactly this (356 splits, all at ages inside the training window). A feature that means the same in every
    /// week has about the same share in both periods (a flag with its one split: all of them).</summary>
    public const double CalendarShift = 0.3;

    public static IReadOnlyList<FeatureUse> Inspect(byte[] boosterJson, IReadOnlyList<string> names, float[] trainX, float[] testX)
    {
        var columns = names.Count;
        var gain = new double[columns];
        var thresholds = new List<double>[columns];
        for (var c = 0; c < columns; c++)
        {
            thresholds[c] = [];
        }
        using var doc = JsonDocument.Parse(boosterJson);
        var trees = doc.RootElement.GetProperty("learner").GetProperty("gradient_booster").GetProperty("model").GetProperty("trees");
        foreach (var tree in trees.EnumerateArray())
        {
            var left = tree.GetProperty("left_children").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var feature = tree.GetProperty("split_indices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var condition = tree.GetProperty("split_conditions").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var loss = tree.GetProperty("loss_changes").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (var node = 0; node < left.Length; node++)
            {
                if (left[node] == -1)
                {
                    continue;
                }
                gain[feature[node]] += loss[node];
                thresholds[feature[node]].Add(condition[node]);
            }
        }
        var totalGain = gain.Sum();
        var result = new List<FeatureUse>();
        for (var c = 0; c < columns; c++)
        {
            if (thresholds[c].Count == 0)
            {
                continue;
            }
            var min = thresholds[c].Min();
            var max = thresholds[c].Max();
            var train = ShareBeyond(trainX, columns, c, min, max);
            var test = ShareBeyond(testX, columns, c, min, max);
            result.Add(new FeatureUse(names[c], thresholds[c].Count, gain[c], totalGain > 0 ? gain[c] / totalGain : 0, min, max, train, test));
        }
        return result.OrderByDescending(f => f.TotalGain).ToList();
    }

    /// <summary>Share of the rows with a value (not NaN) whose value is below the smallest split or at or above the
    /// largest (XGBoost sends x &lt; threshold left).</summary>
    private static double ShareBeyond(float[] x, int columns, int column, double min, double max)
    {
        long n = 0, beyond = 0;
        for (var i = column; i < x.Length; i += columns)
        {
            var v = x[i];
            if (float.IsNaN(v))
            {
                continue;
            }
            n++;
            if (v < min || v >= max)
            {
                beyond++;
            }
        }
        return n == 0 ? 0 : (double)beyond / n;
    }
}
