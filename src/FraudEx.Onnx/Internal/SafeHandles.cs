using Microsoft.Win32.SafeHandles;

namespace FraudEx.Onnx.Internal;

/// <summary>Base for ONNX Runtime objects released through an OrtApi Release* entry.</summary>
internal abstract unsafe class OrtSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    protected OrtSafeHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);
}

internal sealed unsafe class OrtEnvHandle(IntPtr handle) : OrtSafeHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseEnv(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionOptionsHandle(IntPtr handle) : OrtSafeHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionHandle(IntPtr handle) : OrtSafeHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSession(handle);
        return true;
    }
}

internal sealed unsafe class OrtMemoryInfoHandle(IntPtr handle) : OrtSafeHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtValueHandle(IntPtr handle) : OrtSafeHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseValue(handle);
        return true;
    }
}
