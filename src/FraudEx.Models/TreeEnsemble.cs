using System.Globalization;
using System.Text.Json;

namespace FraudEx.Models;

/// <summary>A boosted tree ensemble for binary classification: margin = base margin + Σ tree leaf values, probability =
/// sigmoid(margin). The one in-memory form shared by export (XGBoost JSON → ONNX), scoring checks and TreeSHAP.</summary>
public sealed class TreeEnsemble
{
    public TreeEnsemble(IReadOnlyList<DecisionTree> trees, int featureCount, float baseMargin, string objective = "binary:logistic")
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        foreach (var tree in trees)
        {
            foreach (var node in tree.ReachableNodes())
            {
                if (!tree.IsLeaf(node) && (uint)tree.Feature[node] >= (uint)featureCount)
                {
                    throw new ArgumentException($"A split uses feature {tree.Feature[node]}, outside the {featureCount} features.");
                }
            }
        }

        Trees = trees;
        FeatureCount = featureCount;
        BaseMargin = baseMargin;
        Objective = objective;
    }

    public IReadOnlyList<DecisionTree> Trees { get; }

    public int FeatureCount { get; }

    /// <summary>The margin every row starts from: XGBoost's base_score turned into margin space (logit for
    /// binary:logistic, so the default base_score 0.5 is a margin of 0).</summary>
    public float BaseMargin { get; }

    public string Objective { get; }

    /// <summary>The raw score (log-odds), accumulated in float in tree order as libxgboost does.</summary>
    public float Margin(ReadOnlySpan<float> row)
    {
        if (row.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {row.Length}.", nameof(row));
        }

        var sum = 0f;
        foreach (var tree in Trees)
        {
            sum += tree.Evaluate(row);
        }

        return BaseMargin + sum;
    }

    public float Probability(ReadOnlySpan<float> row) => Sigmoid(Margin(row));

    internal static float Sigmoid(float margin) => 1f / (1f + MathF.Exp(-margin));

    /// <summary>Reads the model XGBoost saves with XGBoosterSaveModelToBuffer({"format": "json"}) (schema of 1.x:
    /// learner.gradient_booster.model.trees[] with left_children, right_children, split_indices, split_conditions,
    /// default_left, sum_hessian; learner.learner_model_param.base_score in probability space).</summary>
    public static TreeEnsemble FromXGBoostJson(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var learner = document.RootElement.GetProperty("learner");
        var objective = learner.GetProperty("objective").GetProperty("name").GetString() ?? "binary:logistic";
        var modelParam = learner.GetProperty("learner_model_param");
        var baseScore = float.Parse(modelParam.GetProperty("base_score").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
        var featureCount = int.Parse(modelParam.GetProperty("num_feature").GetString()!, CultureInfo.InvariantCulture);
        var numClass = modelParam.TryGetProperty("num_class", out var nc) ? int.Parse(nc.GetString()!, CultureInfo.InvariantCulture) : 0;
        if (numClass > 1)
        {
            throw new NotSupportedException($"Multi-class models ({numClass} classes) are not supported; FraudEx scores one probability.");
        }

        var booster = learner.GetProperty("gradient_booster");
        var boosterName = booster.GetProperty("name").GetString();
        if (boosterName != "gbtree")
        {
            throw new NotSupportedException($"Only the gbtree booster is supported, not '{boosterName}'.");
        }

        var trees = new List<DecisionTree>();
        foreach (var tree in booster.GetProperty("model").GetProperty("trees").EnumerateArray())
        {
            trees.Add(ParseTree(tree));
        }

        return new TreeEnsemble(trees, featureCount, BaseScoreToMargin(objective, baseScore), objective);
    }

    /// <summary>XGBoost's ObjFunction::ProbToMargin: logit for the logistic objectives, identity otherwise.</summary>
    internal static float BaseScoreToMargin(string objective, float baseScore) => objective switch
    {
        "binary:logistic" or "reg:logistic" or "binary:logitraw" => -MathF.Log(1f / baseScore - 1f),
        _ => baseScore,
    };

    private static DecisionTree ParseTree(JsonElement tree)
    {
        var left = ReadInts(tree, "left_children");
        var right = ReadInts(tree, "right_children");
        var features = ReadInts(tree, "split_indices");
        var conditions = ReadFloats(tree, "split_conditions");
        var defaultLeft = ReadInts(tree, "default_left").Select(v => v != 0).ToArray();
        var cover = ReadFloats(tree, "sum_hessian");
        if (tree.TryGetProperty("split_type", out var splitTypes) && splitTypes.EnumerateArray().Any(t => t.GetInt32() != 0))
        {
            throw new NotSupportedException("Categorical splits are not supported; FraudEx features are numeric.");
        }

        var n = left.Length;
        var threshold = new float[n];
        var leaf = new float[n];
        for (var i = 0; i < n; i++)
        {
            // XGBoost stores a leaf's value in split_conditions (the split condition and leaf value share storage).
            if (left[i] < 0)
            {
                leaf[i] = conditions[i];
                features[i] = 0;
            }
            else
            {
                threshold[i] = conditions[i];
            }
        }

        return new DecisionTree(left, right, features, threshold, defaultLeft, leaf, cover);
    }

    private static int[] ReadInts(JsonElement tree, string name) =>
        tree.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    // Floats are printed by XGBoost as the shortest decimal that round-trips a float32; parsing them straight to
    // float (not via double) gives back the exact bits.
    private static float[] ReadFloats(JsonElement tree, string name) =>
        tree.GetProperty(name).EnumerateArray().Select(e => float.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
}
