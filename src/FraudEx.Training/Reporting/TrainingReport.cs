using System.Text.Json;
using System.Text.Json.Serialization;
using FraudEx.Training.Evaluation;
using FraudEx.Training.Handbook;

namespace FraudEx.Training.Reporting;

/// <summary>One model's figures as the card shows them.</summary>
public sealed record ModelFigures(string Name, int Features, int Trees, double ValidationAucPr, EvaluationResult Validation, EvaluationResult Test);

/// <summary>Everything a training run measured; written next to the model so the card is rendered from it, never typed.</summary>
public sealed record TrainingReport
{
    public required string ModelVersion { get; init; }
    public required string FeatureSchemaVersion { get; init; }
    public required string Command { get; init; }
    public required ulong Seed { get; init; }
    public required int Days { get; init; }
    public required DateTime Start { get; init; }
    public required long Transactions { get; init; }
    public required long Frauds { get; init; }
    public required int Accounts { get; init; }
    public required int Merchants { get; init; }
    public required IReadOnlyDictionary<string, long> FraudsByScenario { get; init; }
    public IReadOnlyDictionary<string, int>? EpisodesByScenario { get; init; }
    /// <summary>Episodes running on at least one test day.</summary>
    public IReadOnlyDictionary<string, int>? TestEpisodesByScenario { get; init; }
    public IReadOnlyList<Simulation.CompromisedMerchantVolume>? CompromisedVolumes { get; init; }
    public required double GenerationSeconds { get; init; }
    public required string Split { get; init; }
    public required int TestDays { get; init; }
    public required int TrainRows { get; init; }
    public required int TrainFrauds { get; init; }
    public required int ValidRows { get; init; }
    public required int ValidFrauds { get; init; }
    public required string Parameters { get; init; }
    public required double DegradedShare { get; init; }
    public required double GenuineSampling { get; init; }
    public required double DeclinePrecision { get; init; }
    public required double ReviewRecall { get; init; }
    public required ModelFigures Model { get; init; }
    public required ModelFigures Baseline { get; init; }
    /// <summary>The same training on the Fraud Detection Handbook's 15 features as the engine computes them.</summary>
    public ModelFigures? HandbookBaseline { get; init; }
    /// <summary>Degraded mode (every behavioural feature missing) on the test weeks, at the degraded thresholds.</summary>
    public required EvaluationResult Degraded { get; init; }
    public Training.DegradedChoice? DegradedThresholds { get; init; }
    public EvaluationResult? DegradedValidation { get; init; }
    /// <summary>Degraded test scores at the normal DECLINE threshold: what the policy would decline without degraded thresholds.</summary>
    public Confusion? DegradedAtNormalDecline { get; init; }
    public IReadOnlyList<Training.FeatureUse>? FeatureUse { get; init; }
    public required IReadOnlyDictionary<string, double> Seconds { get; init; }
    /// <summary>ONNX Runtime vs libxgboost on the test rows: the largest absolute probability difference.</summary>
    public double OnnxMaxAbsDifference { get; init; } = double.NaN;
    public string? OnnxFile { get; init; }
    public string? ManifestFile { get; init; }
}

/// <summary>JSON files of the reports in models/.</summary>
public static class ReportFiles
{
    public const string Training = "training-report.json";
    public const string Handbook = "handbook-benchmark.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Write<T>(string directory, string name, T value)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name), JsonSerializer.Serialize(value, Json) + "\n");
    }

    public static T? Read<T>(string directory, string name)
        where T : class
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
    }

    /// <summary>Renders MODEL_CARD.md from whatever reports exist in <paramref name="directory"/>.</summary>
    public static string WriteCard(string directory)
    {
        var card = ModelCard.Render(Read<TrainingReport>(directory, Training), Read<HandbookResult>(directory, Handbook));
        var path = Path.Combine(directory, "MODEL_CARD.md");
        File.WriteAllText(path, card);
        return path;
    }
}
