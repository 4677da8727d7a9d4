using System.Runtime.InteropServices;

namespace FraudEx.Onnx.Internal;

/// <summary>The OrtApi function table of onnxruntime_c_api.h, read by index.</summary>
/// <remarks>
/// <c>OrtGetApiBase()</c> is the library's only export we need; <c>GetApi(version)</c> returns a pointer to
/// <c>struct OrtApi</c>, a flat array of function pointers whose order is ABI: ONNX Runtime only ever appends to it
/// ("DO NOT MODIFY ABOVE" per version block), so an index verified against the header stays valid in later releases.
/// Every index below was counted in the header's struct OrtApi (first block, "Version 1", entries 0–101, then
/// the Version 2 additions). All of them exist since API version 2, so requesting <see cref="RequestedApiVersion"/>
/// (well below 1.30's own) gives the same table on any 1.x release from 1.17 on.
/// </remarks>
internal sealed unsafe class OrtApi
{
    internal const uint RequestedApiVersion = 17;

    // Indices into struct OrtApi (see remarks). Grouped as in the header.
    private const int IxGetErrorCode = 1;
    private const int IxGetErrorMessage = 2;
    private const int IxCreateEnv = 3;
    private const int IxCreateSession = 7;
    private const int IxCreateSessionFromArray = 8;
    private const int IxRun = 9;
    private const int IxCreateSessionOptions = 10;
    private const int IxSetSessionExecutionMode = 13;
    private const int IxSetSessionGraphOptimizationLevel = 23;
    private const int IxSetIntraOpNumThreads = 24;
    private const int IxSetInterOpNumThreads = 25;
    private const int IxSessionGetInputCount = 30;
    private const int IxSessionGetOutputCount = 31;
    private const int IxSessionGetInputTypeInfo = 33;
    private const int IxSessionGetOutputTypeInfo = 34;
    private const int IxSessionGetInputName = 36;
    private const int IxSessionGetOutputName = 37;
    private const int IxCreateTensorWithDataAsOrtValue = 49;
    private const int IxGetTensorMutableData = 51;
    private const int IxCastTypeInfoToTensorInfo = 55;
    private const int IxGetOnnxTypeFromTypeInfo = 56;
    private const int IxGetTensorElementType = 60;
    private const int IxGetDimensionsCount = 61;
    private const int IxGetDimensions = 62;
    private const int IxGetTensorTypeAndShape = 65;
    private const int IxCreateCpuMemoryInfo = 69;
    private const int IxAllocatorFree = 76;
    private const int IxGetAllocatorWithDefaultOptions = 78;
    private const int IxReleaseEnv = 92;
    private const int IxReleaseStatus = 93;
    private const int IxReleaseMemoryInfo = 94;
    private const int IxReleaseSession = 95;
    private const int IxReleaseValue = 96;
    private const int IxReleaseTypeInfo = 98;
    private const int IxReleaseTensorTypeAndShapeInfo = 99;
    private const int IxReleaseSessionOptions = 100;
    private const int IxSessionGetModelMetadata = 111;
    private const int IxModelMetadataLookupCustomMetadataMap = 116;
    private const int IxReleaseModelMetadata = 118;
    private const int IxAddSessionConfigEntry = 130;

    private static readonly Lazy<OrtApi> Shared = new(() => new OrtApi(OnnxRuntimeLibrary.Load()), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly IntPtr* _table;

    private OrtApi(IntPtr library)
    {
        var getApiBase = (delegate* unmanaged<IntPtr*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
        var apiBase = getApiBase();
        Version = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)apiBase[1])()) ?? "unknown";
        _table = (IntPtr*)((delegate* unmanaged<uint, IntPtr>)apiBase[0])(RequestedApiVersion);
        if (_table == null)
        {
            throw new OnnxRuntimeException(
                $"ONNX Runtime {Version} does not provide C API version {RequestedApiVersion}; FraudEx needs ONNX Runtime {OnnxRuntimeLibrary.ExpectedVersion}.");
        }

