using FraudEx.Training.Simulation;

namespace FraudEx.Training.Evaluation;

/// <summary>Recall of one fraud scenario at the two decision thresholds.</summary>
public sealed record ScenarioRecall(long Frauds, double RecallAtReview, double RecallAtDecline);

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

    public static EvaluationResult Evaluate(float[] scores, bool[] labels, FraudScenario[] scenarios, float review, float decline)
    {
        var byScenario = new Dictionary<FraudScenario, ScenarioRecall>();
        foreach (var s in FraudScenarios.Fraudulent)
        {
            long n = 0, atReview = 0, atDecline = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                if (scenarios[i] != s)
                {
                    continue;
                }
                n++;
                atReview += scores[i] >= review ? 1 : 0;
                atDecline += scores[i] >= decline ? 1 : 0;
            }
            byScenario[s] = new ScenarioRecall(n, n == 0 ? double.NaN : (double)atReview / n, n == 0 ? double.NaN : (double)atDecline / n);
        }
        return new EvaluationResult(
            scores.Length,
            labels.LongCount(l => l),
            Metrics.AveragePrecision(scores, labels),
            Metrics.RocAuc(scores, labels),
            Metrics.RecallAtFpr(scores, labels, 0.001).Recall,
            Metrics.RecallAtFpr(scores, labels, 0.01).Recall,
            review,
            decline,
            Metrics.At(scores, labels, review),
            Metrics.At(scores, labels, decline),
            byScenario);
    }
}
