using System.Runtime.InteropServices;
using FraudEx.Models.Internal.OnnxProto;
using Google.Protobuf;

namespace FraudEx.Models.Internal;

/// <summary>Reads the trees back out of an ONNX model written by <see cref="OnnxTreeWriter"/>: the TreeEnsembleRegressor
/// node's attributes give structure, thresholds, default directions and leaf values; the cover metadata gives each
/// node's hessian sum. The ONNX file is thus the one source of truth for both scoring and explanations.</summary>
internal static class OnnxTreeReader
{
    public static OnnxTreeModel Read(ReadOnlySpan<byte> onnx)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException("Not an ONNX model: " + e.Message, e);
        }

        var graph = model.Graph ?? throw new InvalidDataException("The ONNX model has no graph.");
        var metadata = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var node = graph.Node.SingleOrDefault(n => n.OpType == "TreeEnsembleRegressor" && n.Domain == OnnxModelFormat.MlDomain)
            ?? throw new InvalidDataException("The ONNX model has no ai.onnx.ml TreeEnsembleRegressor node; it was not exported by FraudEx.");
        var attributes = node.Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);

        var input = graph.Input.Single(i => i.Name == node.Input[0]);
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 2 || dims[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            throw new InvalidDataException($"Input '{input.Name}' must have shape [batch, features] with a fixed feature count.");
        }

        var featureCount = checked((int)dims[1].DimValue);
        var treeIds = Ints(attributes, "nodes_treeids");
        var nodeIds = Ints(attributes, "nodes_nodeids");
        var featureIds = Ints(attributes, "nodes_featureids");
        var values = Floats(attributes, "nodes_values");
        var modes = attributes["nodes_modes"].Strings.Select(s => s.ToStringUtf8()).ToArray();
        var trueIds = Ints(attributes, "nodes_truenodeids");
        var falseIds = Ints(attributes, "nodes_falsenodeids");
        var tracksTrue = attributes.TryGetValue("nodes_missing_value_tracks_true", out var t) ? t.Ints.ToArray() : new long[treeIds.Length];
        var targetTrees = Ints(attributes, "target_treeids");
        var targetNodes = Ints(attributes, "target_nodeids");
        var targetWeights = Floats(attributes, "target_weights");
        var baseValues = attributes.TryGetValue("base_values", out var b) ? b.Floats.ToArray() : [0f];
        var aggregate = attributes.TryGetValue("aggregate_function", out var a) ? a.S.ToStringUtf8() : "SUM";
        var post = attributes.TryGetValue("post_transform", out var p) ? p.S.ToStringUtf8() : "NONE";
        if (aggregate != "SUM" || post != "NONE")
        {
            throw new InvalidDataException($"Expected aggregate_function SUM and post_transform NONE, found {aggregate} and {post}.");
        }

        var covers = metadata.TryGetValue(OnnxModelFormat.CoverMetadataKey, out var encoded)
            ? DecodeFloats(encoded)
            : throw new InvalidDataException($"The ONNX model has no '{OnnxModelFormat.CoverMetadataKey}' metadata; explanations need each node's cover.");
        var n = treeIds.Length;
        if (nodeIds.Length != n || featureIds.Length != n || values.Length != n || modes.Length != n || trueIds.Length != n
            || falseIds.Length != n || tracksTrue.Length != n || covers.Length != n)
        {
            throw new InvalidDataException("The tree ensemble's nodes_* attributes and cover metadata differ in length.");
        }

        var treeCount = n == 0 ? 0 : checked((int)treeIds.Max() + 1);
        var builders = new TreeBuilder[treeCount];
        for (var i = 0; i < n; i++)
        {
            var tree = checked((int)treeIds[i]);
            builders[tree] ??= new TreeBuilder();
            builders[tree].Nodes.Add(i);
        }

        var leafValues = new Dictionary<(long Tree, long Node), float>();
        for (var i = 0; i < targetTrees.Length; i++)
        {
            var key = (targetTrees[i], targetNodes[i]);
            leafValues[key] = leafValues.GetValueOrDefault(key) + targetWeights[i];
        }

        var trees = new List<DecisionTree>(treeCount);
        for (var tree = 0; tree < treeCount; tree++)
        {
            var indices = builders[tree]?.Nodes ?? throw new InvalidDataException($"Tree {tree} has no nodes.");
            var size = checked((int)indices.Max(i => nodeIds[i]) + 1);
            var left = Enumerable.Repeat(-1, size).ToArray();
            var right = Enumerable.Repeat(-1, size).ToArray();
            var feature = new int[size];
            var threshold = new float[size];
            var defaultLeft = new bool[size];
            var leaf = new float[size];
            var cover = new float[size];
            foreach (var i in indices)
            {
                var id = checked((int)nodeIds[i]);
                cover[id] = covers[i];
                switch (modes[i])
                {
                    case "LEAF":
                        leaf[id] = leafValues.GetValueOrDefault((tree, id));
                        break;
                    case "BRANCH_LT":
                        left[id] = checked((int)trueIds[i]);
                        right[id] = checked((int)falseIds[i]);
                        feature[id] = checked((int)featureIds[i]);
                        threshold[id] = values[i];
                        defaultLeft[id] = tracksTrue[i] != 0;
                        break;
                    default:
                        throw new InvalidDataException($"Node mode {modes[i]} is not produced by FraudEx (expected BRANCH_LT or LEAF).");
                }
            }

            trees.Add(new DecisionTree(left, right, feature, threshold, defaultLeft, leaf, cover));
        }

        var objective = metadata.GetValueOrDefault(OnnxModelFormat.ObjectiveMetadataKey, "binary:logistic");
        return new OnnxTreeModel(new TreeEnsemble(trees, featureCount, baseValues.Length > 0 ? baseValues[0] : 0f, objective), metadata, input.Name);
    }

    private static float[] DecodeFloats(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException("Cover metadata is not a whole number of float32 values.");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static long[] Ints(Dictionary<string, AttributeProto> attributes, string name) =>
        attributes.TryGetValue(name, out var a) ? a.Ints.ToArray() : throw new InvalidDataException($"Attribute '{name}' is missing.");

    private static float[] Floats(Dictionary<string, AttributeProto> attributes, string name) =>
        attributes.TryGetValue(name, out var a) ? a.Floats.ToArray() : throw new InvalidDataException($"Attribute '{name}' is missing.");

    private sealed class TreeBuilder
    {
        public List<int> Nodes { get; } = [];
    }
}
