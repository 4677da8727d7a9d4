using FraudEx.XGBoost.Internal;

namespace FraudEx.XGBoost;

/// <summary>XGBoost's data matrix built from a dense row-major float matrix; NaN marks a missing value.</summary>
public sealed class DMatrix : IDisposable
{
    private DMatrix(DMatrixSafeHandle handle, int rows, int columns)
    {
        Handle = handle;
        Rows = rows;
        Columns = columns;
    }

    public int Rows { get; }

    public int Columns { get; }

    internal DMatrixSafeHandle Handle { get; }

    /// <summary>Copies <paramref name="data"/> (rows × columns, row-major) into a new DMatrix.</summary>
    /// <param name="missing">The value that means "missing"; NaN by default (NaN is always missing for XGBoost).</param>
    public static unsafe DMatrix FromDense(ReadOnlySpan<float> data, int rows, int columns, float missing = float.NaN)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (data.Length != (long)rows * columns)
        {
            throw new ArgumentException($"Expected {rows} × {columns} = {(long)rows * columns} values, got {data.Length}.", nameof(data));
        }

        XGBoostLibrary.Load();
        IntPtr raw;
        fixed (float* p = data)
        {
            NativeMethods.Check(NativeMethods.XGDMatrixCreateFromMat(p, (ulong)rows, (ulong)columns, missing, out raw), "XGDMatrixCreateFromMat");
        }

        return new DMatrix(new DMatrixSafeHandle(raw), rows, columns);
    }

    /// <summary>Sets the training labels (one per row; 0 or 1 for binary:logistic).</summary>
    public void SetLabels(ReadOnlySpan<float> labels) => SetFloatInfo("label", labels);

    /// <summary>Sets per-row instance weights.</summary>
    public void SetWeights(ReadOnlySpan<float> weights) => SetFloatInfo("weight", weights);

    /// <summary>Sets a per-row starting margin (added to base_score's margin before the trees).</summary>
    public void SetBaseMargin(ReadOnlySpan<float> margins) => SetFloatInfo("base_margin", margins);

    private unsafe void SetFloatInfo(string field, ReadOnlySpan<float> values)
    {
        if (values.Length != Rows)
        {
            throw new ArgumentException($"Expected one {field} per row ({Rows}), got {values.Length}.", nameof(values));
        }

        fixed (float* p = values)
        {
            NativeMethods.Check(NativeMethods.XGDMatrixSetFloatInfo(Handle, field, p, (ulong)values.Length), $"XGDMatrixSetFloatInfo({field})");
        }
    }

    public void Dispose() => Handle.Dispose();
}
