using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FraudEx.Features.Engine;
using FraudEx.Models;
using FraudEx.Testing;
using FraudEx.XGBoost;

namespace FraudEx.Benchmarks;

/// <summary>ONNX Runtime (Microsoft.ML.OnnxRuntime through FraudModel, as scoring runs it) against libxgboost's own prediction of the same
/// model on the same rows, and the cost of an exact TreeSHAP explanation per row.</summary>
/// <remarks>The model: 200 trees of depth ≤ 6 over the engine's 43 features, trained through libxgboost on synthetic
/// data with 10 % missing values. Both runtimes get one thread, so the ratios compare the engines, not core counts.</remarks>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ModelRuntimeBenchmarks
{
    private const int BatchRows = 256;

    private DirectoryInfo? _directory;
    private Booster? _booster;
    private FraudModel? _model;
    private TreeShap? _shap;
    private float[] _batch = [];
    private float[] _row = [];
    private float[] _probabilities = [];
    private double[] _contributions = [];

    // The in-process toolchain runs GlobalSetup once per benchmark case; train once per process.
    private static readonly Lazy<byte[]> TrainedModelJson = new(TrainModel);

    private static byte[] TrainModel()
    {
        var train = SyntheticClassification.Create(10_000, FeatureSchema.Count, seed: 1);
        using var matrix = DMatrix.FromDense(train.Features, train.Rows, train.Columns);
        matrix.SetLabels(train.Labels);
        using var result = XGBoostTrainer.Train(new TrainingOptions
        {
            Parameters = [new("objective", "binary:logistic"), new("eta", "0.1"), new("max_depth", "6"), new("tree_method", "hist")],
            Rounds = 200,
            Seed = 1,
            Threads = 2,
        }, matrix, []);
        return result.Booster.SaveModel();
    }

    [GlobalSetup]
    public void Setup()
    {
        var features = FeatureSchema.Count;
        var json = TrainedModelJson.Value;
        _booster = Booster.Load(json);
        _booster.SetParam("nthread", "1");

        _directory = Directory.CreateTempSubdirectory("fraudex-bench-");
        var manifest = new ModelManifest
        {
            ModelId = "fraud-bench",
            Version = "0",
            FeatureSchema = new FeatureSchemaInfo(FeatureSchema.Version, FeatureSchema.Names),
            Thresholds = new DecisionThresholds(0.5, 0.9),
        };
        _model = FraudModel.Load(ModelFiles.Write(_directory.FullName, json, manifest));
        _shap = new TreeShap(_model.Ensemble);

        var rows = SyntheticClassification.Create(BatchRows, features, seed: 2);
        _batch = rows.Features;
        _row = rows.Row(0).ToArray();
        _probabilities = new float[BatchRows];
        _contributions = new double[features + 1];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model?.Dispose();
        _booster?.Dispose();
        _directory?.Delete(recursive: true);
    }

    [Benchmark(Baseline = true, Description = "libxgboost inplace predict")]
    [BenchmarkCategory("1 row")]
    public float XGBoostInplace_OneRow() => _booster!.InplacePredict(_row, 1, _row.Length)[0];

    [Benchmark(Description = "libxgboost DMatrix + predict")]
    [BenchmarkCategory("1 row")]
    public float XGBoostDMatrix_OneRow()
    {
        using var matrix = DMatrix.FromDense(_row, 1, _row.Length);
        return _booster!.Predict(matrix)[0];
    }

    [Benchmark(Description = "ONNX Runtime (FraudModel.Score)")]
    [BenchmarkCategory("1 row")]
    public float Onnx_OneRow()
    {
        _model!.Score(_row, 1, _probabilities);
        return _probabilities[0];
    }

    [Benchmark(Baseline = true, Description = "libxgboost inplace predict")]
    [BenchmarkCategory("256 rows")]
    public float XGBoostInplace_Batch() => _booster!.InplacePredict(_batch, BatchRows, _row.Length)[0];

    [Benchmark(Description = "libxgboost DMatrix + predict")]
    [BenchmarkCategory("256 rows")]
    public float XGBoostDMatrix_Batch()
    {
        using var matrix = DMatrix.FromDense(_batch, BatchRows, _row.Length);
        return _booster!.Predict(matrix)[0];
    }

    [Benchmark(Description = "ONNX Runtime (FraudModel.Score)")]
    [BenchmarkCategory("256 rows")]
    public float Onnx_Batch()
    {
        _model!.Score(_batch, BatchRows, _probabilities);
        return _probabilities[0];
    }

    [Benchmark(Baseline = true, Description = "libxgboost pred_contribs")]
    [BenchmarkCategory("explain 1 row")]
    public float XGBoostContributions_OneRow()
    {
        // libxgboost's inplace predict does not offer contributions; pred_contribs needs a DMatrix.
        using var matrix = DMatrix.FromDense(_row, 1, _row.Length);
        return _booster!.Predict(matrix, PredictionKind.Contributions)[0];
    }

    [Benchmark(Description = "FraudEx TreeSHAP (from the ONNX trees)")]
    [BenchmarkCategory("explain 1 row")]
    public double TreeShap_OneRow()
    {
        _shap!.Explain(_row, _contributions);
        return _contributions[0];
    }

    [Benchmark(Description = "FraudModel.Explain top 5")]
    [BenchmarkCategory("explain 1 row")]
    public int Explain_TopFive_OneRow() => _model!.Explain(_row, 5).Top.Count;
}

/// <summary>BenchmarkDotNet's ShortRun (3 warm-ups, 3 iterations) in the host process: on a shared 2-core machine the
/// out-of-process toolchain spends minutes rebuilding the solution before measuring anything.</summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(StatisticColumn.Median);
    }
}
