using FraudEx.Features.Engine;
using FraudEx.LoadGen;
using FraudEx.Contracts.V1;
using FraudEx.Models;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Scoring.Tests;

/// <summary>The model adapter over the real ONNX Runtime and the model's own trees.</summary>
public sealed class OnnxScoringModelTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("fraudex-onnx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ManifestDegradedThresholds_DecideDegradedScoresOfTheRealModel(bool withDegradedDecline)
    {
        // Decline 0 would decline every degraded score; null (no degraded DECLINE reached 0.9 precision) none.
        var degradedThresholds = new DegradedThresholds { Review = 0.0, Decline = withDegradedDecline ? 0.0 : null };
        using var model = OnnxScoringModel.Load(TestModel.Train(dir, transactions: 5_000, degradedThresholds: degradedThresholds));
        var engine = new PolicyEngine(new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance),
            new TestOptionsMonitor<PolicyOptions>(new PolicyOptions { Degraded = DegradedScorePolicy.Score }));
        // Degraded rows: every behavioural feature missing, as the scorer sends them without the feature store.
        const int rows = 50;
        var matrix = Enumerable.Repeat(float.NaN, rows * FeatureSchema.Count).ToArray();
        var generator = new TransactionGenerator(new GeneratorSettings { Seed = 7, Accounts = 50, Merchants = 20, FraudRate = 0.5, RunId = "d" });
        var replay = new OfflineReplay();
        for (var i = 0; i < rows; i++)
        {
            replay.Process(TransactionMapper.ToEvent(generator.Next().Transaction), out _)!.AsSpan(0, FeatureSchema.IndexOf("acct_count_1h"))
                .CopyTo(matrix.AsSpan(i * FeatureSchema.Count));
        }

        var scores = model.Score(matrix, rows);
        var decisions = scores.Select(p => engine.Decide(Transactions.Valid(), p, degraded: true, model.Thresholds, model.DegradedThresholds).Decision).ToList();

        Assert.Equal(degradedThresholds, model.DegradedThresholds);
        Assert.All(decisions, d => Assert.Equal(withDegradedDecline ? Decision.Decline : Decision.Review, d));
    }

    [Fact]
    public void TrainedModel_ScoresBatchAndContributionsSumToMargin()
    {
        using var model = OnnxScoringModel.Load(TestModel.Train(dir, transactions: 20_000));
        Assert.Equal("fraud-1.0.0", model.Version);
        Assert.Equal(FeatureSchema.Version, model.FeatureSchemaVersion);
        Assert.Equal(0.3, model.Thresholds.Review);

        var generator = new TransactionGenerator(new GeneratorSettings { Seed = 99, Accounts = 300, Merchants = 100, FraudRate = 0.05, RunId = "s" });
        var replay = new OfflineReplay();
        const int rows = 300;
        var matrix = new float[rows * FeatureSchema.Count];
        for (var i = 0; i < rows; i++)
        {
            replay.Process(TransactionMapper.ToEvent(generator.Next().Transaction), out _)!.CopyTo(matrix, i * FeatureSchema.Count);
        }

        var probabilities = model.Score(matrix, rows);
        Assert.Equal(rows, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        var contributions = new double[FeatureSchema.Count + 1];
        for (var i = 0; i < rows; i += 37)
        {
            model.Explain(matrix.AsSpan(i * FeatureSchema.Count, FeatureSchema.Count), contributions);
            var margin = contributions.Sum();
            Assert.Equal(probabilities[i], 1 / (1 + Math.Exp(-margin)), 4);
        }
    }

    [Fact]
    public void PathAttribution_SumsToMarginAndRanksLikeTreeShap()
    {
        var path = TestModel.Train(dir, transactions: 12_000);
        using var exact = OnnxScoringModel.Load(path, exactExplanations: true);
        using var fast = OnnxScoringModel.Load(path, exactExplanations: false);
        var generator = new TransactionGenerator(new GeneratorSettings { Seed = 4, Accounts = 200, Merchants = 100, FraudRate = 0.1, RunId = "p" });
        var replay = new OfflineReplay();
        var shap = new double[FeatureSchema.Count + 1];
        var saabas = new double[FeatureSchema.Count + 1];
        var agree = 0;
        var flagged = 0;
        for (var i = 0; i < 1_500; i++)
        {
            var row = replay.Process(TransactionMapper.ToEvent(generator.Next().Transaction), out _)!;
            exact.Explain(row, shap);
            fast.Explain(row, saabas);
            Assert.Equal(shap.Sum(), saabas.Sum(), 3);
            if (exact.Score(row, 1)[0] < exact.Thresholds.Review)
            {
                continue;
            }

            // Only flagged rows get reasons: there the strongest path reason should be among TreeSHAP's top three.
            flagged++;
            var topSaabas = Array.IndexOf(saabas, saabas[..FeatureSchema.Count].Max());
            var topShap = Enumerable.Range(0, FeatureSchema.Count).OrderByDescending(f => shap[f]).Take(3);
            agree += topShap.Contains(topSaabas) ? 1 : 0;
        }

        Assert.True(flagged >= 20, $"only {flagged} flagged rows");
        Assert.True(agree >= flagged * 0.8, $"strongest path reason in TreeSHAP's top 3 on {agree} of {flagged} flagged rows");
    }

    [Fact]
    public void ModelFileWatcher_LoadsRealModelAndSwapsOnReplace()
    {
        var path = TestModel.Train(dir, transactions: 8_000);
        using var host = new ModelHost(new EngineFeatureCatalog(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelHost>.Instance);
        using var watcher = new ModelFileWatcher(path, null, OnnxScoringModel.Load, host, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelFileWatcher>.Instance);
        Assert.Equal("fraud-1.0.0", host.Current.Champion.Version);
    }
}
