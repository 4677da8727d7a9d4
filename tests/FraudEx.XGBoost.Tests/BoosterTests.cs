using FraudEx.Testing;

namespace FraudEx.XGBoost.Tests;

public sealed class BoosterTests
{
    private static readonly KeyValuePair<string, string>[] Parameters =
    [
        new("objective", "binary:logistic"),
        new("eta", "0.3"),
        new("max_depth", "4"),
        new("subsample", "0.8"),
        new("colsample_bytree", "0.9"),
        new("tree_method", "hist"),
        new("eval_metric", "logloss"),
    ];

    private static TrainingResult Train(SyntheticClassification data, int seed = 7, int rounds = 20)
    {
        using var train = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        train.SetLabels(data.Labels);
        return XGBoostTrainer.Train(new TrainingOptions { Parameters = Parameters, Rounds = rounds, Seed = seed }, train, []);
    }

    [Fact]
    public void Version_IsTheDebianPackage()
    {
        var version = XGBoostLibrary.Version;

        Assert.Equal(1, version.Major);
        Assert.True(version.Minor >= 7, $"expected XGBoost 1.7 or later, got {version}");
    }

    [Fact]
    public void Predict_ValueIsSigmoidOfMargin()
    {
        var data = SyntheticClassification.Create(2_000);
        using var result = Train(data);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        var probabilities = result.Booster.Predict(matrix);
        var margins = result.Booster.Predict(matrix, PredictionKind.Margin);

        Assert.Equal(data.Rows, probabilities.Length);
        for (var i = 0; i < data.Rows; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-margins[i])), probabilities[i], 1e-6);
        }
    }

    [Fact]
    public void InplacePredict_MatchesDMatrixPredict()
    {
        var data = SyntheticClassification.Create(1_000);
        using var result = Train(data);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        Assert.Equal(result.Booster.Predict(matrix), result.Booster.InplacePredict(data.Features, data.Rows, data.Columns));
        Assert.Equal(result.Booster.Predict(matrix, PredictionKind.Margin),
            result.Booster.InplacePredict(data.Features, data.Rows, data.Columns, PredictionKind.Margin));
        Assert.Equal(result.Booster.Predict(matrix).AsSpan(5, 1).ToArray(), result.Booster.InplacePredict(data.Row(5), 1, data.Columns));
    }

    [Fact]
    public void Predict_ContributionsSumToMargin()
    {
        var data = SyntheticClassification.Create(1_000);
        using var result = Train(data);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        var contributions = result.Booster.Predict(matrix, PredictionKind.Contributions);
        var margins = result.Booster.Predict(matrix, PredictionKind.Margin);

        Assert.Equal(data.Rows * (data.Columns + 1), contributions.Length);
        for (var i = 0; i < data.Rows; i++)
        {
            var sum = contributions.AsSpan(i * (data.Columns + 1), data.Columns + 1).ToArray().Sum(v => (double)v);
            Assert.Equal(margins[i], sum, 1e-4);
        }
    }

    [Fact]
    public void Train_SameSeed_GivesIdenticalModel()
    {
        var data = SyntheticClassification.Create(3_000);

        using var first = Train(data, seed: 11);
        using var second = Train(data, seed: 11);
        using var other = Train(data, seed: 12);

        Assert.Equal(first.Booster.SaveModel(), second.Booster.SaveModel());
        Assert.NotEqual(first.Booster.SaveModel(), other.Booster.SaveModel());
    }

    [Fact]
    public void SaveModel_LoadRoundTrip_PredictsTheSame()
    {
        var data = SyntheticClassification.Create(1_000);
        using var result = Train(data);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        var json = result.Booster.SaveModel();

        using var loaded = Booster.Load(json);

        Assert.StartsWith("{", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(result.Booster.Predict(matrix), loaded.Predict(matrix));
        Assert.Equal(data.Columns, loaded.FeatureCount);
        Assert.Equal(20, loaded.BoostedRounds);
    }

    [Fact]
    public void Train_EarlyStopping_CutsAtBestRound()
    {
        var data = SyntheticClassification.Create(4_000, seed: 3);
        var validation = SyntheticClassification.Create(2_000, seed: 4);
        using var train = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        train.SetLabels(data.Labels);
        using var valid = DMatrix.FromDense(validation.Features, validation.Rows, validation.Columns);
        valid.SetLabels(validation.Labels);
        var options = new TrainingOptions
        {
            // A high learning rate and deep trees overfit quickly, so validation loss turns up well before 300 rounds.
            Parameters = [new("objective", "binary:logistic"), new("eta", "0.8"), new("max_depth", "8"), new("eval_metric", "auc"), new("eval_metric", "logloss")],
            Rounds = 300,
            EarlyStoppingRounds = 5,
            Seed = 1,
        };

        using var result = XGBoostTrainer.Train(options, train, [("train", train), ("valid", valid)]);

        Assert.Equal("valid-logloss", result.StoppingMetric);
        Assert.True(result.History.Count < 300, "early stopping should have ended training");
        Assert.Equal(result.BestIteration + 1 + 5, result.History.Count);
        Assert.Equal(result.BestIteration + 1, result.Booster.BoostedRounds);
        Assert.Equal(result.History.Min(h => h["valid-logloss"]), result.BestScore);
        Assert.True(result.History[0].ContainsKey("train-auc"));
    }

    [Fact]
    public void SetParam_Invalid_ThrowsWithLibraryMessage()
    {
        var data = SyntheticClassification.Create(100);
        using var train = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        train.SetLabels(data.Labels);
        using var booster = Booster.Create([train], [new("objective", "no:such-objective")]);

        var error = Assert.Throws<XGBoostException>(() => booster.UpdateOneIter(0, train));

        Assert.Contains("XGBoosterUpdateOneIter failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("no:such-objective", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDense_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => DMatrix.FromDense(new float[10], 3, 4));
    }

    [Fact]
    public void Load_MissingLibrary_ThrowsClearError()
    {
        var error = Assert.Throws<XGBoostException>(() => XGBoostLibrary.LoadFirst(["/nonexistent/libxgboost.so.0"]));

        Assert.Contains("apt-get install libxgboost0", error.Message, StringComparison.Ordinal);
        Assert.Contains(XGBoostLibrary.PathEnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseEvaluation_ReadsEveryMetric()
    {
        var metrics = Booster.ParseEvaluation("[12]\ttrain-auc:0.91\tvalid-aucpr:0.5e-1");

        Assert.Equal(0.91, metrics["train-auc"]);
        Assert.Equal(0.05, metrics["valid-aucpr"]);
    }
}
