using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FraudEx.Onnx.Internal;

namespace FraudEx.Onnx;

/// <summary>An ONNX Runtime inference session over a model with one float input of shape [batch, features].</summary>
/// <remarks>
/// Safe for concurrent use: OrtSession::Run is thread-safe, and each call works on its own buffers rented from a pool
/// of pinned arrays, wrapped as tensors in place with CreateTensorWithDataAsOrtValue, so no call copies into memory
/// ONNX Runtime allocates. Outputs whose shape is known up to the batch dimension are written straight into a pooled
/// buffer bound as the output value; other outputs are allocated by ONNX Runtime and copied.
/// </remarks>
public sealed unsafe class OnnxSession : IDisposable
{
    private const int OrtArenaAllocator = 1;
    private const int OrtMemTypeDefault = 0;
    private const int OnnxTypeTensor = 1;

    private readonly OrtApi _api;
    private readonly OrtSessionHandle _session;
    private readonly OrtMemoryInfoHandle _memoryInfo;
    // Names as NUL-terminated UTF-8 on the pinned object heap: they stay valid as long as the session object is reachable,
    // so a Run still in flight when another thread disposes the session never reads freed memory.
    private readonly byte[] _inputName;
    private readonly byte[][] _outputNames;
    private readonly long[] _outputElementsPerRow;
    private readonly PinnedBufferPool _pool = new();

