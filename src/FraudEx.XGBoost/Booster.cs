using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FraudEx.XGBoost.Internal;

namespace FraudEx.XGBoost;

/// <summary>An XGBoost booster: set parameters, boost one round at a time, evaluate, predict, save and load JSON.</summary>
/// <remarks>Calls are serialised on an internal lock: libxgboost hands back prediction buffers owned by the booster,
/// valid only until its next call, so a concurrent caller must not overwrite them before they are copied.</remarks>
public sealed class Booster : IDisposable
{
    private readonly BoosterSafeHandle _handle;
    private readonly Lock _gate = new();

    private Booster(BoosterSafeHandle handle) => _handle = handle;

    /// <summary>Creates a booster whose prediction cache covers <paramref name="cache"/> (the training and evaluation
    /// matrices), with the given parameters set in order.</summary>
    public static unsafe Booster Create(IReadOnlyList<DMatrix> cache, IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        XGBoostLibrary.Load();
        var handles = new IntPtr[cache.Count];
        var refs = new bool[cache.Count];
        try
        {
            for (var i = 0; i < cache.Count; i++)
            {
                cache[i].Handle.DangerousAddRef(ref refs[i]);
                handles[i] = cache[i].Handle.DangerousGetHandle();
            }

            IntPtr raw;
            fixed (IntPtr* p = handles)
            {
                NativeMethods.Check(NativeMethods.XGBoosterCreate(p, (ulong)handles.Length, out raw), "XGBoosterCreate");
            }

            var booster = new Booster(new BoosterSafeHandle(raw));
            if (parameters is not null)
            {
                foreach (var (name, value) in parameters)
                {
                    booster.SetParam(name, value);
                }
            }

            return booster;
        }
        finally
        {
            for (var i = 0; i < cache.Count; i++)
            {
                if (refs[i])
                {
                    cache[i].Handle.DangerousRelease();
                }
            }
        }
    }

