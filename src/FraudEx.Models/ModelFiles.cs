namespace FraudEx.Models;

/// <summary>Writes a model the way FraudEx ships it: &lt;directory&gt;/&lt;model id&gt;.onnx and &lt;model id&gt;.manifest.json.</summary>
public static class ModelFiles
{
    /// <summary>Exports an XGBoost model (its JSON, from Booster.SaveModel) to ONNX and writes it with its manifest.</summary>
    /// <returns>The path of the .onnx file.</returns>
    public static string Write(string directory, ReadOnlySpan<byte> xgboostJson, ModelManifest manifest) =>
        Write(directory, TreeEnsemble.FromXGBoostJson(xgboostJson), manifest);

    public static string Write(string directory, TreeEnsemble ensemble, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(manifest);
        if (ensemble.FeatureCount != manifest.FeatureSchema.Names.Count)
        {
            throw new ArgumentException(
                $"The ensemble takes {ensemble.FeatureCount} features but the manifest lists {manifest.FeatureSchema.Names.Count}.", nameof(manifest));
        }

        Directory.CreateDirectory(directory);
        var onnxFile = manifest.OnnxFile ?? manifest.ModelId + ".onnx";
        var onnxPath = Path.Combine(directory, onnxFile);
        var bytes = OnnxTreeModel.Write(ensemble, new OnnxExportOptions
        {
            ModelName = manifest.ModelId,
            Description = $"FraudEx fraud model {manifest.ModelId} ({manifest.Version}), feature schema {manifest.FeatureSchema.Version}.",
            Metadata = new Dictionary<string, string>
            {
                ["fraudex.model_id"] = manifest.ModelId,
                ["fraudex.model_version"] = manifest.Version,
                [OnnxModelFormat.SchemaVersionMetadataKey] = manifest.FeatureSchema.Version,
                ["fraudex.feature_names"] = string.Join(",", manifest.FeatureSchema.Names),
            },
        });
        File.WriteAllBytes(onnxPath, bytes);
        (manifest with { OnnxFile = onnxFile }).Save(ModelManifest.PathFor(onnxPath));
        return onnxPath;
    }
}
