namespace FraudEx.Models;

/// <summary>Names and metadata written into an exported ONNX model.</summary>
public sealed record OnnxExportOptions
{
    public string InputName { get; init; } = OnnxModelFormat.InputName;

    public string ModelName { get; init; } = "fraudex";

    public long ModelVersion { get; init; } = 1;

    public string? Description { get; init; }

    /// <summary>Extra ModelProto.metadata_props entries (e.g. the feature schema version and model id).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>The shape of the ONNX models FraudEx exports, shared by the exporter, the reader and the scoring side.</summary>
public static class OnnxModelFormat
{
    /// <summary>Input: float[batch, features]; NaN is a missing value.</summary>
    public const string InputName = "features";

    /// <summary>Output 0: float[batch, 1], the fraud probability (Sigmoid of the margin).</summary>
    public const string ProbabilityOutput = "probability";

    /// <summary>Output 1: float[batch, 1], the margin (log-odds) before the Sigmoid.</summary>
    public const string MarginOutput = "margin";

    /// <summary>Metadata key holding every node's cover (hessian sum), which the ONNX operator has no attribute for and
    /// TreeSHAP needs: little-endian float32 values in the order of the nodes_* attributes, base64-encoded.</summary>
    public const string CoverMetadataKey = "fraudex.node_covers";

    /// <summary>Metadata key naming the XGBoost objective the margin belongs to.</summary>
    public const string ObjectiveMetadataKey = "fraudex.objective";

    /// <summary>Metadata key with the feature schema version the model was trained on.</summary>
    public const string SchemaVersionMetadataKey = "fraudex.feature_schema_version";

    internal const string MlDomain = "ai.onnx.ml";
    internal const int MlOpsetVersion = 3;
    internal const int OnnxOpsetVersion = 17;
    internal const long IrVersion = 8;
}
