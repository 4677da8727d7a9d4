using FraudEx.Training.Data;
using FraudEx.Training.Simulation;
using FraudEx.Training.Training;

namespace FraudEx.Training.Tests;

public class ModelPipelineTests
{
    private static List<LabelledTransaction> History(GeneratorOptions options)
    {
        using var writer = new StringWriter();
        TransactionCsv.Write(new TransactionGenerator(options), writer);
        var path = Path.Combine(Path.GetTempPath(), $"fraudex-pipeline-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, writer.ToString());
            return TransactionCsv.Read(path).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_SmallGeneratedHistory_BehaviouralModelBeatsRawFieldBaseline()
    {
        var data = new GeneratorOptions { Seed = 11, Transactions = 120_000, Days = 28 };
        var options = new PipelineOptions { Data = data, Booster = new BoosterParameters { Rounds = 120, EarlyStoppingRounds = 20 } };

        using var result = ModelPipeline.Run(options, History(data), null, TextWriter.Null, CancellationToken.None);

        Assert.True(result.Model.Test.Frauds > 50, $"too few test frauds: {result.Model.Test.Frauds}");
        Assert.True(result.Model.Test.PrAuc > result.Baseline.Test.PrAuc + 0.1,
            $"model PR-AUC {result.Model.Test.PrAuc:F3} does not beat the baseline {result.Baseline.Test.PrAuc:F3}");
        Assert.True(result.Model.Test.RecallAtFpr01 > result.Baseline.Test.RecallAtFpr01);
        // Degraded scores (no behavioural features) stay informative: far better than chance.
        Assert.True(result.Degraded.RocAuc > 0.8, $"degraded ROC-AUC {result.Degraded.RocAuc:F3}");
        Assert.True(result.Model.Decline >= result.Model.Review);
        Assert.True(result.Model.Test.PrAuc > result.HandbookBaseline.Test.PrAuc,
            $"model PR-AUC {result.Model.Test.PrAuc:F3} does not beat the Handbook-15 baseline {result.HandbookBaseline.Test.PrAuc:F3}");
        // Degraded thresholds: DECLINE only at the normal precision on validation, and never below REVIEW.
        var degraded = result.DegradedThresholds;
        if (degraded.Decline is { } decline)
        {
            Assert.True(result.DegradedValidation.AtDecline.Precision >= options.DeclinePrecision);
            Assert.True(decline >= degraded.Review);
        }
        Assert.True(degraded.ValidationReviewRate <= degraded.NormalValidationReviewRate);
        Assert.NotEmpty(result.FeatureUse);
        Assert.DoesNotContain(result.FeatureUse, u => u.CalendarLike);
    }

    [Fact]
    public void ChooseDegraded_NoScoreReachesPrecision_NoDecline()
    {
        // Every score band is half fraud: precision 0.9 is never reached.
        var scores = Enumerable.Range(0, 400).Select(i => (float)(i / 2) / 200).ToArray();
        var labels = Enumerable.Range(0, 400).Select(i => i % 2 == 0).ToArray();
        var options = new PipelineOptions { Data = new GeneratorOptions() };

        var choice = ModelPipeline.ChooseDegraded(scores, labels, 0.1, options);

        Assert.Null(choice.Decline);
        Assert.InRange(choice.ValidationReviewRate, 0.05, 0.1);
    }

    [Fact]
    public void ChooseDegraded_CleanTop_DeclinesWhereValidationPrecisionHolds()
    {
        // The top 50 scores are all fraud, the rest mixed.
        var scores = Enumerable.Range(0, 1000).Select(i => (float)i / 1000).ToArray();
        var labels = Enumerable.Range(0, 1000).Select(i => i >= 950 || i % 10 == 0).ToArray();
        var options = new PipelineOptions { Data = new GeneratorOptions() };

        var choice = ModelPipeline.ChooseDegraded(scores, labels, 0.02, options);

        Assert.NotNull(choice.Decline);
        Assert.True(Evaluation.Metrics.At(scores, labels, choice.Decline.Value).Precision >= 0.9);
        Assert.True(choice.Review <= choice.Decline.Value);
    }

    [Fact]
    public void Train_SameSeedSameData_SameModel()
    {
        var data = new GeneratorOptions { Seed = 5, Transactions = 20_000, Days = 10 };
        var (m, _) = HistoryReplay.Replay(History(data), data.Start);
        var rows = Enumerable.Range(0, m.Rows).ToList();
        var x = m.Slice(rows, m.Columns);
        var y = m.LabelsOf(rows);
        var p = new BoosterParameters { Rounds = 30, EarlyStoppingRounds = 0 };

        using var first = GradientBoosting.Train(x, y, m.Columns, null, null, p, 5, CancellationToken.None);
        using var second = GradientBoosting.Train(x, y, m.Columns, null, null, p, 5, CancellationToken.None);

        Assert.Equal(first.Booster.SaveModel("json"), second.Booster.SaveModel("json"));
    }
}
