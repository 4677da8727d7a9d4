using System.Runtime.InteropServices;
using FraudEx.Onnx.Internal;

namespace FraudEx.Onnx;

/// <summary>Locates and loads libonnxruntime.so.1 once per process and exposes its version.</summary>
/// <remarks>Lookup order: <see cref="PathEnvironmentVariable"/> (a file), the application's directory (where the build
/// copies the library), the build's cache (~/.cache/fraudex/onnxruntime/1.30.0), then the loader's default search.</remarks>
public static class OnnxRuntimeLibrary
{
    public const string PathEnvironmentVariable = "FRAUDEX_ONNXRUNTIME_PATH";

    /// <summary>The ONNX Runtime release the build fetches and FraudEx is tested with.</summary>
    public const string ExpectedVersion = "1.30.0";

    private const string FileName = "libonnxruntime.so.1";

    private static readonly Lazy<IntPtr> Handle = new(LoadCore, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The loaded library's version string (OrtApiBase::GetVersionString), e.g. "1.30.0".</summary>
    public static string Version => OrtApi.Instance.Version;

    internal static IntPtr Load() => Handle.Value;

    public static string MissingLibraryMessage(string tried) =>
        $"The ONNX Runtime native library ({FileName}, {ExpectedVersion}) could not be loaded (tried: {tried}). " +
        $"Building src/FraudEx.Onnx fetches it with `npm pack onnxruntime-node@{ExpectedVersion}` into ~/.cache/fraudex/onnxruntime/{ExpectedVersion}/ " +
        "and copies it next to the assemblies; that needs npm and access to the npm registry. To fetch it by hand: " +
        $"`npm pack onnxruntime-node@{ExpectedVersion} && tar -xzf onnxruntime-node-{ExpectedVersion}.tgz package/bin/napi-v6/linux/x64/{FileName}`, " +
        $"then set {PathEnvironmentVariable} to the extracted file.";

    internal static IReadOnlyList<string> Candidates()
    {
        var configured = Environment.GetEnvironmentVariable(PathEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return [configured];
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return
        [
            Path.Combine(AppContext.BaseDirectory, FileName),
            Path.Combine(home, ".cache", "fraudex", "onnxruntime", ExpectedVersion, FileName),
            FileName,
        ];
    }

    private static IntPtr LoadCore() => LoadFirst(Candidates());

    internal static IntPtr LoadFirst(IReadOnlyList<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            // A relative bare name goes to the loader's search path; a path must exist to be worth trying.
            if ((!candidate.Contains('/') || File.Exists(candidate)) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        throw new OnnxRuntimeException(MissingLibraryMessage(string.Join(", ", candidates)));
    }
}
