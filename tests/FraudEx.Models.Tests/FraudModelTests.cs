using FraudEx.Features.Engine;
using FraudEx.Testing;
using FraudEx.XGBoost;

namespace FraudEx.Models.Tests;

/// <summary>The facade over a model trained on the engine's own schema width, written and loaded as FraudEx ships it.</summary>
public sealed class FraudModelTests : IClassFixture<FraudModelTests.EngineWidthModel>
{
    private readonly EngineWidthModel _model;

    public FraudModelTests(EngineWidthModel model) => _model = model;

    [Fact]
    public void Load_EngineSchema_ScoresLikeXGBoost()
    {
        using var fraudModel = FraudModel.Load(_model.OnnxPath);
        var rows = SyntheticClassification.Create(500, FeatureSchema.Count, seed: 8);
        using var matrix = DMatrix.FromDense(rows.Features, rows.Rows, rows.Columns);
        var expected = _model.Booster.Predict(matrix);

        var probabilities = fraudModel.Score(rows.Features, rows.Rows);

        for (var i = 0; i < rows.Rows; i++)
        {
            Assert.Equal(expected[i], probabilities[i], 1e-5);
        }
    }

    [Fact]
    public void Load_ManifestOfAnotherSchema_Refuses()
    {
        var directory = Directory.CreateTempSubdirectory("fraudex-models-");
        try
        {
            // Same trees, but the manifest says they were trained on another schema version.
            var path = ModelFiles.Write(directory.FullName, _model.Json, ModelManifestTests.Manifest("fx-0", FeatureSchema.Names));

            var error = Assert.Throws<ModelSchemaMismatchException>(() => FraudModel.Load(path));

            Assert.Contains("fx-0", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_ManifestWithoutModelFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => FraudModel.Load(Path.Combine(Path.GetTempPath(), "no-such-model.onnx")));
    }

    [Fact]
    public void Explain_TopContributions_AreSortedAndSumToMargin()
    {
        using var fraudModel = FraudModel.Load(_model.OnnxPath);
        var rows = SyntheticClassification.Create(50, FeatureSchema.Count, seed: 9);
        var contributions = new double[FeatureSchema.Count + 1];

        for (var r = 0; r < rows.Rows; r++)
        {
            var explanation = fraudModel.Explain(rows.Row(r), topK: 3);
            fraudModel.Contributions(rows.Row(r), contributions);

            Assert.Equal(fraudModel.Ensemble.Margin(rows.Row(r)), explanation.Margin, 1e-4);
            Assert.True(explanation.Top.Count <= 3);
            Assert.All(explanation.Top, c => Assert.True(c.Contribution > 0));
            Assert.Equal(explanation.Top.OrderByDescending(c => c.Contribution), explanation.Top);
            var expectedTop = contributions[..^1].Select((v, i) => (v, i)).Where(p => p.v > 0).OrderByDescending(p => p.v).Take(3).Select(p => p.i);
            Assert.Equal(expectedTop, explanation.Top.Select(c => c.FeatureIndex));
            Assert.All(explanation.Top, c => Assert.Equal(FeatureSchema.Names[c.FeatureIndex], c.FeatureName));
        }
    }

    [Fact]
    public void Reasons_UseTheSchemasCodesAndSentences()
    {
        using var fraudModel = FraudModel.Load(_model.OnnxPath);
        var rows = SyntheticClassification.Create(20, FeatureSchema.Count, seed: 10);
        var seen = 0;

        for (var r = 0; r < rows.Rows; r++)
        {
            var explanation = fraudModel.Explain(rows.Row(r), topK: 4);
            var reasons = fraudModel.Reasons(rows.Row(r), topK: 4);

            Assert.Equal(explanation.Top.Select(c => c.FeatureName), reasons.Select(x => x.FeatureName));
            foreach (var reason in reasons)
            {
                var definition = FeatureSchema.Get(FeatureSchema.IndexOf(reason.FeatureName));
                Assert.Equal(definition.ReasonCode, reason.Code);
                Assert.Equal(definition.ReasonText, reason.Text);
                seen++;
            }
        }

        Assert.True(seen > 0, "some rows should have risk-raising contributions");
    }

    [Fact]
    public async Task Score_ConcurrentCallers_GetTheSameResultsAsSequential()
    {
        using var fraudModel = FraudModel.Load(_model.OnnxPath);
        var batches = Enumerable.Range(0, 16).Select(i => SyntheticClassification.Create(1 + (i * 37 % 300), FeatureSchema.Count, seed: 100 + i)).ToArray();
        var sequential = batches.Select(b => fraudModel.Score(b.Features, b.Rows)).ToArray();

        var concurrent = await Task.WhenAll(batches.Select(b => Task.Run(() =>
        {
            float[] last = [];
            for (var repeat = 0; repeat < 20; repeat++)
            {
                last = fraudModel.Score(b.Features, b.Rows);
            }

            return last;
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        for (var i = 0; i < batches.Length; i++)
        {
            Assert.Equal(sequential[i], concurrent[i]);
        }
    }

    public sealed class EngineWidthModel : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fraudex-models-");

        public EngineWidthModel()
        {
            var data = SyntheticClassification.Create(5_000, FeatureSchema.Count, seed: 2);
            using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
            matrix.SetLabels(data.Labels);
            using var result = XGBoostTrainer.Train(new TrainingOptions
            {
                Parameters = [new("objective", "binary:logistic"), new("max_depth", "5"), new("tree_method", "hist")],
                Rounds = 30,
                Seed = 3,
            }, matrix, []);
            Json = result.Booster.SaveModel();
            Booster = Booster.Load(Json);
            OnnxPath = ModelFiles.Write(_directory.FullName, Json, ModelManifestTests.Manifest(FeatureSchema.Version, FeatureSchema.Names));
        }

        public byte[] Json { get; }

        public Booster Booster { get; }

        public string OnnxPath { get; }

        public void Dispose()
        {
            Booster.Dispose();
            _directory.Delete(recursive: true);
        }
    }
}
