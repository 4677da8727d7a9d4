using FraudEx.XGBoost;
using Xunit.Abstractions;

namespace FraudEx.Models.Tests;

/// <summary>The exported ONNX model, run by the real ONNX Runtime, against libxgboost's own predictions.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class OnnxParityTests(TrainedModel model, ITestOutputHelper output)
{
    private const int Rows = 10_000;

    [Fact]
    public void OnnxRuntime_TenThousandRows_MatchesXGBoostWithin1e5()
    {
        var data = model.ScoringRows(Rows, seed: 99);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        var expectedProbability = model.Booster.Predict(matrix);
        var expectedMargin = model.Booster.Predict(matrix, PredictionKind.Margin);
        using var session = OnnxModelSession.Load(model.Onnx);

        var probability = session.Run(data.Features, Rows, session.OutputIndex(OnnxModelFormat.ProbabilityOutput));
        var margin = session.Run(data.Features, Rows, session.OutputIndex(OnnxModelFormat.MarginOutput));

        Assert.Equal(Rows, probability.Length);
        var worstProbability = MaxAbsDifference(probability, expectedProbability);
        var worstMargin = MaxAbsDifference(margin, expectedMargin);
        output.WriteLine($"max |ORT − XGBoost|: probability {worstProbability:E3}, margin {worstMargin:E3} over {Rows} rows");
        Assert.True(worstProbability <= 1e-5, $"max |ORT − XGBoost| probability = {worstProbability:E3}");
        Assert.True(worstMargin <= 1e-4, $"max |ORT − XGBoost| margin = {worstMargin:E3}");
        Assert.Contains(expectedProbability, p => p > 0.5);
        Assert.Contains(expectedProbability, p => p < 0.1);
    }

    [Fact]
    public void TreeEnsemble_Margin_MatchesXGBoost()
    {
        var data = model.ScoringRows(2_000, seed: 7);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        var expected = model.Booster.Predict(matrix, PredictionKind.Margin);

        for (var r = 0; r < data.Rows; r++)
        {
            Assert.Equal(expected[r], model.Ensemble.Margin(data.Row(r)), 1e-5);
        }
    }

    [Fact]
    public void BaseScore_IsConvertedToLogit()
    {
        Assert.Equal(MathF.Log(0.3f / 0.7f), model.Ensemble.BaseMargin, 1e-6);
    }

    [Fact]
    public void ReadOnnx_GivesBackTheExportedTrees()
    {
        var read = OnnxTreeModel.Read(model.Onnx).Ensemble;

        Assert.Equal(model.Ensemble.FeatureCount, read.FeatureCount);
        Assert.Equal(model.Ensemble.BaseMargin, read.BaseMargin);
        Assert.Equal(model.Ensemble.Trees.Count, read.Trees.Count);
        for (var t = 0; t < read.Trees.Count; t++)
        {
            var (expected, actual) = (model.Ensemble.Trees[t], read.Trees[t]);
            foreach (var node in expected.ReachableNodes())
            {
                Assert.Equal(expected.IsLeaf(node), actual.IsLeaf(node));
                Assert.Equal(expected.Cover[node], actual.Cover[node]);
                if (expected.IsLeaf(node))
                {
                    Assert.Equal(expected.LeafValue[node], actual.LeafValue[node]);
                }
                else
                {
                    Assert.Equal(expected.Feature[node], actual.Feature[node]);
                    Assert.Equal(expected.Threshold[node], actual.Threshold[node]);
                    Assert.Equal(expected.DefaultLeft[node], actual.DefaultLeft[node]);
                    Assert.Equal(expected.Left[node], actual.Left[node]);
                    Assert.Equal(expected.Right[node], actual.Right[node]);
                }
            }
        }
    }

    [Fact]
    public void Export_SameModel_GivesIdenticalBytes()
    {
        Assert.Equal(model.Onnx, OnnxTreeModel.Write(TreeEnsemble.FromXGBoostJson(model.Json)));
    }

    [Fact]
    public void ReadOnnx_NotAFraudExModel_Throws()
    {
        Assert.Throws<InvalidDataException>(() => OnnxTreeModel.Read("not a model"u8));
    }

    private static double MaxAbsDifference(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
        }

        return worst;
    }
}
