using System.Reflection;
using System.Runtime.InteropServices;

namespace FraudEx.XGBoost.Internal;

/// <summary>P/Invoke declarations of the XGBoost 1.7 C API (include/xgboost/c_api.h). Every call returns 0 on success
/// and -1 on failure, the message then being in <see cref="XGBGetLastError"/> (thread-local in libxgboost).</summary>
internal static partial class NativeMethods
{
    internal const string LibraryName = "xgboost";

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    /// <summary>Forces the resolver to run once so that a missing library surfaces as one clear exception.</summary>
    internal static void EnsureLoaded() => XGBoostLibrary.Load();

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? XGBoostLibrary.Load() : IntPtr.Zero;

    [LibraryImport(LibraryName)]
    internal static partial IntPtr XGBGetLastError();

    [LibraryImport(LibraryName)]
    internal static partial void XGBoostVersion(out int major, out int minor, out int patch);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBSetGlobalConfig(string config);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int XGDMatrixCreateFromMat(float* data, ulong nrow, ulong ncol, float missing, out IntPtr handle);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int XGDMatrixSetFloatInfo(DMatrixSafeHandle handle, string field, float* array, ulong len);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixNumRow(DMatrixSafeHandle handle, out ulong rows);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixNumCol(DMatrixSafeHandle handle, out ulong cols);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixFree(IntPtr handle);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int XGBoosterCreate(IntPtr* dmats, ulong len, out IntPtr handle);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterFree(IntPtr handle);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSetParam(BoosterSafeHandle handle, string name, string value);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterUpdateOneIter(BoosterSafeHandle handle, int iter, DMatrixSafeHandle dtrain);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int XGBoosterEvalOneIter(
        BoosterSafeHandle handle, int iter, IntPtr* dmats, IntPtr* evnames, ulong len, out IntPtr result);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int XGBoosterPredictFromDMatrix(
        BoosterSafeHandle handle, DMatrixSafeHandle dmat, string config, out ulong* shape, out ulong dim, out float* result);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int XGBoosterPredictFromDense(
        BoosterSafeHandle handle, string arrayInterface, string config, IntPtr proxy, out ulong* shape, out ulong dim, out float* result);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSaveModelToBuffer(BoosterSafeHandle handle, string config, out ulong length, out IntPtr data);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int XGBoosterLoadModelFromBuffer(BoosterSafeHandle handle, byte* buffer, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterSlice(BoosterSafeHandle handle, int beginLayer, int endLayer, int step, out IntPtr sliced);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterBoostedRounds(BoosterSafeHandle handle, out int rounds);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterGetNumFeature(BoosterSafeHandle handle, out ulong features);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSetAttr(BoosterSafeHandle handle, string key, string? value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterGetAttr(BoosterSafeHandle handle, string key, out IntPtr value, out int success);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterSaveJsonConfig(BoosterSafeHandle handle, out ulong length, out IntPtr data);

    /// <summary>Throws <see cref="XGBoostException"/> with libxgboost's own message when a call failed.</summary>
    internal static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            var message = Marshal.PtrToStringUTF8(XGBGetLastError()) ?? "no message";
            throw new XGBoostException($"{call} failed: {message}");
        }
    }
}