    private OnnxSession(OrtApi api, OrtSessionHandle session)
    {
        _api = api;
        _session = session;
        Inputs = ReadTensorInfos(isInput: true);
        Outputs = ReadTensorInfos(isInput: false);
        if (Inputs.Count != 1 || Inputs[0].ElementType != TensorElementType.Float || Inputs[0].Shape.Count != 2 || Inputs[0].Shape[1] <= 0)
        {
            _session.Dispose();
            throw new OnnxRuntimeException(
                $"FraudEx runs models with exactly one float input of shape [batch, features]; this model has {string.Join("; ", Inputs)}.");
        }

        FeatureCount = checked((int)Inputs[0].Shape[1]);
        IntPtr memoryInfo;
        _api.Check(_api.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memoryInfo), "CreateCpuMemoryInfo");
        _memoryInfo = new OrtMemoryInfoHandle(memoryInfo);
        _inputName = PinnedUtf8(Inputs[0].Name);
        _outputNames = Outputs.Select(o => PinnedUtf8(o.Name)).ToArray();
        _outputElementsPerRow = Outputs.Select(ElementsPerRow).ToArray();
    }

    /// <summary>The model's inputs, as read from the model by ONNX Runtime.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs, as read from the model by ONNX Runtime.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Width of the single input: floats per row.</summary>
    public int FeatureCount { get; }

    public static OnnxSession Load(string path, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        }

        var api = OrtApi.Instance;
        using var sessionOptions = CreateOptions(api, options ?? new OnnxSessionOptions());
        var env = OnnxEnvironment.Handle;
        var pathBytes = Encoding.UTF8.GetBytes(path + "\0");
        IntPtr session;
        fixed (byte* p = pathBytes)
        {
            api.Check(api.CreateSession(env.DangerousGetHandle(), p, sessionOptions.DangerousGetHandle(), &session), "CreateSession");
        }

        return new OnnxSession(api, new OrtSessionHandle(session));
    }

    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null)
    {
        var api = OrtApi.Instance;
        using var sessionOptions = CreateOptions(api, options ?? new OnnxSessionOptions());
        var env = OnnxEnvironment.Handle;
        IntPtr session;
        fixed (byte* p = model)
        {
            api.Check(api.CreateSessionFromArray(env.DangerousGetHandle(), p, (nuint)model.Length, sessionOptions.DangerousGetHandle(), &session), "CreateSessionFromArray");
        }

        return new OnnxSession(api, new OrtSessionHandle(session));
    }

    /// <summary>Index of the output called <paramref name="name"/>.</summary>
    public int OutputIndex(string name)
    {
        for (var i = 0; i < Outputs.Count; i++)
        {
            if (Outputs[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"The model has no output '{name}'; outputs: {string.Join(", ", Outputs.Select(o => o.Name))}.", nameof(name));
    }

    /// <summary>A value of the model's custom metadata (ModelProto.metadata_props), or null.</summary>
    public string? GetCustomMetadata(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var added = false;
        _session.DangerousAddRef(ref added);
        IntPtr metadata = IntPtr.Zero;
        try
        {
            _api.Check(_api.SessionGetModelMetadata(_session.DangerousGetHandle(), &metadata), "SessionGetModelMetadata");
            IntPtr allocator;
            _api.Check(_api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
            var keyBytes = Encoding.UTF8.GetBytes(key + "\0");
            IntPtr value;
            fixed (byte* k = keyBytes)
            {
                _api.Check(_api.ModelMetadataLookupCustomMetadataMap(metadata, allocator, k, &value), "ModelMetadataLookupCustomMetadataMap");
            }

            return value == IntPtr.Zero ? null : _api.TakeString(value);
        }
        finally
        {
            if (metadata != IntPtr.Zero)
            {
                _api.ReleaseModelMetadata(metadata);
            }

            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>Runs the model on <paramref name="rows"/> rows and returns output <paramref name="outputIndex"/>.</summary>
    public float[] Run(ReadOnlySpan<float> input, int rows, int outputIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, Outputs.Count);
        var perRow = _outputElementsPerRow[outputIndex];
        var destination = new float[perRow > 0 ? checked(rows * (int)perRow) : 0];
        var written = Run(input, rows, destination, outputIndex, allowResize: perRow <= 0, out var resized);
        return resized ?? destination[..written];
    }

    /// <summary>Runs the model on <paramref name="rows"/> rows (row-major, <see cref="FeatureCount"/> floats each; NaN
    /// is a missing value) and writes output <paramref name="outputIndex"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of floats written.</returns>
    public int Run(ReadOnlySpan<float> input, int rows, Span<float> destination, int outputIndex = 0) =>
        Run(input, rows, destination, outputIndex, allowResize: false, out _);

    private int Run(ReadOnlySpan<float> input, int rows, Span<float> destination, int outputIndex, bool allowResize, out float[]? resized)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, Outputs.Count);
        var inputLength = checked(rows * FeatureCount);
        if (input.Length != inputLength)
        {
            throw new ArgumentException($"Expected {rows} rows × {FeatureCount} features = {inputLength} floats, got {input.Length}.", nameof(input));
        }

        var output = Outputs[outputIndex];
        if (output.ElementType != TensorElementType.Float)
        {
            throw new NotSupportedException($"Output {output} is not a float tensor.");
        }

        resized = null;
        var perRow = _outputElementsPerRow[outputIndex];
        var boundLength = perRow > 0 ? checked(rows * (int)perRow) : 0;
        if (perRow > 0 && destination.Length < boundLength)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; output {output.Name} needs {boundLength}.", nameof(destination));
        }

        var inputBuffer = _pool.Rent(inputLength);
        var outputBuffer = perRow > 0 ? _pool.Rent(boundLength) : null;
        var added = false;
        OrtValueHandle? inputValue = null;
        OrtValueHandle? outputValue = null;
        IntPtr allocatedOutput = IntPtr.Zero;
        try
        {
            _session.DangerousAddRef(ref added);
            input.CopyTo(inputBuffer);
            inputValue = CreateTensor(inputBuffer, inputLength, [rows, FeatureCount]);
            if (outputBuffer is not null)
            {
                outputValue = CreateTensor(outputBuffer, boundLength, OutputShape(output, rows));
            }

            var inputName = (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_inputName));
            var outputName = (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_outputNames[outputIndex]));
            var inputHandle = inputValue.DangerousGetHandle();
            var outputHandle = outputValue?.DangerousGetHandle() ?? IntPtr.Zero;
            _api.Check(_api.Run(_session.DangerousGetHandle(), IntPtr.Zero, &inputName, &inputHandle, 1, &outputName, 1, &outputHandle), "Run");
            if (outputBuffer is not null)
            {
                outputBuffer.AsSpan(0, boundLength).CopyTo(destination);
                return boundLength;
            }

            // ONNX Runtime allocated the output (shape not known before the run): read its size, copy, release.
            allocatedOutput = outputHandle;
            return CopyAllocated(allocatedOutput, destination, allowResize, out resized);
        }
        finally
        {
            if (allocatedOutput != IntPtr.Zero)
            {
                _api.ReleaseValue(allocatedOutput);
            }

            outputValue?.Dispose();
            inputValue?.Dispose();
            if (added)
            {
                _session.DangerousRelease();
            }

            _pool.Return(inputBuffer);
            if (outputBuffer is not null)
            {
                _pool.Return(outputBuffer);
            }
        }
    }

    private int CopyAllocated(IntPtr value, Span<float> destination, bool allowResize, out float[]? resized)
    {
        IntPtr shapeInfo;
        _api.Check(_api.GetTensorTypeAndShape(value, &shapeInfo), "GetTensorTypeAndShape");
        long count = 1;
        try
        {
            foreach (var dim in ReadShape(shapeInfo))
            {
                count *= dim;
            }
        }
        finally
        {
            _api.ReleaseTensorTypeAndShapeInfo(shapeInfo);
        }

        void* data;
        _api.Check(_api.GetTensorMutableData(value, &data), "GetTensorMutableData");
        var source = new ReadOnlySpan<float>(data, checked((int)count));
        resized = null;
        if (destination.Length < source.Length)
        {
            if (!allowResize)
            {
                throw new ArgumentException($"Destination holds {destination.Length} floats; the output has {source.Length}.", nameof(destination));
            }

            resized = source.ToArray();
            return source.Length;
        }

        source.CopyTo(destination);
        return source.Length;
    }

    private OrtValueHandle CreateTensor(float[] pinnedBuffer, int length, ReadOnlySpan<long> shape)
    {
        // The buffer lives on the pinned object heap, so its address is stable for the tensor's lifetime.
        var data = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedBuffer));
        IntPtr value;
        var added = false;
        _memoryInfo.DangerousAddRef(ref added);
        try
        {
            fixed (long* s = shape)
            {
                _api.Check(_api.CreateTensorWithDataAsOrtValue(_memoryInfo.DangerousGetHandle(), data, (nuint)(length * sizeof(float)), s,
                    (nuint)shape.Length, (int)TensorElementType.Float, &value), "CreateTensorWithDataAsOrtValue");
            }
        }
        finally
        {
            if (added)
            {
                _memoryInfo.DangerousRelease();
            }
        }

        return new OrtValueHandle(value);
    }

    private static long[] OutputShape(TensorInfo output, int rows)
    {
        var shape = new long[output.Shape.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = i == 0 ? rows : output.Shape[i];
        }

        return shape;
    }

    /// <summary>Floats per batch row when every dimension after the first (the batch) is fixed; otherwise -1.</summary>
    private static long ElementsPerRow(TensorInfo info)
    {
        if (info.Shape.Count == 0)
        {
            return -1;
        }

        long perRow = 1;
        for (var i = 1; i < info.Shape.Count; i++)
        {
            if (info.Shape[i] <= 0)
            {
                return -1;
            }

            perRow *= info.Shape[i];
        }

        return perRow;
    }

    private List<TensorInfo> ReadTensorInfos(bool isInput)
    {
        var session = _session.DangerousGetHandle();
        nuint count;
        _api.Check(isInput ? _api.SessionGetInputCount(session, &count) : _api.SessionGetOutputCount(session, &count), "SessionGet*Count");
        IntPtr allocator;
        _api.Check(_api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        var infos = new List<TensorInfo>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            IntPtr name;
            _api.Check(isInput ? _api.SessionGetInputName(session, i, allocator, &name) : _api.SessionGetOutputName(session, i, allocator, &name), "SessionGet*Name");
            var text = _api.TakeString(name);
            IntPtr typeInfo;
            _api.Check(isInput ? _api.SessionGetInputTypeInfo(session, i, &typeInfo) : _api.SessionGetOutputTypeInfo(session, i, &typeInfo), "SessionGet*TypeInfo");
            try
            {
                int onnxType;
                _api.Check(_api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), "GetOnnxTypeFromTypeInfo");
                if (onnxType != OnnxTypeTensor)
                {
                    infos.Add(new TensorInfo(text, TensorElementType.Undefined, []));
                    continue;
                }

                IntPtr tensorInfo;
                _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
                int elementType;
                _api.Check(_api.GetTensorElementType(tensorInfo, &elementType), "GetTensorElementType");
                infos.Add(new TensorInfo(text, (TensorElementType)elementType, ReadShape(tensorInfo)));
            }
            finally
            {
                _api.ReleaseTypeInfo(typeInfo);
            }
        }

        return infos;
    }

    private long[] ReadShape(IntPtr tensorInfo)
    {
        nuint rank;
        _api.Check(_api.GetDimensionsCount(tensorInfo, &rank), "GetDimensionsCount");
        var dims = new long[(int)rank];
        fixed (long* d = dims)
        {
            _api.Check(_api.GetDimensions(tensorInfo, d, rank), "GetDimensions");
        }

        return dims;
    }

    private static OrtSessionOptionsHandle CreateOptions(OrtApi api, OnnxSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        IntPtr raw;
        api.Check(api.CreateSessionOptions(&raw), "CreateSessionOptions");
        var handle = new OrtSessionOptionsHandle(raw);
        try
        {
            api.Check(api.SetIntraOpNumThreads(raw, options.IntraOpThreads), "SetIntraOpNumThreads");
            api.Check(api.SetInterOpNumThreads(raw, options.InterOpThreads), "SetInterOpNumThreads");
            api.Check(api.SetSessionGraphOptimizationLevel(raw, (int)options.OptimizationLevel), "SetSessionGraphOptimizationLevel");
            api.Check(api.SetSessionExecutionMode(raw, options.ParallelExecution ? 1 : 0), "SetSessionExecutionMode");
            var key = "session.intra_op.allow_spinning\0"u8;
            var value = options.AllowSpinning ? "1\0"u8 : "0\0"u8;
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                api.Check(api.AddSessionConfigEntry(raw, k, v), "AddSessionConfigEntry");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_session.IsClosed)
        {
            return;
        }

        // Both handles are reference-counted: a Run in flight keeps them alive until it returns.
        _session.Dispose();
        _memoryInfo.Dispose();
    }

    private static byte[] PinnedUtf8(string text)
    {
        var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(text) + 1, pinned: true);
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
