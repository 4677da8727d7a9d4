using System.Globalization;
using FraudEx.Training.Data;
using FraudEx.Training.Simulation;

namespace FraudEx.Training;

/// <summary>The training command line: generate, train, all, handbook.</summary>
public static class TrainingCli
{
    public const string Usage = """
        FraudEx.Training <command> [options]

        commands:
          generate   simulate a history and write it as CSV
                     --seed 42 --transactions 1000000 --days 60 --fraud-rate 0.01 --out artifacts/data/transactions.csv
          all        generate, replay through the feature engine, train, export models/fraud-<version>.onnx,
                     its manifest and MODEL_CARD.md      --seed 42 [--transactions N --days D --models models --work artifacts]
          card       re-render models/MODEL_CARD.md from the measured reports in models/ [--models models]
          handbook   the Fraud Detection Handbook benchmark (its protocol, 4 test folds)
                     [--data ../shared/datasets/fraud-detection-handbook --models models --work artifacts]
                     --validation-only true: stop after the choice on the validation folds (no test fold read);
                     the engine's vectors are cached under <work>/handbook/
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? 1 : 0;
        }
        Options options;
        try
        {
            options = Options.Parse(args.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            await output.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }
        switch (args[0])
        {
            case "generate":
                Generate(options, output);
                return 0;
            case "handbook":
                HandbookCommand(options, output, cancellationToken);
                return 0;
            case "card":
                await output.WriteLineAsync($"wrote {Reporting.ReportFiles.WriteCard(options.Get("models", "models"))}").ConfigureAwait(false);
                return 0;
            case "all":
                All(options, output, cancellationToken);
                return 0;
            default:
                await output.WriteLineAsync($"unknown command '{args[0]}'\n\n{Usage}").ConfigureAwait(false);
                return 2;
        }
    }

    private static GenerationSummary Generate(Options o, TextWriter output)
    {
        var generatorOptions = o.Generator();
        var path = o.Get("out", Path.Combine(o.Get("work", "artifacts"), "data", $"transactions-{generatorOptions.Seed}.csv"));
        var summary = TransactionCsv.Write(new TransactionGenerator(generatorOptions), path);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generated {summary.Transactions:N0} transactions ({summary.Accounts:N0} accounts, {summary.Merchants:N0} merchants, {generatorOptions.Days} days) in {summary.Elapsed.TotalSeconds:F1} s -> {path}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fraud: {summary.Frauds:N0} ({summary.FraudRate:P3})"));
        foreach (var (scenario, count) in summary.ByScenario)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scenario.ToText(),-22} {count,8:N0} in {summary.Episodes.Count(e => e.Scenario == scenario),5} episodes"));
        }
        foreach (var v in summary.CompromisedVolumes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  compromised merchant {v.Merchant} days {v.FromDay}-{v.ToDay - 1}: {v.Genuine:N0} genuine and {v.Fraud:N0} fraudulent payments"));
        }
        return summary;
    }

    /// <summary>Version of the shipped model; the files are models/fraud-&lt;version&gt;.onnx and .manifest.json.</summary>
    public const string ModelVersion = "2.0.0";

    private static void All(Options o, TextWriter output, CancellationToken cancellationToken)
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        var summary = Generate(o, output);
        var generatorOptions = o.Generator();
        var path = o.Get("out", Path.Combine(o.Get("work", "artifacts"), "data", $"transactions-{generatorOptions.Seed}.csv"));
        var history = TransactionCsv.Read(path).ToList();
        var pipeline = new Training.PipelineOptions
        {
            Data = generatorOptions,
            ReviewRecall = o.Double("review-recall", 0.93),
        };
        using var result = Training.ModelPipeline.Run(pipeline, history, summary, output, cancellationToken);
        Print(output, "model", result.Model.Test);
        Print(output, "baseline", result.Baseline.Test);
        Print(output, "hb-15", result.HandbookBaseline.Test);
        Print(output, "degraded", result.Degraded);
        var models = o.Get("models", "models");
        var seconds = result.Timings.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value.TotalSeconds, 1));
        seconds["generate"] = Math.Round(summary.Elapsed.TotalSeconds, 1);
        var report = new Reporting.TrainingReport
        {
            ModelVersion = ModelVersion,
            FeatureSchemaVersion = Features.Engine.FeatureSchema.Version,
            Command = Reporting.ModelCard.TrainCommand,
            Seed = generatorOptions.Seed,
            Days = generatorOptions.Days,
            Start = generatorOptions.Start,
            Transactions = summary.Transactions,
            Frauds = summary.Frauds,
            Accounts = summary.Accounts,
            Merchants = summary.Merchants,
            FraudsByScenario = summary.ByScenario.ToDictionary(kv => kv.Key.ToText(), kv => kv.Value),
            EpisodesByScenario = FraudScenarios.Fraudulent.ToDictionary(s => s.ToText(), s => summary.Episodes.Count(e => e.Scenario == s)),
            TestEpisodesByScenario = FraudScenarios.Fraudulent.ToDictionary(s => s.ToText(),
                s => summary.Episodes.Count(e => e.Scenario == s && e.ToDay > result.Split.ValidEnd && e.FromDay < result.Split.Days)),
            CompromisedVolumes = summary.CompromisedVolumes,
            GenerationSeconds = summary.Elapsed.TotalSeconds,
            Split = result.Split.ToString(),
            TestDays = result.Split.TestDays,
            TrainRows = result.TrainRows,
            TrainFrauds = result.TrainFrauds,
            ValidRows = result.ValidRows,
            ValidFrauds = result.ValidFrauds,
            Parameters = pipeline.Booster.ToString(),
            DegradedShare = pipeline.DegradedShare,
            GenuineSampling = pipeline.GenuineSampling,
            DeclinePrecision = pipeline.DeclinePrecision,
            ReviewRecall = pipeline.ReviewRecall,
            Model = Figures(result.Model),
            Baseline = Figures(result.Baseline),
            HandbookBaseline = Figures(result.HandbookBaseline),
            Degraded = result.Degraded,
            DegradedThresholds = result.DegradedThresholds,
            DegradedValidation = result.DegradedValidation,
            DegradedAtNormalDecline = result.DegradedAtNormalDecline,
            FeatureUse = result.FeatureUse,
            Seconds = seconds,
        };
        report = ModelExport.Export(report, result, models, output, cancellationToken);
        seconds["total"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        Reporting.ReportFiles.Write(models, Reporting.ReportFiles.Training, report);
        var card = Reporting.ReportFiles.WriteCard(models);
        output.WriteLine($"wrote {card} ({total.Elapsed.TotalSeconds:F0} s in all)");
    }

    private static Reporting.ModelFigures Figures(Training.TrainedModel m) =>
        new(m.Name, m.Columns, m.BestIteration + 1, m.ValidationAucPr, m.Validation, m.Test);

    private static Handbook.HandbookResult? HandbookCommand(Options o, TextWriter output, CancellationToken cancellationToken)
    {
        var result = Handbook.HandbookBenchmark.Run(o.Get("data", Handbook.HandbookData.DefaultDirectory), o.Get("work", "artifacts"),
            o.Get("validation-only", "false") == "true", output, cancellationToken);
        if (result is null)
        {
            return null;
        }
        var c = result.Chosen;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"handbook: test folds AUC {c.Auc.Mean:F3}±{c.Auc.Sd:F3} AP {c.Ap.Mean:F3}±{c.Ap.Sd:F3} CP@100 {c.Cp100.Mean:F3}±{c.Cp100.Sd:F3} ({result.Seconds["total"]:F0} s)"));
        var models = o.Get("models", "models");
        Reporting.ReportFiles.Write(models, Reporting.ReportFiles.Handbook, result);
        output.WriteLine($"wrote {Reporting.ReportFiles.WriteCard(models)}");
        return result;
    }

    private static void Print(TextWriter output, string name, Evaluation.EvaluationResult e)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-9} PR-AUC {e.PrAuc:F4} ROC-AUC {e.RocAuc:F4} R@0.1%FPR {e.RecallAtFpr01:F3} R@1%FPR {e.RecallAtFpr1:F3} review(t={e.ReviewThreshold:F3}) P {e.AtReview.Precision:F3} R {e.AtReview.Recall:F3} rate {e.ReviewRate:P2} decline(t={e.DeclineThreshold:F3}) P {e.AtDecline.Precision:F3} R {e.AtDecline.Recall:F3}"));
        foreach (var (s, r) in e.ByScenario)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {s.ToText(),-22} n={r.Frauds,6} review {r.RecallAtReview:F3} decline {r.RecallAtDecline:F3} at 0.1% FPR {r.RecallAtFpr01:F3}"));
        }
    }

    /// <summary>--name value pairs.</summary>
    internal sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public static Options Parse(ReadOnlySpan<string> args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                {
                    throw new ArgumentException($"expected '--name value', got '{args[i]}'");
                }
                o._values[args[i][2..]] = args[++i];
            }
            return o;
        }

        public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

        public int Int(string name, int fallback) =>
            _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public double Double(string name, double fallback) =>
            _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public GeneratorOptions Generator() => new()
        {
            Seed = (ulong)Int("seed", 42),
            Transactions = Int("transactions", 1_000_000),
            Days = Int("days", 60),
            FraudRate = Double("fraud-rate", 0.01),
        };
    }
}
