using FraudEx.Testing;
using FraudEx.XGBoost;

namespace FraudEx.Models.Tests;

/// <summary>A model trained through libxgboost on synthetic data with missing values, shared by the tests of a class.</summary>
public sealed class TrainedModel : IDisposable
{
    public const int Features = 8;

    public TrainedModel()
    {
        Train = SyntheticClassification.Create(20_000, Features, seed: 1);
        using var matrix = DMatrix.FromDense(Train.Features, Train.Rows, Train.Columns);
        matrix.SetLabels(Train.Labels);
        var options = new TrainingOptions
        {
            Parameters =
            [
                new("objective", "binary:logistic"),
                new("eta", "0.2"),
                new("max_depth", "6"),
                new("min_child_weight", "2"),
                new("subsample", "0.9"),
                new("tree_method", "hist"),
                // A base score away from 0.5 makes the base margin non-zero, so its logit conversion is exercised.
                new("base_score", "0.3"),
            ],
            Rounds = 60,
            Seed = 5,
        };
        using var result = XGBoostTrainer.Train(options, matrix, []);
        Json = result.Booster.SaveModel();
        Booster = Booster.Load(Json);
        Ensemble = TreeEnsemble.FromXGBoostJson(Json);
        Onnx = OnnxTreeModel.Write(Ensemble);
    }

    public SyntheticClassification Train { get; }

    public Booster Booster { get; }

    public byte[] Json { get; }

    public TreeEnsemble Ensemble { get; }

    public byte[] Onnx { get; }

    /// <summary>Fresh rows with missing values, plus values placed exactly on split thresholds (the &lt; boundary).</summary>
    public SyntheticClassification ScoringRows(int rows, int seed)
    {
        var data = SyntheticClassification.Create(rows, Features, seed, missingRate: 0.15);
        var random = new Random(seed);
        var splits = Ensemble.Trees.SelectMany(t => t.ReachableNodes().Where(n => !t.IsLeaf(n)).Select(n => (t.Feature[n], t.Threshold[n]))).ToArray();
        for (var r = 0; r < rows; r += 3)
        {
            var (feature, threshold) = splits[random.Next(splits.Length)];
            data.Features[r * Features + feature] = threshold;
        }

        return data;
    }

    public void Dispose() => Booster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModel>
{
    public const string Name = "trained model";
}
