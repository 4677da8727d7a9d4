using System.Runtime.InteropServices;
using FraudEx.XGBoost.Internal;

namespace FraudEx.XGBoost;

/// <summary>Locates and loads libxgboost.so.0 once per process.</summary>
/// <remarks>Lookup order: the FRAUDEX_XGBOOST_PATH environment variable (a file), then the loader's default search
/// (which finds Debian's /usr/lib/x86_64-linux-gnu/libxgboost.so.0). A missing library raises one
/// <see cref="XGBoostException"/> saying how to install it, instead of a bare DllNotFoundException deep in a call.</remarks>
public static class XGBoostLibrary
{
    public const string PathEnvironmentVariable = "FRAUDEX_XGBOOST_PATH";

    private static readonly Lazy<IntPtr> Handle = new(LoadCore, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The loaded library's version, e.g. 1.7.4.</summary>
    public static Version Version
    {
        get
        {
            Load();
            NativeMethods.XGBoostVersion(out var major, out var minor, out var patch);
            return new Version(major, minor, patch);
        }
    }

    internal static IntPtr Load() => Handle.Value;

    /// <summary>The message given when the library cannot be loaded; public so callers and tests can recognise it.</summary>
    public static string MissingLibraryMessage(string tried) =>
        $"The XGBoost native library could not be loaded (tried: {tried}). FraudEx needs libxgboost.so.0 (XGBoost 1.7): " +
        "install it with `sudo apt-get install libxgboost0` (Debian/Ubuntu; scripts/install-deps.sh does this), " +
        $"or set {PathEnvironmentVariable} to the full path of a libxgboost.so.";

    private static IntPtr LoadCore()
    {
        var configured = Environment.GetEnvironmentVariable(PathEnvironmentVariable);
        return LoadFirst(string.IsNullOrWhiteSpace(configured)
            ? ["libxgboost.so.0", "/usr/lib/x86_64-linux-gnu/libxgboost.so.0", "libxgboost.so"]
            : [configured]);
    }

    internal static IntPtr LoadFirst(IReadOnlyList<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        throw new XGBoostException(MissingLibraryMessage(string.Join(", ", candidates)));
    }
}
