using System.Runtime.InteropServices;
using FraudEx.Models.Internal.OnnxProto;
using Google.Protobuf;

namespace FraudEx.Models.Internal;

/// <summary>Writes a <see cref="TreeEnsemble"/> as an ONNX model: ai.onnx.ml TreeEnsembleRegressor (margin, aggregate SUM,
/// base_values = base margin, BRANCH_LT splits, NaN following default_left through nodes_missing_value_tracks_true),
/// then an ai.onnx Sigmoid for the probability.</summary>
/// <remarks>The regressor + Sigmoid form keeps the margin as a named output (TreeSHAP sums to it, tests compare it with
/// libxgboost) and avoids TreeEnsembleClassifier's under-specified two-class / single-weight convention.</remarks>
internal static class OnnxTreeWriter
{
    private const string MarginNodeName = "tree_ensemble";

    public static byte[] Write(TreeEnsemble ensemble, OnnxExportOptions options)
    {
        var treeIds = new List<long>();
        var nodeIds = new List<long>();
        var featureIds = new List<long>();
        var values = new List<float>();
        var modes = new List<ByteString>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var missingTracksTrue = new List<long>();
        var covers = new List<float>();
        var targetTreeIds = new List<long>();
        var targetNodeIds = new List<long>();
        var targetIds = new List<long>();
        var targetWeights = new List<float>();
        var branch = ByteString.CopyFromUtf8("BRANCH_LT");
        var leaf = ByteString.CopyFromUtf8("LEAF");

        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            foreach (var node in tree.ReachableNodes())
            {
                treeIds.Add(t);
                nodeIds.Add(node);
                covers.Add(tree.Cover[node]);
                if (tree.IsLeaf(node))
                {
                    featureIds.Add(0);
                    values.Add(0);
                    modes.Add(leaf);
                    trueIds.Add(0);
                    falseIds.Add(0);
                    missingTracksTrue.Add(0);
                    targetTreeIds.Add(t);
                    targetNodeIds.Add(node);
                    targetIds.Add(0);
                    targetWeights.Add(tree.LeafValue[node]);
                }
                else
                {
                    featureIds.Add(tree.Feature[node]);
                    values.Add(tree.Threshold[node]);
                    modes.Add(branch);
                    // BRANCH_LT: x < value takes the true branch, XGBoost's "yes" (left) child.
                    trueIds.Add(tree.Left[node]);
                    falseIds.Add(tree.Right[node]);
                    missingTracksTrue.Add(tree.DefaultLeft[node] ? 1 : 0);
                }
            }
        }

        var ensembleNode = new NodeProto
        {
            Name = MarginNodeName,
            OpType = "TreeEnsembleRegressor",
            Domain = OnnxModelFormat.MlDomain,
            Input = { options.InputName },
            Output = { OnnxModelFormat.MarginOutput },
            Attribute =
            {
                Int("n_targets", 1),
                Ints("nodes_treeids", treeIds),
                Ints("nodes_nodeids", nodeIds),
                Ints("nodes_featureids", featureIds),
                Floats("nodes_values", values),
                Strings("nodes_modes", modes),
                Ints("nodes_truenodeids", trueIds),
                Ints("nodes_falsenodeids", falseIds),
                Ints("nodes_missing_value_tracks_true", missingTracksTrue),
                Ints("target_treeids", targetTreeIds),
                Ints("target_nodeids", targetNodeIds),
                Ints("target_ids", targetIds),
                Floats("target_weights", targetWeights),
                Floats("base_values", [ensemble.BaseMargin]),
                String("aggregate_function", "SUM"),
                String("post_transform", "NONE"),
            },
        };
        var sigmoid = new NodeProto
        {
            Name = "sigmoid",
            OpType = "Sigmoid",
            Domain = string.Empty,
            Input = { OnnxModelFormat.MarginOutput },
            Output = { OnnxModelFormat.ProbabilityOutput },
        };

        var graph = new GraphProto
        {
            Name = options.ModelName,
            Node = { ensembleNode, sigmoid },
            Input = { Tensor(options.InputName, ensemble.FeatureCount) },
            Output = { Tensor(OnnxModelFormat.ProbabilityOutput, 1), Tensor(OnnxModelFormat.MarginOutput, 1) },
        };

        var model = new ModelProto
        {
            IrVersion = OnnxModelFormat.IrVersion,
            ProducerName = "FraudEx",
            ProducerVersion = typeof(OnnxTreeWriter).Assembly.GetName().Version?.ToString() ?? "1.0",
            Domain = "fraudex",
            ModelVersion = options.ModelVersion,
            DocString = options.Description ?? "FraudEx fraud model: XGBoost tree ensemble (margin) followed by a sigmoid (probability).",
            Graph = graph,
            OpsetImport =
            {
                new OperatorSetIdProto { Domain = string.Empty, Version = OnnxModelFormat.OnnxOpsetVersion },
                new OperatorSetIdProto { Domain = OnnxModelFormat.MlDomain, Version = OnnxModelFormat.MlOpsetVersion },
            },
        };
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxModelFormat.CoverMetadataKey, Value = EncodeFloats(covers) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxModelFormat.ObjectiveMetadataKey, Value = ensemble.Objective });
        foreach (var (key, value) in options.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model.ToByteArray();
    }

    internal static string EncodeFloats(List<float> values)
    {
        var bytes = MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX metadata floats are written little-endian.");
        }

        return Convert.ToBase64String(bytes);
    }

    private static ValueInfoProto Tensor(string name, long width) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                        new TensorShapeProto.Types.Dimension { DimValue = width },
                    },
                },
            },
        },
    };

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto Floats(string name, IEnumerable<float> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    private static AttributeProto Strings(string name, IEnumerable<ByteString> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values);
        return attribute;
    }
}
