using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace FraudEx.Models;

/// <summary>Settings of the ONNX Runtime session (<see cref="SessionOptions"/>) FraudEx creates for a model.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads used inside one operator. 1 by default: a tree ensemble on a micro-batch is cheap, and the
    /// scoring host runs several batches concurrently, so extra intra-op threads would only compete for cores.
    /// 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Threads used across independent graph nodes (only with <see cref="ParallelExecution"/>).</summary>
    public int InterOpThreads { get; init; } = 1;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Run independent nodes in parallel (ORT_PARALLEL) instead of in sequence.</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>Whether idle intra-op threads spin waiting for work ("session.intra_op.allow_spinning"). Off by
    /// default: spinning buys microseconds at the price of whole cores on a shared machine.</summary>
    public bool AllowSpinning { get; init; }
}

/// <summary>A Microsoft.ML.OnnxRuntime <see cref="InferenceSession"/> over a model with one float input of shape
/// [batch, features] and float outputs of shape [batch, k], run in batches over pre-allocated buffers.</summary>
/// <remarks>
/// Safe for concurrent use. Each call rents a <see cref="RunSlot"/>: a pinned input array and a pinned output array
/// (on the pinned object heap, sized to a power of two of rows) with the <see cref="OrtValue"/>s that wrap them in
/// place (<see cref="OrtValue.CreateTensorValueFromMemory{T}(OrtMemoryInfo, Memory{T}, long[])"/>), created once per
/// batch size and kept with the slot. A call copies its rows in, runs the session with the pre-created input and output
/// values (ONNX Runtime writes the output straight into the pinned array), and copies the result out: no tensor or
/// OrtValue is allocated per call once a slot has seen the batch size. <see cref="Dispose"/> waits for nothing: the
/// session is released when the last run in flight returns, and later runs throw <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class OnnxModelSession : IDisposable
{
    private const int MaxRetainedSlotsPerSize = 16;
    private const int MinimumSlotRows = 16;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int[] _outputWidths;
    private readonly int _maxOutputWidth;
    private readonly ConcurrentDictionary<int, ConcurrentBag<RunSlot>> _slots = new();
    // 1 for the owner plus one per run in flight; the native session is released when it reaches 0.
    private int _references = 1;
    private int _disposed;

    private OnnxModelSession(InferenceSession session)
    {
        _session = session;
        if (session.InputMetadata.Count != 1
            || session.InputMetadata.Single() is not { Value: { IsTensor: true, ElementType: var inputType, Dimensions: [_, > 0] inputDims } }
            || inputType != typeof(float))
        {
            var shapes = string.Join("; ", session.InputMetadata.Select(i => Describe(i.Key, i.Value)));
            session.Dispose();
            throw new InvalidDataException($"FraudEx runs models with exactly one float input of shape [batch, features]; this model has {shapes}.");
        }

        _inputName = session.InputMetadata.Keys.Single();
        _inputNames = [_inputName];
        FeatureCount = inputDims[1];
        _outputNames = [.. session.OutputMetadata.Keys];
        _outputWidths = new int[_outputNames.Length];
        for (var i = 0; i < _outputNames.Length; i++)
        {
            var output = session.OutputMetadata[_outputNames[i]];
            if (!output.IsTensor || output.ElementType != typeof(float) || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
            {
                session.Dispose();
                throw new InvalidDataException(
                    $"FraudEx runs models whose outputs are float tensors of shape [batch, k]; output {Describe(_outputNames[i], output)} is not.");
            }

            _outputWidths[i] = output.Dimensions[1];
        }

        _maxOutputWidth = _outputWidths.Max();
    }

    /// <summary>Floats per input row.</summary>
    public int FeatureCount { get; }

    /// <summary>The model's input name.</summary>
    public string InputName => _inputName;

    /// <summary>The model's output names, in the model's order.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>ONNX Runtime's description of the inputs (names, element types, shapes with -1 for the batch).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    /// <summary>ONNX Runtime's description of the outputs.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _session.OutputMetadata;

    /// <summary>The model's custom metadata (ModelProto.metadata_props).</summary>
    public IReadOnlyDictionary<string, string> CustomMetadata => _session.ModelMetadata.CustomMetadataMap;

    /// <summary>The ONNX Runtime release this process runs (the native library's own version string).</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    public static OnnxModelSession Load(byte[] model, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var sessionOptions = CreateOptions(options ?? new OnnxSessionOptions());
        return new OnnxModelSession(new InferenceSession(model, sessionOptions));
    }

    public static OnnxModelSession Load(string path, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        }

        using var sessionOptions = CreateOptions(options ?? new OnnxSessionOptions());
        return new OnnxModelSession(new InferenceSession(path, sessionOptions));
    }

    /// <summary>Index of the output called <paramref name="name"/>.</summary>
    public int OutputIndex(string name)
    {
        var index = Array.IndexOf(_outputNames, name);
        return index >= 0
            ? index
            : throw new ArgumentException($"The model has no output '{name}'; outputs: {string.Join(", ", _outputNames)}.", nameof(name));
    }

    /// <summary>Runs the model on <paramref name="rows"/> rows and returns output <paramref name="outputIndex"/>.</summary>
    public float[] Run(ReadOnlySpan<float> input, int rows, int outputIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, _outputNames.Length);
        var destination = new float[checked(rows * _outputWidths[outputIndex])];
        Run(input, rows, destination, outputIndex);
        return destination;
    }

    /// <summary>Runs the model on <paramref name="rows"/> rows (row-major, <see cref="FeatureCount"/> floats each; NaN
    /// is a missing value) and writes output <paramref name="outputIndex"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of floats written.</returns>
    public int Run(ReadOnlySpan<float> input, int rows, Span<float> destination, int outputIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, _outputNames.Length);
        var inputLength = checked(rows * FeatureCount);
        if (input.Length != inputLength)
        {
            throw new ArgumentException($"Expected {rows} rows × {FeatureCount} features = {inputLength} floats, got {input.Length}.", nameof(input));
        }

        var outputLength = checked(rows * _outputWidths[outputIndex]);
        if (destination.Length < outputLength)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; output {_outputNames[outputIndex]} needs {outputLength}.", nameof(destination));
        }

        AddReference();
        var slot = RentSlot(rows);
        try
        {
            input.CopyTo(slot.Input);
            var (inputs, outputs) = slot.ValuesFor(rows, outputIndex);
            _session.Run(_runOptions, _inputNames, inputs, slot.OutputNameFor(outputIndex), outputs);
            slot.Output.AsSpan(0, outputLength).CopyTo(destination);
            return outputLength;
        }
        finally
        {
            ReturnSlot(slot);
            ReleaseReference();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReleaseReference();
        }
    }

    private void AddReference()
    {
        var current = Volatile.Read(ref _references);
        while (true)
        {
            if (current == 0)
            {
                throw new ObjectDisposedException(nameof(OnnxModelSession));
            }

            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        foreach (var bag in _slots.Values)
        {
            while (bag.TryTake(out var slot))
            {
                slot.Dispose();
            }
        }

        _session.Dispose();
        _runOptions.Dispose();
    }

    private RunSlot RentSlot(int rows)
    {
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(rows, MinimumSlotRows));
        if (_slots.TryGetValue(capacity, out var bag) && bag.TryTake(out var slot))
        {
            return slot;
        }

        return new RunSlot(capacity, FeatureCount, _maxOutputWidth, _outputNames, _outputWidths);
    }

    private void ReturnSlot(RunSlot slot)
    {
        var bag = _slots.GetOrAdd(slot.CapacityRows, static _ => []);
        if (bag.Count < MaxRetainedSlotsPerSize)
        {
            bag.Add(slot);
        }
        else
        {
            slot.Dispose();
        }
    }

    private static SessionOptions CreateOptions(OnnxSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        var sessionOptions = new SessionOptions();
        try
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            sessionOptions.InterOpNumThreads = options.InterOpThreads;
            sessionOptions.GraphOptimizationLevel = options.OptimizationLevel;
            sessionOptions.ExecutionMode = options.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL;
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static string Describe(string name, NodeMetadata metadata) =>
        metadata.IsTensor ? $"{name}: {metadata.ElementDataType}[{string.Join(", ", metadata.Dimensions)}]" : $"{name}: {metadata.OnnxValueType}";

    /// <summary>Pinned input and output arrays for up to <see cref="CapacityRows"/> rows, and the OrtValues over them,
    /// one input value per batch size and one output value per batch size and output, created on first use.</summary>
    private sealed class RunSlot : IDisposable
    {
        private readonly int _featureCount;
        private readonly int[] _outputWidths;
        private readonly string[][] _outputName;
        // Index rows - 1. Each entry is a one-element array so Run takes it without allocating a collection per call.
        private readonly OrtValue[]?[] _inputValues;
        private readonly OrtValue[]?[,] _outputValues;

        public RunSlot(int capacityRows, int featureCount, int maxOutputWidth, string[] outputNames, int[] outputWidths)
        {
            CapacityRows = capacityRows;
            _featureCount = featureCount;
            _outputWidths = outputWidths;
            _outputName = [.. outputNames.Select(n => new[] { n })];
            Input = GC.AllocateUninitializedArray<float>(capacityRows * featureCount, pinned: true);
            Output = GC.AllocateUninitializedArray<float>(capacityRows * maxOutputWidth, pinned: true);
            _inputValues = new OrtValue[]?[capacityRows];
            _outputValues = new OrtValue[]?[capacityRows, outputNames.Length];
        }

        public int CapacityRows { get; }

        public float[] Input { get; }

        public float[] Output { get; }

        public string[] OutputNameFor(int outputIndex) => _outputName[outputIndex];

        public (OrtValue[] Inputs, OrtValue[] Outputs) ValuesFor(int rows, int outputIndex)
        {
            var inputs = _inputValues[rows - 1] ??= [OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, Input.AsMemory(0, rows * _featureCount), [rows, _featureCount])];
            var width = _outputWidths[outputIndex];
            var outputs = _outputValues[rows - 1, outputIndex] ??= [OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, Output.AsMemory(0, rows * width), [rows, width])];
            return (inputs, outputs);
        }

        public void Dispose()
        {
            foreach (var values in _inputValues)
            {
                values?[0].Dispose();
            }

            foreach (var values in _outputValues)
            {
                values?[0].Dispose();
            }
        }
    }
}
