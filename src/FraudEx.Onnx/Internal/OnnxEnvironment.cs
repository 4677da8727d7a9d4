namespace FraudEx.Onnx.Internal;

/// <summary>The process-wide OrtEnv. ONNX Runtime keeps one environment per process (logging, global state); every
/// session is created from it, and it lives as long as the process.</summary>
internal static unsafe class OnnxEnvironment
{
    private const int LoggingLevelWarning = 2;

    private static readonly Lazy<OrtEnvHandle> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    internal static OrtEnvHandle Handle => Shared.Value;

    private static OrtEnvHandle Create()
    {
        var api = OrtApi.Instance;
        IntPtr env;
        var logId = "FraudEx\0"u8;
        fixed (byte* id = logId)
        {
            api.Check(api.CreateEnv(LoggingLevelWarning, id, &env), "CreateEnv");
        }

        return new OrtEnvHandle(env);
    }
}
