using FraudEx.Training.Simulation;

namespace FraudEx.Training.Evaluation;

/// <summary>Recall of one fraud scenario at the two decision thresholds and at the threshold of 0.1 % false-positive rate.</summary>
public sealed record ScenarioRecall(long Frauds, double RecallAtReview, double RecallAtDecline, double RecallAtFpr01 = double.NaN);

/// <summary>Everything the model card reports for one model on one period.</summary>
public sealed record EvaluationResult(
    long Rows,
    long Frauds,
    double PrAuc,
    double RocAuc,
    double RecallAtFpr01,
    double RecallAtFpr1,
    float ReviewThreshold,
    float DeclineThreshold,
    Confusion AtReview,
    Confusion AtDecline,
    IReadOnlyDictionary<FraudScenario, ScenarioRecall> ByScenario)
{
    /// <summary>Share of transactions flagged for review or worse.</summary>
    public double ReviewRate => (double)(AtReview.TruePositives + AtReview.FalsePositives) / Rows;

    /// <summary>Genuine transactions at or above the DECLINE threshold.</summary>
    public long FalseDeclines => AtDecline.FalsePositives;

    /// <summary>Score threshold of the 0.1 % false-positive rate on these rows.</summary>
    public float Fpr01Threshold { get; init; } = float.NaN;

    public static EvaluationResult Evaluate(float[] scores, bool[] labels, FraudScenario[] scenarios, float review, float decline)
    {
        var (recallAtFpr01, fpr01) = Metrics.RecallAtFpr(scores, labels, 0.001);
        var byScenario = new Dictionary<FraudScenario, ScenarioRecall>();
        foreach (var s in FraudScenarios.Fraudulent)
        {
            long n = 0, atReview = 0, atDecline = 0, atFpr = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                if (scenarios[i] != s)
                {
                    continue;
                }
                n++;
                atReview += scores[i] >= review ? 1 : 0;
                atDecline += scores[i] >= decline ? 1 : 0;
                atFpr += scores[i] >= fpr01 ? 1 : 0;
            }
            byScenario[s] = new ScenarioRecall(n, n == 0 ? double.NaN : (double)atReview / n, n == 0 ? double.NaN : (double)atDecline / n,
                n == 0 ? double.NaN : (double)atFpr / n);
        }
        return new EvaluationResult(
            scores.Length,
            labels.LongCount(l => l),
            Metrics.AveragePrecision(scores, labels),
            Metrics.RocAuc(scores, labels),
            recallAtFpr01,
            Metrics.RecallAtFpr(scores, labels, 0.01).Recall,
            review,
            decline,
            Metrics.At(scores, labels, review),
            Metrics.At(scores, labels, decline),
            byScenario)
        { Fpr01Threshold = fpr01 };
    }
}
