using System.Diagnostics;
using FraudEx.Features.Engine;
using FraudEx.Training.Data;
using FraudEx.Training.Evaluation;
using FraudEx.Training.Simulation;
using FraudEx.XGBoost;

namespace FraudEx.Training.Training;

/// <summary>Settings of one training run.</summary>
public sealed record PipelineOptions
{
    public required GeneratorOptions Data { get; init; }
    public BoosterParameters Booster { get; init; } = new();
    /// <summary>Share of training rows whose behavioural features are blanked, so degraded scores stay sensible.</summary>
    public double DegradedShare { get; init; } = 0.10;
    /// <summary>DECLINE threshold: the lowest score whose validation precision is at least this.</summary>
    public double DeclinePrecision { get; init; } = 0.90;
    /// <summary>REVIEW threshold: the highest score whose validation recall is at least this.</summary>
    public double ReviewRecall { get; init; } = 0.93;
    /// <summary>Share of genuine training rows kept (the rest dropped, the kept ones weighted up by its inverse):
    /// the standard negative down-sampling of fraud training, a third of the rows for the same expected loss.</summary>
    public double GenuineSampling { get; init; } = 0.35;
    /// <summary>A degraded DECLINE threshold needs at least this many validation frauds at or above it, so a precision
    /// of 0.9 is a measurement rather than the luck of a handful of rows.</summary>
    public int DegradedDeclineMinFrauds { get; init; } = 20;
}

/// <summary>Thresholds for degraded scores, chosen on the validation week. <see cref="Decline"/> is null when no
/// degraded score reaches the DECLINE precision with enough frauds above it.</summary>
public sealed record DegradedChoice(float Review, float? Decline, double ValidationReviewRate, double NormalValidationReviewRate);

/// <summary>One trained model with its thresholds and its figures on the held-out weeks.</summary>
public sealed record TrainedModel(
    string Name, Booster Booster, int Columns, int BestIteration, double ValidationAucPr, float Review, float Decline,
    EvaluationResult Validation, EvaluationResult Test) : IDisposable
{
    public void Dispose() => Booster.Dispose();
}

/// <summary>What the full pipeline produced.</summary>
public sealed record PipelineResult(
    PipelineOptions Options,
    GenerationSummary? Generation,
    TimeSplit Split,
    int TrainRows, int TrainFrauds, int ValidRows, int ValidFrauds,
    TrainedModel Model,
    TrainedModel Baseline,
    TrainedModel HandbookBaseline,
    DegradedChoice DegradedThresholds,
    EvaluationResult DegradedValidation,
    EvaluationResult Degraded,
    Confusion DegradedAtNormalDecline,
    IReadOnlyList<FeatureUse> FeatureUse,
    IReadOnlyDictionary<string, TimeSpan> Timings,
    float[] TestX,
    float[] TestScores) : IDisposable
{
    public void Dispose()
    {
        Model.Dispose();
        Baseline.Dispose();
        HandbookBaseline.Dispose();
    }
}

