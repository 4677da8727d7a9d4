using FraudEx.Models.Internal.OnnxProto;
using FraudEx.Testing;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace FraudEx.Models.Tests;

/// <summary>The ONNX Runtime session FraudModel scores with (Microsoft.ML.OnnxRuntime, the real native library) on
/// hand-built trees with known outputs.</summary>
public sealed class OnnxModelSessionTests
{
    // Two small trees over three features, with hand-checkable outputs.
    // Tree 0: x0 < 1 → (x1 < 0 → 0.5 | 1.5), else → −2; missing x0 goes left, missing x1 goes right.
    // Tree 1: x2 < 10 → 0.25, else → −0.25; missing x2 goes right.
    private static readonly TreeEnsemble Ensemble = new(
    [
        new DecisionTree([1, 3, -1, -1, -1], [2, 4, -1, -1, -1], [0, 1, 0, 0, 0], [1f, 0f, 0, 0, 0],
            [true, false, false, false, false], [0, 0, -2f, 0.5f, 1.5f], [10, 6, 4, 3, 3]),
        new DecisionTree([1, -1, -1], [2, -1, -1], [2, 0, 0], [10f, 0, 0], [false, false, false], [0, 0.25f, -0.25f], [10, 5, 5]),
    ], featureCount: 3, baseMargin: -1f);

    private static readonly byte[] Model = OnnxTreeModel.Write(Ensemble);

    [Fact]
    public void RuntimeVersion_IsThePackagesRelease()
    {
        Assert.Equal("1.32.0", OnnxModelSession.RuntimeVersion);
    }

