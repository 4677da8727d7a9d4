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
          handbook   the Fraud Detection Handbook benchmark (its protocol, 4 test folds)
                     [--data ../shared/datasets/fraud-detection-handbook --models models --work artifacts]
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
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scenario.ToText(),-22} {count,8:N0}"));
        }
        return summary;
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
