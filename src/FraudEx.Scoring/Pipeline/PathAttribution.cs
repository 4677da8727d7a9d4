using FraudEx.Models;

namespace FraudEx.Scoring.Pipeline;

/// <summary>
/// Per-feature contributions along each tree's decision path (Saabas): at every split the row passes, the change of
/// the expected value (cover-weighted mean of the leaves below) is credited to the split's feature. Like TreeSHAP,
/// the contributions plus the bias sum to the margin exactly; unlike it, the cost is O(trees × depth) per row instead
/// of O(trees × leaves × depth²), about a hundred times cheaper, which is what lets every REVIEW and DECLINE carry its
/// reasons at full load. Top-ranked features agree with TreeSHAP in the common case; exact TreeSHAP stays available
/// (Scoring:ExactExplanations) for analysts who need Shapley values.
/// </summary>
public sealed class PathAttribution
{
    private readonly TreeEnsemble ensemble;
    private readonly double[][] expected;
    private readonly double bias;

    /// <summary>Precomputes every node's expected value.</summary>
    public PathAttribution(TreeEnsemble ensemble)
    {
        this.ensemble = ensemble;
        expected = new double[ensemble.Trees.Count][];
        bias = ensemble.BaseMargin;
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            var values = new double[tree.NodeCount];
            var covers = new double[tree.NodeCount];
            var order = tree.ReachableNodes();
            for (var k = order.Count - 1; k >= 0; k--)
            {
                var node = order[k];
                if (tree.IsLeaf(node))
                {
                    values[node] = tree.LeafValue[node];
                    covers[node] = Math.Max(tree.Cover[node], 0);
                    continue;
                }

                var (l, r) = (tree.Left[node], tree.Right[node]);
                var cover = covers[l] + covers[r];
                values[node] = cover > 0 ? (values[l] * covers[l] + values[r] * covers[r]) / cover : (values[l] + values[r]) / 2;
                covers[node] = cover;
            }

            expected[t] = values;
            bias += values[0];
        }
    }

    /// <summary>Writes FeatureCount contributions then the bias; they sum to the row's margin.</summary>
    public void Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        contributions[..(ensemble.FeatureCount + 1)].Clear();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            var values = expected[t];
            var node = 0;
            while (!tree.IsLeaf(node))
            {
                var feature = tree.Feature[node];
                var next = tree.Next(node, row[feature]);
                contributions[feature] += values[next] - values[node];
                node = next;
            }
        }

        contributions[ensemble.FeatureCount] = bias;
    }
}
