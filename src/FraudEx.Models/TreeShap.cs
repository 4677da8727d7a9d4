namespace FraudEx.Models;

/// <summary>Exact, path-dependent TreeSHAP (Lundberg, Erion &amp; Lee, "Consistent Individualized Feature Attribution
/// for Tree Ensembles", Algorithm 2), in the form libxgboost uses for pred_contribs: a missing value follows its node's
/// default branch, and each branch's share of the data is its cover (hessian sum) over its parent's.</summary>
/// <remarks>For each row, contributions[f] is feature f's SHAP value and contributions[FeatureCount] the bias (base
/// margin plus every tree's cover-weighted mean leaf value); together they sum to the row's margin. Thread-safe:
/// per-call scratch space comes from the stack or a thread-local buffer.</remarks>
public sealed class TreeShap
{
    private readonly TreeEnsemble _ensemble;
    private readonly double[][] _meanValues;
    private readonly double _bias;
    private readonly int _pathCapacity;

    private const int MaxSupportedDepth = 250;

    private static readonly double[] Reciprocal = Enumerable.Range(0, MaxSupportedDepth + 4).Select(k => k == 0 ? 0 : 1.0 / k).ToArray();

    [ThreadStatic]
    private static PathElement[]? t_path;

    public TreeShap(TreeEnsemble ensemble)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        _ensemble = ensemble;
        _meanValues = new double[ensemble.Trees.Count][];
        double bias = ensemble.BaseMargin;
        var maxDepth = 0;
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            _meanValues[t] = new double[tree.NodeCount];
            bias += FillMeanValues(tree, 0, _meanValues[t]);
            maxDepth = Math.Max(maxDepth, tree.MaxDepth);
        }

        if (maxDepth > MaxSupportedDepth)
        {
            throw new NotSupportedException($"Trees deeper than {MaxSupportedDepth} levels are not supported (found {maxDepth}).");
        }

        _bias = bias;
        var maxd = maxDepth + 2;
        _pathCapacity = maxd * (maxd + 1) / 2;
    }

    public int FeatureCount => _ensemble.FeatureCount;

    /// <summary>The expected margin over the training data (the bias term, equal for every row).</summary>
    public double ExpectedMargin => _bias;

    /// <summary>Writes FeatureCount + 1 values into <paramref name="contributions"/>: one per feature, then the bias.</summary>
    public void Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        if (row.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {row.Length}.", nameof(row));
        }

        if (contributions.Length != FeatureCount + 1)
        {
            throw new ArgumentException($"Expected room for {FeatureCount + 1} contributions, got {contributions.Length}.", nameof(contributions));
        }

        contributions.Clear();
        var path = t_path is { } cached && cached.Length >= _pathCapacity ? cached : (t_path = new PathElement[_pathCapacity]);
        foreach (var tree in _ensemble.Trees)
        {
            Recurse(tree, row, contributions, path, 0, 0, 0, 1, 1, -1);
        }

        contributions[FeatureCount] = _bias;
    }

    /// <summary>Contributions for one row as a new array (FeatureCount + 1 values, bias last).</summary>
    public double[] Explain(ReadOnlySpan<float> row)
    {
        var contributions = new double[FeatureCount + 1];
        Explain(row, contributions);
        return contributions;
    }

    private static double FillMeanValues(DecisionTree tree, int node, double[] means)
    {
        double value;
        if (tree.IsLeaf(node))
        {
            value = tree.LeafValue[node];
        }
        else
        {
            var left = tree.Left[node];
            var right = tree.Right[node];
            value = (FillMeanValues(tree, left, means) * tree.Cover[left] + FillMeanValues(tree, right, means) * tree.Cover[right])
                / tree.Cover[node];
        }

        means[node] = value;
        return value;
    }

    // `path` holds, for every level of the recursion, its own copy of the unique path (the triangular layout of the
    // reference implementation): a level's segment starts right after its parent's, which has uniqueDepth + 1 entries.
    private static void Recurse(DecisionTree tree, ReadOnlySpan<float> row, Span<double> phi, PathElement[] path, int parentOffset,
        int node, int uniqueDepth, double parentZeroFraction, double parentOneFraction, int parentFeature)
    {
        var offset = parentOffset + uniqueDepth + 1;
        Array.Copy(path, parentOffset, path, offset, uniqueDepth + 1);
        var unique = path.AsSpan(offset, uniqueDepth + 1);
        ExtendPath(unique, uniqueDepth, parentZeroFraction, parentOneFraction, parentFeature);

        if (tree.IsLeaf(node))
        {
            var leafValue = tree.LeafValue[node];
            for (var i = 1; i <= uniqueDepth; i++)
            {
                var weight = UnwoundPathSum(unique, uniqueDepth, i);
                ref readonly var element = ref unique[i];
                phi[element.Feature] += weight * (element.OneFraction - element.ZeroFraction) * leafValue;
            }

            return;
        }

        var split = tree.Feature[node];
        var hot = tree.Next(node, row[split]);
        var cold = hot == tree.Left[node] ? tree.Right[node] : tree.Left[node];
        var cover = (double)tree.Cover[node];
        var hotZeroFraction = tree.Cover[hot] / cover;
        var coldZeroFraction = tree.Cover[cold] / cover;
        double incomingZeroFraction = 1;
        double incomingOneFraction = 1;

        // A feature already split on higher up this path: undo that split so this node redoes it with both fractions.
        var pathIndex = 0;
        while (pathIndex <= uniqueDepth && unique[pathIndex].Feature != split)
        {
            pathIndex++;
        }

        if (pathIndex <= uniqueDepth)
        {
            incomingZeroFraction = unique[pathIndex].ZeroFraction;
            incomingOneFraction = unique[pathIndex].OneFraction;
            UnwindPath(unique, uniqueDepth, pathIndex);
            uniqueDepth--;
        }

        Recurse(tree, row, phi, path, offset, hot, uniqueDepth + 1, hotZeroFraction * incomingZeroFraction, incomingOneFraction, split);
        Recurse(tree, row, phi, path, offset, cold, uniqueDepth + 1, coldZeroFraction * incomingZeroFraction, 0, split);
    }

    // The recurrences below divide by small integers (depth + 1, i + 1, depth − i); multiplying by a table of their
    // reciprocals instead keeps divisions out of the O(depth²) inner loops, which dominate the cost of an explanation.
    private static void UnwindPath(Span<PathElement> path, int depth, int pathIndex)
    {
        var oneFraction = path[pathIndex].OneFraction;
        var zeroFraction = path[pathIndex].ZeroFraction;
        var nextOnePortion = path[depth].Weight;
        var depthPlusOne = depth + 1;
        var invDepthPlusOne = Reciprocal[depthPlusOne];
        if (oneFraction != 0)
        {
            var invOne = 1 / oneFraction;
            for (var i = depth - 1; i >= 0; i--)
            {
                var tmp = path[i].Weight;
                path[i].Weight = nextOnePortion * depthPlusOne * Reciprocal[i + 1] * invOne;
                nextOnePortion = tmp - path[i].Weight * zeroFraction * (depth - i) * invDepthPlusOne;
            }
        }
        else
        {
            var invZero = 1 / zeroFraction;
            for (var i = depth - 1; i >= 0; i--)
            {
                path[i].Weight = path[i].Weight * depthPlusOne * invZero * Reciprocal[depth - i];
            }
        }

        for (var i = pathIndex; i < depth; i++)
        {
            path[i].Feature = path[i + 1].Feature;
            path[i].ZeroFraction = path[i + 1].ZeroFraction;
            path[i].OneFraction = path[i + 1].OneFraction;
        }
    }

    private static double UnwoundPathSum(ReadOnlySpan<PathElement> path, int depth, int pathIndex)
    {
        var oneFraction = path[pathIndex].OneFraction;
        var zeroFraction = path[pathIndex].ZeroFraction;
        var depthPlusOne = depth + 1;
        double total = 0;
        if (oneFraction != 0)
        {
            var nextOnePortion = path[depth].Weight;
            var scale = depthPlusOne / oneFraction;
            var zeroScale = zeroFraction * Reciprocal[depthPlusOne];
            for (var i = depth - 1; i >= 0; i--)
            {
                var tmp = nextOnePortion * scale * Reciprocal[i + 1];
                total += tmp;
                nextOnePortion = path[i].Weight - tmp * zeroScale * (depth - i);
            }
        }
        else
        {
            var scale = depthPlusOne / zeroFraction;
            for (var i = depth - 1; i >= 0; i--)
            {
                total += path[i].Weight * scale * Reciprocal[depth - i];
            }
        }

        return total;
    }

    private static void ExtendPath(Span<PathElement> path, int depth, double zeroFraction, double oneFraction, int feature)
    {
        path[depth] = new PathElement(feature, zeroFraction, oneFraction, depth == 0 ? 1 : 0);
        var invDepthPlusOne = Reciprocal[depth + 1];
        for (var i = depth - 1; i >= 0; i--)
        {
            path[i + 1].Weight += oneFraction * path[i].Weight * (i + 1) * invDepthPlusOne;
            path[i].Weight = zeroFraction * path[i].Weight * (depth - i) * invDepthPlusOne;
        }
    }

    private struct PathElement(int feature, double zeroFraction, double oneFraction, double weight)
    {
        public int Feature = feature;
        public double ZeroFraction = zeroFraction;
        public double OneFraction = oneFraction;
        public double Weight = weight;
    }
}
