using FraudEx.Features.Engine;
using FraudEx.LoadGen;
using FraudEx.Models;
using FraudEx.XGBoost;

namespace FraudEx.Scoring.Tests;

/// <summary>
/// A real fx-1 model for tests that need ONNX Runtime and TreeSHAP: LoadGen's generated history (with injected fraud)
/// replayed through the feature engine, trained with libxgboost, exported to ONNX with its manifest.
/// </summary>
internal static class TestModel
{
    public static string Train(string directory, string version = "1.0.0", int transactions = 40_000, int seed = 5,
        DegradedThresholds? degradedThresholds = null)
    {
        var generator = new TransactionGenerator(new GeneratorSettings
        {
            Seed = seed, Accounts = 1_500, Merchants = 400, FraudRate = 0.03, RunId = "train",
            Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        var replay = new OfflineReplay();
        var features = new float[transactions * FeatureSchema.Count];
        var labels = new float[transactions];
        for (var i = 0; i < transactions; i++)
        {
            var next = generator.Next();
            var vector = replay.Process(TransactionMapper.ToEvent(next.Transaction), out _)!;
            vector.CopyTo(features, i * FeatureSchema.Count);
            labels[i] = next.Scenario is null ? 0 : 1;

            // A share of rows without behavioural state, as a degraded score will see them.
            if (i % 10 == 0)
            {
                for (var f = FeatureSchema.IndexOf("acct_count_1h"); f < FeatureSchema.Count; f++)
                {
                    features[i * FeatureSchema.Count + f] = float.NaN;
                }
            }
        }

        using var matrix = DMatrix.FromDense(features, transactions, FeatureSchema.Count);
        matrix.SetLabels(labels);
        var options = new TrainingOptions
        {
            Parameters = [new("objective", "binary:logistic"), new("eta", "0.3"), new("max_depth", "5"), new("tree_method", "hist")],
            Rounds = 40,
            Seed = 3,
        };
        using var result = XGBoostTrainer.Train(options, matrix, []);
        var manifest = new ModelManifest
        {
            ModelId = "fraud",
            Version = "fraud-" + version,
            FeatureSchema = new FeatureSchemaInfo(FeatureSchema.Version, FeatureSchema.Names),
            Thresholds = new DecisionThresholds(0.3, 0.8),
            DegradedThresholds = degradedThresholds,
        };
        return ModelFiles.Write(directory, result.Booster.SaveModel(), manifest);
    }
}