        GetErrorCode = (delegate* unmanaged<IntPtr, int>)_table[IxGetErrorCode];
        GetErrorMessage = (delegate* unmanaged<IntPtr, IntPtr>)_table[IxGetErrorMessage];
        CreateEnv = (delegate* unmanaged<int, byte*, IntPtr*, IntPtr>)_table[IxCreateEnv];
        CreateSession = (delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)_table[IxCreateSession];
        CreateSessionFromArray = (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)_table[IxCreateSessionFromArray];
        Run = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)_table[IxRun];
        CreateSessionOptions = (delegate* unmanaged<IntPtr*, IntPtr>)_table[IxCreateSessionOptions];
        SetSessionExecutionMode = (delegate* unmanaged<IntPtr, int, IntPtr>)_table[IxSetSessionExecutionMode];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)_table[IxSetSessionGraphOptimizationLevel];
        SetIntraOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)_table[IxSetIntraOpNumThreads];
        SetInterOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)_table[IxSetInterOpNumThreads];
        SessionGetInputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[IxSessionGetInputCount];
        SessionGetOutputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[IxSessionGetOutputCount];
        SessionGetInputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)_table[IxSessionGetInputTypeInfo];
        SessionGetOutputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)_table[IxSessionGetOutputTypeInfo];
        SessionGetInputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)_table[IxSessionGetInputName];
        SessionGetOutputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)_table[IxSessionGetOutputName];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)_table[IxCreateTensorWithDataAsOrtValue];
        GetTensorMutableData = (delegate* unmanaged<IntPtr, void**, IntPtr>)_table[IxGetTensorMutableData];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_table[IxCastTypeInfoToTensorInfo];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged<IntPtr, int*, IntPtr>)_table[IxGetOnnxTypeFromTypeInfo];
        GetTensorElementType = (delegate* unmanaged<IntPtr, int*, IntPtr>)_table[IxGetTensorElementType];
        GetDimensionsCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[IxGetDimensionsCount];
        GetDimensions = (delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)_table[IxGetDimensions];
        GetTensorTypeAndShape = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_table[IxGetTensorTypeAndShape];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, IntPtr*, IntPtr>)_table[IxCreateCpuMemoryInfo];
        AllocatorFree = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)_table[IxAllocatorFree];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<IntPtr*, IntPtr>)_table[IxGetAllocatorWithDefaultOptions];
        ReleaseEnv = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseEnv];
        ReleaseStatus = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseStatus];
        ReleaseMemoryInfo = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseMemoryInfo];
        ReleaseSession = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseSession];
        ReleaseValue = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseValue];
        ReleaseTypeInfo = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseTypeInfo];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseTensorTypeAndShapeInfo];
        ReleaseSessionOptions = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseSessionOptions];
        SessionGetModelMetadata = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_table[IxSessionGetModelMetadata];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged<IntPtr, IntPtr, byte*, IntPtr*, IntPtr>)_table[IxModelMetadataLookupCustomMetadataMap];
        ReleaseModelMetadata = (delegate* unmanaged<IntPtr, void>)_table[IxReleaseModelMetadata];
        AddSessionConfigEntry = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)_table[IxAddSessionConfigEntry];
    }

    internal static OrtApi Instance => Shared.Value;

    internal string Version { get; }

    internal readonly delegate* unmanaged<IntPtr, int> GetErrorCode;
    internal readonly delegate* unmanaged<IntPtr, IntPtr> GetErrorMessage;
    internal readonly delegate* unmanaged<int, byte*, IntPtr*, IntPtr> CreateEnv;
    internal readonly delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession;
    internal readonly delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    internal readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run;
    internal readonly delegate* unmanaged<IntPtr*, IntPtr> CreateSessionOptions;
    internal readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionExecutionMode;
    internal readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    internal readonly delegate* unmanaged<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    internal readonly delegate* unmanaged<IntPtr, int, IntPtr> SetInterOpNumThreads;
    internal readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    internal readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    internal readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    internal readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    internal readonly delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr> SessionGetInputName;
    internal readonly delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr> SessionGetOutputName;
    internal readonly delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    internal readonly delegate* unmanaged<IntPtr, void**, IntPtr> GetTensorMutableData;
    internal readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    internal readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetOnnxTypeFromTypeInfo;
    internal readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetTensorElementType;
    internal readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    internal readonly delegate* unmanaged<IntPtr, long*, nuint, IntPtr> GetDimensions;
    internal readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    internal readonly delegate* unmanaged<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    internal readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> AllocatorFree;
    internal readonly delegate* unmanaged<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseEnv;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseStatus;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseMemoryInfo;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseSession;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseValue;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseTypeInfo;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseTensorTypeAndShapeInfo;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseSessionOptions;
    internal readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> SessionGetModelMetadata;
    internal readonly delegate* unmanaged<IntPtr, IntPtr, byte*, IntPtr*, IntPtr> ModelMetadataLookupCustomMetadataMap;
    internal readonly delegate* unmanaged<IntPtr, void> ReleaseModelMetadata;
    internal readonly delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;

    /// <summary>Turns a non-null OrtStatus* into an exception (releasing the status), as every ORT_API2_STATUS call needs.</summary>
    internal void Check(IntPtr status, string call)
    {
        if (status == IntPtr.Zero)
        {
            return;
        }

        var code = (OrtErrorCode)GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "no message";
        ReleaseStatus(status);
        throw new OnnxRuntimeException(code, $"{call} failed ({code}): {message}");
    }

    /// <summary>Frees a string ONNX Runtime allocated with its default allocator (input/output names, metadata).</summary>
    internal string TakeString(IntPtr value)
    {
        var text = Marshal.PtrToStringUTF8(value) ?? string.Empty;
        IntPtr allocator;
        Check(GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        Check(AllocatorFree(allocator, value), "AllocatorFree");
        return text;
    }
}
