namespace FraudEx.Models;

/// <summary>One regression tree, stored as parallel arrays indexed by node id (XGBoost's own numbering, root = 0).</summary>
/// <remarks>A node is a leaf when <see cref="Left"/> is -1. An internal node sends a row left when
/// <c>x[Feature] &lt; Threshold</c>, right otherwise, and a missing (NaN) value left when <see cref="DefaultLeft"/> is
/// set. <see cref="Cover"/> is the node's hessian sum over the training rows (XGBoost's sum_hessian), which TreeSHAP
/// uses as the share of data reaching each branch.</remarks>
public sealed class DecisionTree
{
    public DecisionTree(int[] left, int[] right, int[] feature, float[] threshold, bool[] defaultLeft, float[] leafValue, float[] cover)
    {
        var n = left.Length;
        if (right.Length != n || feature.Length != n || threshold.Length != n || defaultLeft.Length != n || leafValue.Length != n || cover.Length != n)
        {
            throw new ArgumentException("All node arrays of a tree must have the same length.");
        }

        Left = left;
        Right = right;
        Feature = feature;
        Threshold = threshold;
        DefaultLeft = defaultLeft;
        LeafValue = leafValue;
        Cover = cover;
        for (var i = 0; i < n; i++)
        {
            if (left[i] >= n || right[i] >= n || (left[i] < 0) != (right[i] < 0))
            {
                throw new ArgumentException($"Node {i} has invalid children ({left[i]}, {right[i]}).");
            }
        }

        MaxDepth = Depth(0);
    }

    public int[] Left { get; }

    public int[] Right { get; }

    public int[] Feature { get; }

    public float[] Threshold { get; }

    public bool[] DefaultLeft { get; }

    public float[] LeafValue { get; }

    public float[] Cover { get; }

    public int NodeCount => Left.Length;

    /// <summary>Edges on the longest root-to-leaf path.</summary>
    public int MaxDepth { get; }

    public bool IsLeaf(int node) => Left[node] < 0;

    /// <summary>The child a row goes to from internal node <paramref name="node"/> (XGBoost's rule).</summary>
    public int Next(int node, float value) =>
        float.IsNaN(value) ? (DefaultLeft[node] ? Left[node] : Right[node])
        : value < Threshold[node] ? Left[node] : Right[node];

    /// <summary>The leaf value a row reaches.</summary>
    public float Evaluate(ReadOnlySpan<float> row)
    {
        var node = 0;
        while (!IsLeaf(node))
        {
            node = Next(node, row[Feature[node]]);
        }

        return LeafValue[node];
    }

    /// <summary>Node ids reachable from the root, parents before children (pruned nodes XGBoost keeps are skipped).</summary>
    public IReadOnlyList<int> ReachableNodes()
    {
        var order = new List<int>(NodeCount);
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            order.Add(node);
            if (!IsLeaf(node))
            {
                stack.Push(Right[node]);
                stack.Push(Left[node]);
            }
        }

        return order;
    }

    private int Depth(int node) => IsLeaf(node) ? 0 : 1 + Math.Max(Depth(Left[node]), Depth(Right[node]));
}