    [Fact]
    public void Build_CopiesOnlyTheLinuxX64NativeLibrary()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so")),
            "the build should copy Microsoft.ML.OnnxRuntime's linux-x64 libonnxruntime.so next to the assemblies");
        Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes")),
            "no runtimes/ folder: other platforms' native libraries must not be copied");
    }

    [Fact]
    public void Load_ReadsInputAndOutputMetadataFromTheModel()
    {
        using var session = OnnxModelSession.Load(Model);

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("features", input.Key);
        Assert.Equal(typeof(float), input.Value.ElementType);
        Assert.Equal([-1, 3], input.Value.Dimensions);
        Assert.Equal(["probability", "margin"], session.OutputNames);
        Assert.All(session.OutputMetadata.Values, o => Assert.Equal([-1, 1], o.Dimensions));
        Assert.Equal(3, session.FeatureCount);
        Assert.Equal(1, session.OutputIndex("margin"));
    }

    [Theory]
    [InlineData(0f, -1f, 0f, -1f + 0.5f + 0.25f)]
    [InlineData(0f, 5f, 20f, -1f + 1.5f - 0.25f)]
    [InlineData(3f, 5f, 1f, -1f - 2f + 0.25f)]
    [InlineData(1f, 0f, 10f, -1f - 2f - 0.25f)]                       // thresholds themselves go right (x < t is false)
    [InlineData(float.NaN, float.NaN, float.NaN, -1f + 1.5f - 0.25f)] // x0 missing → left, x1 missing → right, x2 missing → right
    public void Run_HandBuiltTrees_GivesTheTreesMargin(float x0, float x1, float x2, float expectedMargin)
    {
        using var session = OnnxModelSession.Load(Model);

        var margin = session.Run([x0, x1, x2], 1, session.OutputIndex("margin"));
        var probability = session.Run([x0, x1, x2], 1, session.OutputIndex("probability"));

        Assert.Equal(expectedMargin, margin[0], 1e-6);
        Assert.Equal(1 / (1 + Math.Exp(-expectedMargin)), probability[0], 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(256)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Run_AnyBatchSize_MatchesRowByRow(int rows)
    {
        using var session = OnnxModelSession.Load(Model);
        var data = SyntheticClassification.Create(rows, columns: 4, seed: rows);
        var features = Enumerable.Range(0, rows).SelectMany(r => data.Row(r)[..3].ToArray()).ToArray();
        var destination = new float[rows + 5];

        var written = session.Run(features, rows, destination, session.OutputIndex("margin"));

        Assert.Equal(rows, written);
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(Ensemble.Margin(features.AsSpan(r * 3, 3)), destination[r], 1e-6);
        }
    }

    [Fact]
    public async Task Run_ConcurrentCallers_AreIsolated()
    {
        using var session = OnnxModelSession.Load(Model);
        var batches = Enumerable.Range(1, 12).Select(i => SyntheticClassification.Create(i * 13, columns: 4, seed: i))
            .Select(d => Enumerable.Range(0, d.Rows).SelectMany(r => d.Row(r)[..3].ToArray()).ToArray()).ToArray();
        var expected = batches.Select(b => session.Run(b, b.Length / 3)).ToArray();

        var results = await Task.WhenAll(batches.Select(b => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                var again = session.Run(b, b.Length / 3);
                if (!again.AsSpan().SequenceEqual(session.Run(b, b.Length / 3)))
                {
                    return null;
                }
            }

            return session.Run(b, b.Length / 3);
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        for (var i = 0; i < batches.Length; i++)
        {
            Assert.Equal(expected[i], results[i]);
        }
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL, 1, false)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_BASIC, 2, false)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_EXTENDED, 1, true)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL, 0, false)]
    public void Load_AnySessionOptions_GivesTheSameOutput(GraphOptimizationLevel level, int threads, bool parallel)
    {
        var options = new OnnxSessionOptions { OptimizationLevel = level, IntraOpThreads = threads, InterOpThreads = threads, ParallelExecution = parallel };
        using var session = OnnxModelSession.Load(Model, options);

        var probability = session.Run([0f, -1f, 0f], 1);

        Assert.Equal(1 / (1 + Math.Exp(0.25)), probability[0], 1e-6);
    }

    [Fact]
    public void Load_FromFile_Works()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fraudex-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, Model);
        try
        {
            using var session = OnnxModelSession.Load(path);

            Assert.Equal(3, session.FeatureCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CustomMetadata_ReadsModelMetadataProps()
    {
        using var session = OnnxModelSession.Load(Model);

        Assert.Equal("binary:logistic", session.CustomMetadata[OnnxModelFormat.ObjectiveMetadataKey]);
        Assert.True(session.CustomMetadata.ContainsKey(OnnxModelFormat.CoverMetadataKey));
        Assert.False(session.CustomMetadata.ContainsKey("no.such.key"));
    }

    [Fact]
    public void Load_InvalidModel_ThrowsWithRuntimeMessage()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxModelSession.Load("definitely not an onnx model"u8.ToArray()));

        Assert.Contains("InvalidProtobuf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => OnnxModelSession.Load("/nonexistent/model.onnx"));
    }

    [Fact]
    public void Run_WrongInputLength_Throws()
    {
        using var session = OnnxModelSession.Load(Model);

        Assert.Throws<ArgumentException>(() => session.Run([1f, 2f], 1));
        Assert.Throws<ArgumentException>(() => session.Run([1f, 2f, 3f, 4f, 5f, 6f], 2, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run([1f, 2f, 3f], 1, outputIndex: 2));
    }

    [Fact]
    public async Task Dispose_WhileRunsAreInFlight_EndsThemCleanly()
    {
        var session = OnnxModelSession.Load(Model);
        var rows = SyntheticClassification.Create(2_000, columns: 4, seed: 3);
        var features = Enumerable.Range(0, rows.Rows).SelectMany(r => rows.Row(r)[..3].ToArray()).ToArray();
        var expected = session.Run(features, rows.Rows);
        using var start = new ManualResetEventSlim();
        var totalCompleted = 0;

        var runners = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.Wait();
            var completed = 0;
            try
            {
                while (true)
                {
                    Assert.Equal(expected, session.Run(features, rows.Rows));
                    completed++;
                    Interlocked.Increment(ref totalCompleted);
                }
            }
            catch (ObjectDisposedException)
            {
                return completed;
            }
        })).ToArray();
        start.Set();
        // Dispose only once runs are demonstrably under way (on a busy machine the runners may start late).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Volatile.Read(ref totalCompleted) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await Task.Delay(50);
        session.Dispose();

        var completedRuns = await Task.WhenAll(runners).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(completedRuns.Sum() > 0);
    }

    [Fact]
    public void Run_RepeatedBatchSizes_ReusesNothingStale()
    {
        // Slots keep one OrtValue per batch size; a smaller batch after a larger one must see only its own rows.
        using var session = OnnxModelSession.Load(Model);
        var margin = session.OutputIndex("margin");
        float[] big = [.. Enumerable.Repeat(new[] { 3f, 5f, 1f }, 9).SelectMany(r => r)];

        var first = session.Run(big, 9, margin);
        var small = session.Run([0f, -1f, 0f], 1, margin);
        var again = session.Run(big, 9, margin);

        Assert.All(first, m => Assert.Equal(-1f - 2f + 0.25f, m, 1e-6));
        Assert.Equal(-1f + 0.5f + 0.25f, Assert.Single(small), 1e-6);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Load_ModelWithoutABatchFeatureInput_IsRefused()
    {
        // The export writes [batch, F]; a hand-edited model with a scalar-shaped input is not one FraudEx can batch.
        var error = Assert.Throws<InvalidDataException>(() => OnnxModelSession.Load(ScalarInputIdentity()));

        Assert.Contains("one float input of shape [batch, features]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var session = OnnxModelSession.Load(Model);
        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run([1f, 2f, 3f], 1));
    }

    /// <summary>A valid ONNX model (Identity over a float[3] without a batch dimension) that FraudEx cannot batch.</summary>
    private static byte[] ScalarInputIdentity()
    {
        static ValueInfoProto Vector(string name) => new()
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 3 } } },
                },
            },
        };

        var model = new ModelProto
        {
            IrVersion = OnnxModelFormat.IrVersion,
            Graph = new GraphProto
            {
                Name = "identity",
                Node = { new NodeProto { OpType = "Identity", Input = { "x" }, Output = { "y" } } },
                Input = { Vector("x") },
                Output = { Vector("y") },
            },
            OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = OnnxModelFormat.OnnxOpsetVersion } },
        };
        return model.ToByteArray();
    }
}
