using FraudEx.Features.Engine;
using FraudEx.LoadGen;
using FraudEx.Scoring.Pipeline;

namespace FraudEx.Scoring.Tests;

/// <summary>The model adapter over the real ONNX Runtime and the model's own trees.</summary>
public sealed class OnnxScoringModelTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("fraudex-onnx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

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
    public void ModelFileWatcher_LoadsRealModelAndSwapsOnReplace()
    {
        var path = TestModel.Train(dir, transactions: 8_000);
        using var host = new ModelHost(new EngineFeatureCatalog(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelHost>.Instance);
        using var watcher = new ModelFileWatcher(path, null, OnnxScoringModel.Load, host, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelFileWatcher>.Instance);
        Assert.Equal("fraud-1.0.0", host.Current.Champion.Version);
    }
}
