using System.Globalization;
using FraudEx.XGBoost;

namespace FraudEx.Training.Training;

/// <summary>XGBoost hyper-parameters FraudEx trains with (binary:logistic, histogram trees).</summary>
public sealed record BoosterParameters
{
    public double Eta { get; init; } = 0.1;
    public int MaxDepth { get; init; } = 6;
    public double MinChildWeight { get; init; } = 1;
    public double Subsample { get; init; } = 0.8;
    public double ColsampleByTree { get; init; } = 0.8;
    public double Lambda { get; init; } = 1;
    /// <summary>Weight of positive rows in the loss (XGBoost's scale_pos_weight); written only when not 1.</summary>
    public double ScalePosWeight { get; init; } = 1;
    public int Rounds { get; init; } = 400;
    /// <summary>libxgboost threads, fixed so a model does not depend on the machine. One: on the shared, oversubscribed
    /// 2-core build machine two OpenMP threads spend their slices spinning at every tree level for a partner that is
    /// not scheduled (a Handbook fold's 200-round depth-4 model took over a minute with 2 threads and 6 s with 1).</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Rounds without improvement of validation aucpr before stopping; 0 trains all rounds.</summary>
    public int EarlyStoppingRounds { get; init; } = 30;

    public IReadOnlyList<KeyValuePair<string, string>> ToXGBoost()
    {
        List<KeyValuePair<string, string>> p =
        [
            new("objective", "binary:logistic"),
            new("tree_method", "hist"),
            new("max_bin", "256"),
            new("eta", F(Eta)),
            new("max_depth", MaxDepth.ToString(CultureInfo.InvariantCulture)),
            new("min_child_weight", F(MinChildWeight)),
            new("subsample", F(Subsample)),
            new("colsample_bytree", F(ColsampleByTree)),
            new("lambda", F(Lambda)),
        ];
        if (ScalePosWeight != 1)
        {
            p.Add(new("scale_pos_weight", F(ScalePosWeight)));
        }
        p.Add(new("eval_metric", "aucpr"));
        return p;
    }

    public override string ToString() => string.Join(", ", ToXGBoost().Select(p => $"{p.Key}={p.Value}"))
        + string.Create(CultureInfo.InvariantCulture, $", rounds≤{Rounds}, early stopping {EarlyStoppingRounds}");

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Trains and predicts through FraudEx.XGBoost (libxgboost's C API).</summary>
public static class GradientBoosting
{
    /// <summary>Trains on (<paramref name="x"/>, <paramref name="y"/>); stops early on the validation set's aucpr when one is given.</summary>
    public static TrainingResult Train(float[] x, float[] y, int columns, float[]? validX, float[]? validY, BoosterParameters p, int seed,
        CancellationToken cancellationToken, float[]? weights = null)
    {
        using var train = DMatrix.FromDense(x, y.Length, columns);
        train.SetLabels(y);
        if (weights is not null)
        {
            train.SetWeights(weights);
        }
        DMatrix? valid = null;
        try
        {
            var evaluation = new List<(string, DMatrix)>();
            if (validX is not null && validY is not null)
            {
                valid = DMatrix.FromDense(validX, validY.Length, columns);
                valid.SetLabels(validY);
                evaluation.Add(("valid", valid));
            }
            var options = new TrainingOptions
            {
                Parameters = p.ToXGBoost(),
                Rounds = p.Rounds,
                EarlyStoppingRounds = valid is null ? 0 : p.EarlyStoppingRounds,
                StoppingMetric = valid is null ? null : "valid-aucpr",
                Seed = seed,
                Threads = p.Threads,
            };
            return XGBoostTrainer.Train(options, train, evaluation, cancellationToken);
        }
        finally
        {
            valid?.Dispose();
        }
    }

    public static float[] Predict(Booster booster, float[] x, int columns)
    {
        using var data = DMatrix.FromDense(x, x.Length / columns, columns);
        return booster.Predict(data);
    }
}
