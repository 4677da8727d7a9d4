using Microsoft.Win32.SafeHandles;

namespace FraudEx.XGBoost.Internal;

internal sealed class DMatrixSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DMatrixSafeHandle() : base(ownsHandle: true) { }

    internal DMatrixSafeHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => NativeMethods.XGDMatrixFree(handle) == 0;
}

internal sealed class BoosterSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public BoosterSafeHandle() : base(ownsHandle: true) { }

    internal BoosterSafeHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => NativeMethods.XGBoosterFree(handle) == 0;
}
