using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudEx.Models;
using FraudEx.Training.Reporting;
using FraudEx.Training.Simulation;
using FraudEx.Training.Training;

namespace FraudEx.Training;

/// <summary>Writes the trained model to models/ through FraudEx.Models (ONNX + manifest) and checks that ONNX Runtime
/// scores the test rows as libxgboost does.</summary>
internal static class ModelExport
{
    public static TrainingReport Export(TrainingReport report, PipelineResult result, string directory, TextWriter log, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var model = result.Model;
        var modelId = $"fraud-{report.ModelVersion}";
        var metrics = new JsonObject
        {
            ["test"] = Figures(model.Test),
            ["validation"] = Figures(model.Validation),
            ["baseline_test"] = Figures(result.Baseline.Test),
            ["handbook15_baseline_test"] = Figures(result.HandbookBaseline.Test),
            ["degraded_validation"] = Figures(result.DegradedValidation),
            ["degraded_test"] = Figures(result.Degraded),
            ["degraded_test_false_declines"] = result.Degraded.FalseDeclines,
            ["degraded_test_false_declines_at_normal_decline"] = result.DegradedAtNormalDecline.FalsePositives,
            ["test_days"] = result.Split.TestDays,
        };
        var manifest = new ModelManifest
        {
            ModelId = modelId,
            Version = report.ModelVersion,
            CreatedUtc = report.Start.AddDays(report.Days), // a data-derived stamp: the same seed writes the same manifest
            FeatureSchema = new FeatureSchemaInfo(Features.Engine.FeatureSchema.Version, Features.Engine.FeatureSchema.Names.ToArray()),
            Thresholds = new DecisionThresholds(Math.Round(model.Review, 6), Math.Round(model.Decline, 6)),
            DegradedThresholds = new DegradedThresholds
            {
                Review = Math.Round(result.DegradedThresholds.Review, 6),
                Decline = result.DegradedThresholds.Decline is { } d ? Math.Round(d, 6) : null,
            },
            Training = new TrainingInfo
            {
                Parameters = result.Options.Booster.ToXGBoost().ToDictionary(p => p.Key, p => p.Value),
                Rounds = result.Options.Booster.Rounds,
                BestIteration = model.BestIteration,
                DataSeed = (long)report.Seed,
                TrainingSeed = (long)report.Seed,
                Command = report.Command,
                Extra = new Dictionary<string, JsonElement>
                {
                    ["data"] = JsonSerializer.SerializeToElement(new
                    {
                        transactions = report.Transactions,
                        days = report.Days,
                        fraud_rate = Math.Round((double)report.Frauds / report.Transactions, 5),
                        split = report.Split,
                    }),
                    ["degraded_share"] = JsonSerializer.SerializeToElement(report.DegradedShare),
                    ["genuine_sampling"] = JsonSerializer.SerializeToElement(report.GenuineSampling),
                    ["early_stopping"] = JsonSerializer.SerializeToElement($"valid-aucpr, {result.Options.Booster.EarlyStoppingRounds} rounds"),
                },
            },
            Metrics = metrics,
        };
        var onnxPath = ModelFiles.Write(directory, model.Booster.SaveModel("json"), manifest);
        log.WriteLine($"wrote {onnxPath} ({new FileInfo(onnxPath).Length:N0} bytes) and {ModelManifest.PathFor(onnxPath)}");

        // Parity: ONNX Runtime's probabilities against libxgboost's on every test row.
        using var loaded = FraudModel.Load(onnxPath);
        var rows = result.TestScores.Length;
        var onnx = loaded.Score(result.TestX, rows);
        var maxDiff = 0.0;
        for (var i = 0; i < rows; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(onnx[i] - result.TestScores[i]));
        }
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ONNX Runtime vs libxgboost on {rows:N0} test rows: max |Δp| = {maxDiff:E2}"));
        if (maxDiff > 1e-5)
        {
            throw new InvalidOperationException($"The exported model disagrees with XGBoost by {maxDiff} on the test rows.");
        }
        return report with
        {
            OnnxFile = Path.GetFileName(onnxPath),
            ManifestFile = Path.GetFileName(ModelManifest.PathFor(onnxPath)),
            OnnxMaxAbsDifference = maxDiff,
        };
    }

    private static JsonObject Figures(Evaluation.EvaluationResult e) => new()
    {
        ["rows"] = e.Rows,
        ["frauds"] = e.Frauds,
        ["pr_auc"] = Math.Round(e.PrAuc, 5),
        ["roc_auc"] = Math.Round(e.RocAuc, 5),
        ["recall_at_fpr_0_1pct"] = Math.Round(e.RecallAtFpr01, 5),
        ["recall_at_fpr_1pct"] = Math.Round(e.RecallAtFpr1, 5),
        ["review_precision"] = Math.Round(e.AtReview.Precision, 5),
        ["review_recall"] = Math.Round(e.AtReview.Recall, 5),
        ["decline_precision"] = double.IsNaN(e.AtDecline.Precision) ? null : Math.Round(e.AtDecline.Precision, 5),
        ["decline_recall"] = Math.Round(e.AtDecline.Recall, 5),
        ["review_threshold"] = Math.Round(e.ReviewThreshold, 6),
        ["decline_threshold"] = float.IsPositiveInfinity(e.DeclineThreshold) ? null : Math.Round(e.DeclineThreshold, 6),
        ["by_scenario"] = new JsonObject(e.ByScenario.Select(kv => KeyValuePair.Create(kv.Key.ToText(), (JsonNode?)new JsonObject
        {
            ["frauds"] = kv.Value.Frauds,
            ["recall_at_review"] = Math.Round(kv.Value.RecallAtReview, 5),
            ["recall_at_decline"] = Math.Round(kv.Value.RecallAtDecline, 5),
            ["recall_at_fpr_0_1pct"] = Math.Round(kv.Value.RecallAtFpr01, 5),
        }))),
    };
}
