using FraudEx.Models.Internal;

namespace FraudEx.Models;

/// <summary>The tree ensemble read out of an ONNX model, with the model's metadata.</summary>
public sealed record OnnxTreeModel(TreeEnsemble Ensemble, IReadOnlyDictionary<string, string> Metadata, string InputName)
{
    /// <summary>Reads an ONNX model exported by FraudEx (see <see cref="OnnxModelFormat"/>).</summary>
    public static OnnxTreeModel Read(ReadOnlySpan<byte> onnx) => OnnxTreeReader.Read(onnx);

    public static OnnxTreeModel Read(string path) => OnnxTreeReader.Read(File.ReadAllBytes(path));

    /// <summary>Writes <paramref name="ensemble"/> as an ONNX model (see <see cref="OnnxModelFormat"/>).</summary>
    public static byte[] Write(TreeEnsemble ensemble, OnnxExportOptions? options = null) =>
        OnnxTreeWriter.Write(ensemble, options ?? new OnnxExportOptions());
}