/// <summary>History → engine replay → time split → XGBoost (full and raw-field baseline) → thresholds → test figures.</summary>
public static class ModelPipeline
{
    public static PipelineResult Run(PipelineOptions o, IReadOnlyList<LabelledTransaction> history, GenerationSummary? generation,
        TextWriter log, CancellationToken cancellationToken)
    {
        var timings = new Dictionary<string, TimeSpan>();
        var (m, replayTime) = HistoryReplay.Replay(history, o.Data.Start);
        timings["replay"] = replayTime;
        log.WriteLine($"replayed {m.Rows:N0} transactions through the feature engine ({FeatureSchema.Version}, {m.Columns} features) in {replayTime.TotalSeconds:F1} s");

        var split = TimeSplit.For(o.Data.Days);
        var (allTrain, valid, test) = split.Assign(m.Days);
        var cols = m.Columns;
        var sampler = Rng.Derive(o.Data.Seed, 4);
        var train = allTrain.Where(i => m.Labels[i] || sampler.Chance(o.GenuineSampling)).ToList();
        var weights = train.Select(i => m.Labels[i] ? 1f : (float)(1 / o.GenuineSampling)).ToArray();
        var trainX = m.Slice(train, cols);
        // Blank the behavioural features of a fixed share of training rows (seeded): the model learns what a
        // transaction alone says, which is what it sees when the feature service is unavailable.
        var rng = Rng.Derive(o.Data.Seed, 3);
        for (var r = 0; r < train.Count; r++)
        {
            if (rng.Chance(o.DegradedShare))
            {
                FeatureSets.Degrade(trainX.AsSpan(r * cols, cols));
            }
        }
        var trainY = m.LabelsOf(train);
        var validX = m.Slice(valid, cols);
        var testX = m.Slice(test, cols);

        var sw = Stopwatch.StartNew();
        var model = Fit("fraudex", trainX, trainY, weights, validX, testX, cols, m, valid, test, o, cancellationToken);
        timings["train"] = sw.Elapsed;
        log.WriteLine($"model: {model.BestIteration + 1} trees, validation aucpr {model.ValidationAucPr:F4}, test PR-AUC {model.Test.PrAuc:F4} ({sw.Elapsed.TotalSeconds:F0} s)");

        var raw = FeatureSets.TransactionOnlyCount;
        sw.Restart();
        var baseline = Fit("baseline", m.Slice(train, raw), trainY, weights, m.Slice(valid, raw), m.Slice(test, raw), raw, m, valid, test, o, cancellationToken);
        timings["baseline"] = sw.Elapsed;
        log.WriteLine($"baseline (raw fields): {baseline.BestIteration + 1} trees, test PR-AUC {baseline.Test.PrAuc:F4} ({sw.Elapsed.TotalSeconds:F0} s)");

        var book = Handbook.HandbookBenchmark.BookFeatureNames.Select(FeatureSchema.IndexOf).ToArray();
        sw.Restart();
        var bookBaseline = Fit("handbook-15", m.Slice(train, book), trainY, weights, m.Slice(valid, book), m.Slice(test, book), book.Length, m, valid, test, o, cancellationToken);
        timings["baseline_handbook15"] = sw.Elapsed;
        log.WriteLine($"baseline (the Handbook's 15 features): {bookBaseline.BestIteration + 1} trees, test PR-AUC {bookBaseline.Test.PrAuc:F4} ({sw.Elapsed.TotalSeconds:F0} s)");

        // Degraded mode: the model scores rows with every behavioural feature missing. Its thresholds come from the
        // validation week like the normal ones: DECLINE where degraded precision reaches the same target (else none),
        // REVIEW at the lowest score that keeps the degraded review queue within the normal one's share of traffic.
        var validLabels = m.BoolLabelsOf(valid);
        var validScenarios = valid.Select(i => m.Scenarios[i]).ToArray();
        var degradedValidScores = GradientBoosting.Predict(model.Booster, Degrade(validX, cols), cols);
        var choice = ChooseDegraded(degradedValidScores, validLabels, model.Validation.ReviewRate, o);
        log.WriteLine(choice.Decline is { } dd
            ? $"degraded thresholds: REVIEW {choice.Review:F4}, DECLINE {dd:F4}"
            : $"degraded thresholds: REVIEW {choice.Review:F4}, no DECLINE (no degraded score reaches validation precision {o.DeclinePrecision})");
        var degradedDecline = choice.Decline ?? float.PositiveInfinity;
        var degradedValidation = EvaluationResult.Evaluate(degradedValidScores, validLabels, validScenarios, choice.Review, degradedDecline);
        var testLabels = m.BoolLabelsOf(test);
        var degradedScores = GradientBoosting.Predict(model.Booster, Degrade(testX, cols), cols);
        var degraded = EvaluationResult.Evaluate(degradedScores, testLabels, test.Select(i => m.Scenarios[i]).ToArray(), choice.Review, degradedDecline);
        var atNormalDecline = Metrics.At(degradedScores, testLabels, model.Decline);

        var uses = ModelInspection.Inspect(model.Booster.SaveModel("json"), FeatureSchema.Names, trainX, testX);
        log.WriteLine("features by total gain (share), splits, and the share of training / test values beyond every split:");
        foreach (var u in uses)
        {
            log.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  {u.Name,-30} {u.GainShare,7:P2} {u.Splits,5} splits in [{u.MinSplit:G5}, {u.MaxSplit:G5}]  beyond: train {u.TrainShareBeyondSplits:P1} test {u.TestShareBeyondSplits:P1}{(u.CalendarLike ? "  CALENDAR-LIKE" : "")}"));
        }
        var calendar = uses.Where(u => u.CalendarLike).Select(u => u.Name).ToList();
        log.WriteLine(calendar.Count == 0
            ? "calendar check: no feature has splits that only sort the training window (none with ≥ 50 % of test values beyond every split and 30 points more than of training values)"
            : $"calendar check: FAILED for {string.Join(", ", calendar)}");

        return new PipelineResult(o, generation, split, allTrain.Count, (int)trainY.Sum(), valid.Count, valid.Count(i => m.Labels[i]),
            model, baseline, bookBaseline, choice, degradedValidation, degraded, atNormalDecline, uses, timings, testX, GradientBoosting.Predict(model.Booster, testX, cols));
    }

