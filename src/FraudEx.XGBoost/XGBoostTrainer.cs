using System.Globalization;

namespace FraudEx.XGBoost;

/// <summary>What to train: XGBoost parameters plus the boosting schedule.</summary>
public sealed record TrainingOptions
{
    /// <summary>XGBoost parameters, set in order (e.g. objective, eta, max_depth, eval_metric — repeat eval_metric
    /// for several; the last one drives early stopping unless <see cref="StoppingMetric"/> is set).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    public int Rounds { get; init; } = 100;

    /// <summary>Stop when the stopping metric on the last evaluation set has not improved for this many rounds;
    /// 0 disables early stopping.</summary>
    public int EarlyStoppingRounds { get; init; }

    /// <summary>The metric key to watch, e.g. "valid-aucpr"; defaults to the last metric XGBoost reports.</summary>
    public string? StoppingMetric { get; init; }

    /// <summary>Random seed (row/column subsampling); the same seed, data and thread count give the same model.</summary>
    public int Seed { get; init; }

    /// <summary>Threads XGBoost may use; fixed so that results do not depend on the machine's core count.</summary>
    public int Threads { get; init; } = 2;
}

/// <summary>The trained model (cut at the best round when early stopping ran) and its evaluation history.</summary>
public sealed record TrainingResult(Booster Booster, int BestIteration, double BestScore, string StoppingMetric,
    IReadOnlyList<IReadOnlyDictionary<string, double>> History) : IDisposable
{
    public void Dispose() => Booster.Dispose();
}

/// <summary>Boosting loop with early stopping over the C API, as xgboost.train does in Python.</summary>
public static class XGBoostTrainer
{
    public static TrainingResult Train(TrainingOptions options, DMatrix train, IReadOnlyList<(string Name, DMatrix Data)> evaluation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Rounds);

        var cache = new List<DMatrix> { train };
        cache.AddRange(evaluation.Select(e => e.Data));
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("seed", options.Seed.ToString(CultureInfo.InvariantCulture)),
            new("nthread", options.Threads.ToString(CultureInfo.InvariantCulture)),
            new("verbosity", "0"),
        };
        parameters.AddRange(options.Parameters);

        using var booster = Booster.Create(cache, parameters);
        var history = new List<IReadOnlyDictionary<string, double>>();
        string? metric = options.StoppingMetric;
        var bestIteration = -1;
        var bestScore = double.NaN;
        var maximize = false;
        for (var round = 0; round < options.Rounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            booster.UpdateOneIter(round, train);
            if (evaluation.Count == 0)
            {
                bestIteration = round;
                continue;
            }

            var scores = booster.EvalOneIter(round, evaluation);
            history.Add(scores);
            if (metric is null)
            {
                var prefix = evaluation[^1].Name + "-";
                metric = scores.Keys.Last(k => k.StartsWith(prefix, StringComparison.Ordinal));
            }

            maximize = IsMaximised(metric);
            if (!scores.TryGetValue(metric, out var score))
            {
                throw new XGBoostException($"Metric '{metric}' is not reported; available: {string.Join(", ", scores.Keys)}.");
            }

            if (bestIteration < 0 || (maximize ? score > bestScore : score < bestScore))
            {
                bestIteration = round;
                bestScore = score;
            }
            else if (options.EarlyStoppingRounds > 0 && round - bestIteration >= options.EarlyStoppingRounds)
            {
                break;
            }
        }

        var best = booster.Slice(0, bestIteration + 1);
        best.SetAttribute("best_iteration", bestIteration.ToString(CultureInfo.InvariantCulture));
        return new TrainingResult(best, bestIteration, bestScore, metric ?? string.Empty, history);
    }

    /// <summary>Whether a larger value of the metric is better (XGBoost's own rule in its early-stopping callback).</summary>
    public static bool IsMaximised(string metric)
    {
        var name = metric[(metric.IndexOf('-', StringComparison.Ordinal) + 1)..];
        return name.StartsWith("auc", StringComparison.Ordinal) || name.StartsWith("aucpr", StringComparison.Ordinal)
            || name.StartsWith("map", StringComparison.Ordinal) || name.StartsWith("ndcg", StringComparison.Ordinal)
            || name.StartsWith("pre", StringComparison.Ordinal);
    }
}
