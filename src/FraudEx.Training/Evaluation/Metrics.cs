namespace FraudEx.Training.Evaluation;

/// <summary>Ranking and threshold metrics over (score, label) pairs. Ties are handled as scikit-learn does:
/// equal scores form one threshold step, so results do not depend on row order.</summary>
public static class Metrics
{
    /// <summary>Area under the ROC curve (Mann–Whitney with mid-ranks for ties). NaN when a class is absent.</summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var order = SortDescending(scores);
        var (positives, negatives) = CountClasses(labels);
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        // Walk from the highest score down: each negative contributes the positives ranked above it (ties count half).
        double area = 0;
        long positivesAbove = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            long p = 0, n = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    p++;
                }
                else
                {
                    n++;
                }
                j++;
            }
            area += n * (positivesAbove + p / 2.0);
            positivesAbove += p;
            i = j;
        }
        return area / ((double)positives * negatives);
    }

    /// <summary>Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over distinct thresholds (scikit-learn's definition, no
    /// interpolation). NaN without positives.</summary>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var order = SortDescending(scores);
        var (positives, _) = CountClasses(labels);
        if (positives == 0)
        {
            return double.NaN;
        }
        double ap = 0;
        long tp = 0, predicted = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            long p = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    p++;
                }
                j++;
            }
            predicted += j - i;
            tp += p;
            if (p > 0)
            {
                ap += (double)p / positives * ((double)tp / predicted);
            }
            i = j;
        }
        return ap;
    }

    /// <summary>The best recall reachable while the false-positive rate stays at or below <paramref name="maxFpr"/>,
    /// and the threshold (flag when score ≥ threshold) that reaches it.</summary>
    public static (double Recall, float Threshold) RecallAtFpr(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double maxFpr)
    {
        var order = SortDescending(scores);
        var (positives, negatives) = CountClasses(labels);
        if (positives == 0 || negatives == 0)
        {
            return (double.NaN, float.NaN);
        }
        long tp = 0, fp = 0;
        var best = (Recall: 0.0, Threshold: float.PositiveInfinity);
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }
                j++;
            }
            if ((double)fp / negatives > maxFpr)
            {
                break;
            }
            best = ((double)tp / positives, scores[order[i]]);
            i = j;
        }
        return best;
    }

    /// <summary>Confusion counts when flagging score ≥ <paramref name="threshold"/>.</summary>
    public static Confusion At(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, float threshold)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var flagged = scores[i] >= threshold;
            if (labels[i])
            {
                if (flagged)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (flagged)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }
        return new Confusion(tp, fp, fn, tn);
    }

    /// <summary>The lowest threshold (so the highest recall) at which precision is at least
    /// <paramref name="minPrecision"/>; +∞ when no threshold reaches it.</summary>
    public static float ThresholdForPrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double minPrecision)
    {
        var order = SortDescending(scores);
        long tp = 0, predicted = 0;
        var threshold = float.PositiveInfinity;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    tp++;
                }
                predicted++;
                j++;
            }
            if ((double)tp / predicted >= minPrecision)
            {
                threshold = scores[order[i]];
            }
            i = j;
        }
        return threshold;
    }

    /// <summary>The highest threshold whose recall is at least <paramref name="minRecall"/>.</summary>
    public static float ThresholdForRecall(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double minRecall)
    {
        var order = SortDescending(scores);
        var (positives, _) = CountClasses(labels);
        if (positives == 0)
        {
            return float.NaN;
        }
        long tp = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    tp++;
                }
                j++;
            }
            if ((double)tp / positives >= minRecall)
            {
                return scores[order[i]];
            }
            i = j;
        }
        return scores[order[^1]];
    }

    /// <summary>The lowest threshold at which the share of rows flagged (score ≥ threshold) is at most
    /// <paramref name="maxShare"/>; +∞ when even the highest score flags more.</summary>
    public static float ThresholdForFlaggedShare(ReadOnlySpan<float> scores, double maxShare)
    {
        var order = SortDescending(scores);
        var threshold = float.PositiveInfinity;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                j++;
            }
            if ((double)j / order.Length > maxShare)
            {
                break;
            }
            threshold = scores[order[i]];
            i = j;
        }
        return threshold;
    }

    /// <summary>Row indices ordered by score, highest first; stable, so ties keep input order.</summary>
    internal static int[] SortDescending(ReadOnlySpan<float> scores)
    {
        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            keys[i] = -scores[i];
        }
        // Array.Sort is not stable; sorting (key, index) pairs makes it so.
        var pairs = new (float Key, int Index)[order.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = (keys[i], i);
        }
        Array.Sort(pairs);
        for (var i = 0; i < pairs.Length; i++)
        {
            order[i] = pairs[i].Index;
        }
        return order;
    }

    private static (long Positives, long Negatives) CountClasses(ReadOnlySpan<bool> labels)
    {
        long positives = 0;
        foreach (var l in labels)
        {
            if (l)
            {
                positives++;
            }
        }

        return (positives, labels.Length - positives);
    }
}

/// <summary>Counts at one threshold.</summary>
public readonly record struct Confusion(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? double.NaN : (double)TruePositives / (TruePositives + FalsePositives);
    public double Recall => TruePositives + FalseNegatives == 0 ? double.NaN : (double)TruePositives / (TruePositives + FalseNegatives);
    public double FalsePositiveRate => FalsePositives + TrueNegatives == 0 ? double.NaN : (double)FalsePositives / (FalsePositives + TrueNegatives);
}