    private static float[] Degrade(float[] x, int cols)
    {
        var copy = (float[])x.Clone();
        for (var r = 0; r < copy.Length / cols; r++)
        {
            FeatureSets.Degrade(copy.AsSpan(r * cols, cols));
        }
        return copy;
    }

    /// <summary>Degraded thresholds from the validation week's degraded scores.</summary>
    public static DegradedChoice ChooseDegraded(float[] scores, bool[] labels, double normalReviewRate, PipelineOptions o)
    {
        float? decline = Metrics.ThresholdForPrecision(scores, labels, o.DeclinePrecision);
        if (float.IsPositiveInfinity(decline.Value) || Metrics.At(scores, labels, decline.Value).TruePositives < o.DegradedDeclineMinFrauds)
        {
            decline = null;
        }
        // The review team's capacity does not grow during an outage: the lowest threshold whose flagged share of
        // validation transactions stays within the normal REVIEW threshold's share.
        var review = Metrics.ThresholdForFlaggedShare(scores, normalReviewRate);
        if (decline is { } d)
        {
            review = Math.Min(review, d);
        }
        var rate = (double)scores.Count(x => x >= review) / scores.Length;
        return new DegradedChoice(review, decline, rate, normalReviewRate);
    }

    private static TrainedModel Fit(string name, float[] trainX, float[] trainY, float[] weights, float[] validX, float[] testX, int cols,
        FeatureMatrix m, List<int> valid, List<int> test, PipelineOptions o, CancellationToken cancellationToken)
    {
        var validY = m.LabelsOf(valid);
        var result = GradientBoosting.Train(trainX, trainY, cols, validX, validY, o.Booster, (int)o.Data.Seed, cancellationToken, weights);
        var validScores = GradientBoosting.Predict(result.Booster, validX, cols);
        var validLabels = m.BoolLabelsOf(valid);
        var decline = Metrics.ThresholdForPrecision(validScores, validLabels, o.DeclinePrecision);
        var review = Math.Min(Metrics.ThresholdForRecall(validScores, validLabels, o.ReviewRecall), decline);
        var testScores = GradientBoosting.Predict(result.Booster, testX, cols);
        var validScenarios = valid.Select(i => m.Scenarios[i]).ToArray();
        var testScenarios = test.Select(i => m.Scenarios[i]).ToArray();
        return new TrainedModel(name, result.Booster, cols, result.BestIteration, result.BestScore, review, decline,
            EvaluationResult.Evaluate(validScores, validLabels, validScenarios, review, decline),
            EvaluationResult.Evaluate(testScores, m.BoolLabelsOf(test), testScenarios, review, decline));
    }
}
