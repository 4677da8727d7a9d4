namespace FraudEx.Onnx.Tests;

public sealed class OnnxRuntimeLibraryTests
{
    [Fact]
    public void LoadFirst_MissingLibrary_ThrowsOneClearError()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxRuntimeLibrary.LoadFirst(["/nonexistent/libonnxruntime.so.1"]));

        Assert.Contains("/nonexistent/libonnxruntime.so.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("npm pack onnxruntime-node@1.30.0", error.Message, StringComparison.Ordinal);
        Assert.Contains(OnnxRuntimeLibrary.PathEnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFirst_NotALibrary_ThrowsTheSameClearError()
    {
        var notALibrary = Path.Combine(AppContext.BaseDirectory, "FraudEx.Onnx.Tests.deps.json");

        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxRuntimeLibrary.LoadFirst([notALibrary]));

        Assert.Contains("could not be loaded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_WithoutOverride_LookNextToTheApplicationFirst()
    {
        if (Environment.GetEnvironmentVariable(OnnxRuntimeLibrary.PathEnvironmentVariable) is { Length: > 0 })
        {
            return;
        }

        var candidates = OnnxRuntimeLibrary.Candidates();

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), candidates[0]);
        Assert.Contains(candidates, c => c.EndsWith(".cache/fraudex/onnxruntime/1.30.0/libonnxruntime.so.1", StringComparison.Ordinal));
    }
}