    /// <summary>Loads a model saved by <see cref="SaveModel"/> (JSON or UBJSON).</summary>
    public static unsafe Booster Load(ReadOnlySpan<byte> model)
    {
        var booster = Create([]);
        try
        {
            fixed (byte* p = model)
            {
                NativeMethods.Check(NativeMethods.XGBoosterLoadModelFromBuffer(booster._handle, p, (ulong)model.Length), "XGBoosterLoadModelFromBuffer");
            }

            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    /// <summary>Number of boosting rounds in the model.</summary>
    public int BoostedRounds
    {
        get
        {
            lock (_gate)
            {
                NativeMethods.Check(NativeMethods.XGBoosterBoostedRounds(_handle, out var rounds), "XGBoosterBoostedRounds");
                return rounds;
            }
        }
    }

    /// <summary>Number of features the model was trained on.</summary>
    public int FeatureCount
    {
        get
        {
            lock (_gate)
            {
                NativeMethods.Check(NativeMethods.XGBoosterGetNumFeature(_handle, out var n), "XGBoosterGetNumFeature");
                return checked((int)n);
            }
        }
    }

    public void SetParam(string name, string value)
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterSetParam(_handle, name, value), $"XGBoosterSetParam({name}={value})");
        }
    }

    /// <summary>Runs boosting round <paramref name="iteration"/> (0-based) on <paramref name="train"/>.</summary>
    public void UpdateOneIter(int iteration, DMatrix train)
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterUpdateOneIter(_handle, iteration, train.Handle), "XGBoosterUpdateOneIter");
        }
    }

    /// <summary>Evaluates the configured eval_metric(s) on named matrices after round <paramref name="iteration"/>.</summary>
    /// <returns>Every metric as "<c>name-metric</c>" → value, e.g. "valid-aucpr" → 0.71.</returns>
    public unsafe IReadOnlyDictionary<string, double> EvalOneIter(int iteration, IReadOnlyList<(string Name, DMatrix Data)> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var handles = new IntPtr[sets.Count];
        var names = new IntPtr[sets.Count];
        var refs = new bool[sets.Count];
        try
        {
            for (var i = 0; i < sets.Count; i++)
            {
                sets[i].Data.Handle.DangerousAddRef(ref refs[i]);
                handles[i] = sets[i].Data.Handle.DangerousGetHandle();
                names[i] = Marshal.StringToCoTaskMemUTF8(sets[i].Name);
            }

            string text;
            lock (_gate)
            {
                IntPtr result;
                fixed (IntPtr* h = handles)
                fixed (IntPtr* n = names)
                {
                    NativeMethods.Check(NativeMethods.XGBoosterEvalOneIter(_handle, iteration, h, n, (ulong)sets.Count, out result), "XGBoosterEvalOneIter");
                }

                text = Marshal.PtrToStringUTF8(result) ?? string.Empty;
            }

            return ParseEvaluation(text);
        }
        finally
        {
            for (var i = 0; i < sets.Count; i++)
            {
                Marshal.FreeCoTaskMem(names[i]);
                if (refs[i])
                {
                    sets[i].Data.Handle.DangerousRelease();
                }
            }
        }
    }

    /// <summary>Parses XGBoost's evaluation line, "[3]\tvalid-auc:0.91\tvalid-logloss:0.12".</summary>
    internal static Dictionary<string, double> ParseEvaluation(string line)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var part in line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (part.StartsWith('[') || colon <= 0)
            {
                continue;
            }

            metrics[part[..colon]] = double.Parse(part[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return metrics;
    }

    /// <summary>Predicts every row of <paramref name="data"/>.</summary>
    /// <param name="iterationEnd">Use only rounds [0, iterationEnd); 0 means all rounds.</param>
    /// <returns>Rows values for <see cref="PredictionKind.Value"/> and <see cref="PredictionKind.Margin"/>;
    /// rows × (features + 1) for <see cref="PredictionKind.Contributions"/> (the last column is the bias).</returns>
    public unsafe float[] Predict(DMatrix data, PredictionKind kind = PredictionKind.Value, int iterationEnd = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        var config = string.Create(CultureInfo.InvariantCulture,
            $"{{\"type\": {(int)kind}, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": {iterationEnd}, \"strict_shape\": false}}");
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterPredictFromDMatrix(_handle, data.Handle, config, out var shape, out var dim, out var result), "XGBoosterPredictFromDMatrix");
            long length = 1;
            for (ulong i = 0; i < dim; i++)
            {
                length *= (long)shape[i];
            }

            return new ReadOnlySpan<float>(result, checked((int)length)).ToArray();
        }
    }

    /// <summary>Predicts straight from a dense row-major float matrix (XGBoosterPredictFromDense, "inplace predict"),
    /// without building a DMatrix: libxgboost's fastest path for scoring. NaN is missing.</summary>
    public unsafe float[] InplacePredict(ReadOnlySpan<float> data, int rows, int columns, PredictionKind kind = PredictionKind.Value)
    {
        if (data.Length != (long)rows * columns)
        {
            throw new ArgumentException($"Expected {rows} × {columns} values, got {data.Length}.", nameof(data));
        }

        var config = string.Create(CultureInfo.InvariantCulture,
            $"{{\"type\": {(int)kind}, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}}");
        fixed (float* p = data)
        {
            // NumPy's __array_interface__ (version 3): the address, read-only flag, shape and little-endian float32.
            var arrayInterface = string.Create(CultureInfo.InvariantCulture,
                $"{{\"data\": [{(ulong)p}, true], \"shape\": [{rows}, {columns}], \"typestr\": \"<f4\", \"version\": 3}}");
            lock (_gate)
            {
                NativeMethods.Check(NativeMethods.XGBoosterPredictFromDense(_handle, arrayInterface, config, IntPtr.Zero, out var shape, out var dim, out var result),
                    "XGBoosterPredictFromDense");
                long length = 1;
                for (ulong i = 0; i < dim; i++)
                {
                    length *= (long)shape[i];
                }

                return new ReadOnlySpan<float>(result, checked((int)length)).ToArray();
            }
        }
    }

    /// <summary>Saves the model: "json" (the documented schema, readable by FraudEx.Models) or "ubj".</summary>
    public byte[] SaveModel(string format = "json")
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterSaveModelToBuffer(_handle, $"{{\"format\": \"{format}\"}}", out var length, out var data), "XGBoosterSaveModelToBuffer");
            var bytes = new byte[checked((int)length)];
            Marshal.Copy(data, bytes, 0, bytes.Length);
            return bytes;
        }
    }

    /// <summary>The booster's full configuration (parameters as XGBoost resolved them) as JSON.</summary>
    public string SaveConfig()
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterSaveJsonConfig(_handle, out var length, out var data), "XGBoosterSaveJsonConfig");
            var bytes = new byte[checked((int)length)];
            Marshal.Copy(data, bytes, 0, bytes.Length);
            return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
        }
    }

    /// <summary>A new booster holding rounds [begin, end) of this one (e.g. up to the best early-stopping round).</summary>
    public Booster Slice(int begin, int end)
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterSlice(_handle, begin, end, 1, out var sliced), "XGBoosterSlice");
            return new Booster(new BoosterSafeHandle(sliced));
        }
    }

    public void SetAttribute(string key, string? value)
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterSetAttr(_handle, key, value), "XGBoosterSetAttr");
        }
    }

    public string? GetAttribute(string key)
    {
        lock (_gate)
        {
            NativeMethods.Check(NativeMethods.XGBoosterGetAttr(_handle, key, out var value, out var success), "XGBoosterGetAttr");
            return success == 1 ? Marshal.PtrToStringUTF8(value) : null;
        }
    }

    public void Dispose() => _handle.Dispose();
}
