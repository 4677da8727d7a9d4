using FraudEx.XGBoost;
using Xunit.Abstractions;

namespace FraudEx.Models.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class TreeShapTests(TrainedModel model, ITestOutputHelper output)
{
    [Fact]
    public void Explain_FromOnnxFile_MatchesXGBoostPredContribsWithin1e4()
    {
        var fromOnnx = new TreeShap(OnnxTreeModel.Read(model.Onnx).Ensemble);
        var data = model.ScoringRows(2_000, seed: 21);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        var expected = model.Booster.Predict(matrix, PredictionKind.Contributions);
        var margins = model.Booster.Predict(matrix, PredictionKind.Margin);
        var width = data.Columns + 1;
        var contributions = new double[width];
        var worst = 0.0;
        var worstSum = 0.0;

        for (var r = 0; r < data.Rows; r++)
        {
            fromOnnx.Explain(data.Row(r), contributions);
            for (var f = 0; f < width; f++)
            {
                worst = Math.Max(worst, Math.Abs(contributions[f] - expected[r * width + f]));
            }

            worstSum = Math.Max(worstSum, Math.Abs(contributions.Sum() - margins[r]));
        }

        output.WriteLine($"max |TreeSHAP − pred_contribs| {worst:E3}, max |Σ − margin| {worstSum:E3} over {data.Rows} rows");
        Assert.True(worst <= 1e-4, $"max |TreeSHAP − pred_contribs| = {worst:E3}");
        Assert.True(worstSum <= 1e-4, $"max |Σ contributions − margin| = {worstSum:E3}");
    }

    [Fact]
    public void Explain_MissingValue_FollowsDefaultBranch()
    {
        // One split on feature 0 at 0.5: left leaf +1 (cover 3), right leaf −1 (cover 1); missing goes right.
        // Expected value (bias) = (3·1 + 1·(−1)) / 4 = 0.5.
        var tree = new DecisionTree([1, -1, -1], [2, -1, -1], [0, 0, 0], [0.5f, 0, 0], [false, false, false], [0, 1, -1], [4, 3, 1]);
        var shap = new TreeShap(new TreeEnsemble([tree], featureCount: 2, baseMargin: 0.25f));

        var left = shap.Explain([0f, 9f]);
        var missing = shap.Explain([float.NaN, 9f]);

        Assert.Equal([0.5, 0.0, 0.75], left, new ToleranceComparer(1e-12));
        Assert.Equal([-1.5, 0.0, 0.75], missing, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Explain_FeatureUsedTwiceOnAPath_StillSumsToMargin()
    {
        // Feature 0 splits at the root and again below it (the unwinding case of the algorithm).
        var tree = new DecisionTree(
            left: [1, 3, -1, -1, -1],
            right: [2, 4, -1, -1, -1],
            feature: [0, 0, 0, 0, 0],
            threshold: [1f, 0f, 0, 0, 0],
            defaultLeft: [true, false, false, false, false],
            leafValue: [0, 0, 2f, -1f, 0.5f],
            cover: [10, 6, 4, 2, 4]);
        var ensemble = new TreeEnsemble([tree], featureCount: 1, baseMargin: 0f);
        var shap = new TreeShap(ensemble);

        foreach (var x in new[] { -1f, 0.5f, 3f, float.NaN })
        {
            var phi = shap.Explain([x]);
            Assert.Equal(ensemble.Margin([x]), phi.Sum(), 1e-9);
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
