using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using FraudEx.Features.Engine;
using FraudEx.Training.Evaluation;
using FraudEx.Training.Training;
using FraudEx.XGBoost;

namespace FraudEx.Training.Handbook;

/// <summary>Figures of one fold.</summary>
public sealed record FoldResult(string Fold, DateTime TrainStart, int TrainRows, int TestRows, int TestFrauds, double RocAuc, double AveragePrecision, double CardPrecision100);

/// <summary>One hyper-parameter point of the search.</summary>
public sealed record HyperParameters(string Features, int MaxDepth, double MinChildWeight, double ScalePosWeight, double Eta, int Rounds)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"features={Features} max_depth={MaxDepth} min_child_weight={MinChildWeight} scale_pos_weight={ScalePosWeight} eta={Eta} rounds={Rounds}");
}

/// <summary>A candidate's mean figures over the 4 validation folds, with the number of seeds averaged per fold.</summary>
public sealed record Candidate(HyperParameters Parameters, int Seeds, double MeanAuc, double MeanAp, double MeanCp100);

/// <summary>Mean and sample standard deviation over folds.</summary>
public readonly record struct MeanSd(double Mean, double Sd)
{
    public static MeanSd Of(IEnumerable<double> xs)
    {
        var a = xs.ToArray();
        var mean = a.Average();
        return new MeanSd(mean, Math.Sqrt(a.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, a.Length - 1)));
    }
}

/// <summary>One model's test-fold figures: the seed-averaged model per fold, and each single seed's fold means.</summary>
public sealed record TestFigures(string Name, HyperParameters Parameters, IReadOnlyList<int> Seeds, IReadOnlyList<FoldResult> Folds,
    IReadOnlyList<FoldResult> SingleSeedFolds)
{
    [JsonIgnore]
    public MeanSd Auc => MeanSd.Of(Folds.Select(f => f.RocAuc));
    [JsonIgnore]
    public MeanSd Ap => MeanSd.Of(Folds.Select(f => f.AveragePrecision));
    [JsonIgnore]
    public MeanSd Cp100 => MeanSd.Of(Folds.Select(f => f.CardPrecision100));
}

/// <summary>The benchmark's outcome.</summary>
public sealed record HandbookResult(
    string SelectionRule,
    IReadOnlyList<Candidate> Search,
    IReadOnlyList<Candidate> Finalists,
    TestFigures Chosen,
    TestFigures RunnerUp,
    Candidate BookXGBoostChoice,
    TestFigures BookXGBoost,
    IReadOnlyList<Candidate> Ablation,
    IReadOnlyDictionary<string, double> Seconds,
    int Transactions,
    IReadOnlyList<string> ExtraFeatures,
    Ceilings? Ceilings = null);

/// <summary>What a ranking could reach on the test folds: a perfect one, and one perfect except that it cannot tell
/// the frauds no label could reveal yet from genuine payments (<see cref="HandbookBenchmark.Unseeable"/>), with the
/// share of test frauds that are such; and the same under the benchmark's earlier, looser rule
/// (<see cref="HandbookBenchmark.UnseeableByWindow"/>).</summary>
public sealed record Ceilings(IReadOnlyList<FoldResult> Perfect, IReadOnlyList<FoldResult> PerfectOnKnowable, IReadOnlyList<double> UnseeableShare,
    IReadOnlyList<FoldResult>? PerfectOnKnowableByWindow = null, IReadOnlyList<double>? UnseeableByWindowShare = null);

/// <summary>
/// The Fraud Detection Handbook's benchmark with FraudEx's pipeline: its transactions replayed through the feature
/// engine with every fraud label fed back 7 days after its transaction, plus the benchmark's own exact-window terminal
/// and card features (<see cref="HandbookFeatures"/>); then the book's prequential protocol: hyper-parameters chosen
/// on the 4 validation folds by a rule fixed in code, figures reported on the 4 test folds, read only after the choice.
/// </summary>
public static class HandbookBenchmark
{
    /// <summary>The label delay of the book's protocol.</summary>
    public static readonly TimeSpan LabelDelay = TimeSpan.FromDays(7);

    /// <summary>Fixed before any test fold is read, and applied by <see cref="Select"/> alone.</summary>
    public const string SelectionRule =
        "highest mean validation average precision of the seed-averaged model over the 4 validation folds (rounded to 4 decimals); ties to the higher mean validation AUC, then the shallower and shorter model";

    /// <summary>Seeds each finalist and each test-fold model is trained with; their probabilities are averaged.</summary>
    public static readonly int[] Seeds = [1, 2, 3];

    /// <summary>Trees read from each stage-1 model (one training gives every checkpoint): choosing among them on
    /// validation is early stopping on the validation folds.</summary>
    private static readonly int[] RoundCheckpoints = [25, 50, 100, 150];

    /// <summary>Stage 1 of the search, learning rate 0.1, on every validation fold with the first seed: the full
    /// factorial of max_depth 6/8 × min_child_weight 1/5 × scale_pos_weight 1/3 (depth 4 lost to depth 6 in every
    /// earlier search, and more than 150 trees at this rate never helped).</summary>
    public static readonly (int Depth, double MinChildWeight, double ScalePosWeight)[] Grid =
        [.. from d in new[] { 6, 8 } from w in new[] { 1.0, 5.0 } from s in new[] { 1.0, 3.0 } select (d, w, s)];

    /// <summary>Stage 2: the best shape of stage 1 again at learning rate 0.05 (twice the trees).</summary>
    private static readonly int[] SlowRoundCheckpoints = [50, 100, 200, 300];

    /// <summary>The book's 15 features (amount, weekend, night; the customer's count and mean amount over 1, 7, 30
    /// days; the terminal's count and risk over 1, 7, 30 days ending 7 days back) as the engine computes them.</summary>
    public static readonly IReadOnlyList<string> BookFeatureNames =
    [
        "amount_log", "is_weekend", "is_night",
        "acct_count_24h", "acct_mean_24h", "acct_count_7d", "acct_mean_7d", "acct_count_30d", "acct_mean_30d",
        "merch_lag7_count_1d", "merch_lag7_risk_1d", "merch_lag7_count_7d", "merch_lag7_risk_7d", "merch_lag7_count_30d", "merch_lag7_risk_30d",
    ];

    /// <summary>The feature sets a candidate can see, as column indices of the benchmark matrix (engine features, then
    /// <see cref="HandbookFeatures"/>). "engine+handbook-11" is the benchmark's first version (without the terminal's
    /// fraud run and the card's known-genuine z-scores).</summary>
    public static readonly IReadOnlyDictionary<string, int[]> FeatureSets = new Dictionary<string, int[]>
    {
        ["book-15"] = BookFeatureNames.Select(FeatureSchema.IndexOf).ToArray(),
        ["engine"] = Enumerable.Range(0, FeatureSchema.Count).ToArray(),
        ["engine+handbook-11"] = Enumerable.Range(0, FeatureSchema.Count + HandbookFeatures.FirstVersionCount).ToArray(),
        ["engine+handbook"] = Enumerable.Range(0, FeatureSchema.Count + HandbookFeatures.Count).ToArray(),
    };

    /// <summary>The book's XGBoost grid (chapter 5: max_depth 3/6/9, learning rate 0.1/0.3, 25/50/100 trees, no row or
    /// column sampling), on its 15 features, chosen on the same validation folds by the same rule.</summary>
    private static readonly int[] BookDepths = [3, 6, 9];
    private static readonly double[] BookEtas = [0.1, 0.3];
    private static readonly int[] BookRounds = [25, 50, 100];

    /// <param name="dataDirectory">The Handbook's directory (transactions.csv.gz).</param>
    /// <param name="workDirectory">Where the engine's replayed vectors are cached (artifacts/, never committed).</param>
    /// <param name="validationOnly">Stop after the choice on the validation folds: no test fold is read.</param>
    public static HandbookResult? Run(string dataDirectory, string workDirectory, bool validationOnly, TextWriter log, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>();
        var rows = HandbookData.Load(dataDirectory);
        seconds["read"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        log.WriteLine($"handbook: {rows.Length:N0} transactions read from {dataDirectory} in {total.Elapsed.TotalSeconds:F1} s");
        var sw = Stopwatch.StartNew();
        var cache = Path.Combine(workDirectory, "handbook", EngineCacheName(dataDirectory, rows.Length));
        var matrix = Replay(rows, cache, log);
        seconds["replay"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        log.WriteLine($"handbook: engine features ({FeatureSchema.Version}) with labels {LabelDelay.TotalDays} days late, plus {HandbookFeatures.Count} exact-window features, in {sw.Elapsed.TotalSeconds:F1} s");
        var bench = new Bench(rows, matrix, log, cancellationToken);

        // Stage 1: the grid on the validation folds, one seed, learning rate 0.1.
        sw.Restart();
        var search = new List<Candidate>();
        foreach (var (depth, mcw, spw) in Grid)
        {
            var point = new HyperParameters("engine+handbook", depth, mcw, spw, 0.1, RoundCheckpoints.Max());
            search.AddRange(bench.Validate(point, RoundCheckpoints, [Seeds[0]], subsample: 0.8));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"handbook: searched {point with { Rounds = 0 }} ({total.Elapsed.TotalSeconds:F0} s)"));
        }
        // Stage 2: the best shape at the slower learning rate.
        var shapes = Rank(search).Select(c => c.Parameters with { Rounds = 0 }).Distinct().Take(1).ToList();
        foreach (var shape in shapes)
        {
            var point = shape with { Eta = 0.05, Rounds = SlowRoundCheckpoints.Max() };
            search.AddRange(bench.Validate(point, SlowRoundCheckpoints, [Seeds[0]], subsample: 0.8));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"handbook: searched {point with { Rounds = 0 }} ({total.Elapsed.TotalSeconds:F0} s)"));
        }
        seconds["search"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        foreach (var c in Rank(search).Take(5))
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"handbook: search {c.Parameters}: validation AUC {c.MeanAuc:F4} AP {c.MeanAp:F4} CP@100 {c.MeanCp100:F4}"));
        }

        // Stage 3: the best two (by the rule) with every seed, their probabilities averaged (the first seed's
        // models are those of the search, not trained again); and the best one on the benchmark's first feature set,
        // so the new features have to earn their place on validation too.
        sw.Restart();
        var best = Rank(search).Take(2).Select(c => c.Parameters).ToList();
        var finalists = best.Append(best[0] with { Features = "engine+handbook-11" })
            .Select(p => bench.Validate(p, [p.Rounds], Seeds, subsample: 0.8).Single())
            .ToList();
        seconds["finalists"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        var ranked = Rank(finalists).ToList();
        var (chosen, runnerUp) = (ranked[0], ranked[1]);
        foreach (var c in ranked)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"handbook: finalist {c.Parameters}: validation AUC {c.MeanAuc:F4} AP {c.MeanAp:F4} CP@100 {c.MeanCp100:F4} ({c.Seeds} seeds)"));
        }
        log.WriteLine($"handbook: chose {chosen.Parameters}; runner-up {runnerUp.Parameters} (rule: {SelectionRule})");

        // Ablation on validation only: the chosen point on each smaller feature set.
        sw.Restart();
        var ablation = new List<Candidate> { chosen };
        foreach (var features in new[] { "engine+handbook-11", "engine" }.Where(f => f != chosen.Parameters.Features))
        {
            ablation.Add(finalists.FirstOrDefault(c => c.Parameters == (chosen.Parameters with { Features = features }))
                ?? bench.Validate(chosen.Parameters with { Features = features }, [chosen.Parameters.Rounds], Seeds, subsample: 0.8).Single());
        }
        seconds["ablation"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        foreach (var c in ablation)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"handbook: ablation {c.Parameters.Features}: validation AUC {c.MeanAuc:F4} AP {c.MeanAp:F4} CP@100 {c.MeanCp100:F4}"));
        }

        if (validationOnly)
        {
            log.WriteLine($"handbook: validation only (the book's grid skipped), no test fold read ({total.Elapsed.TotalSeconds:F0} s)");
            return null;
        }

        // The book's XGBoost grid on its 15 features, chosen by the same rule.
        sw.Restart();
        var bookSearch = new List<Candidate>();
        foreach (var depth in BookDepths)
        {
            foreach (var eta in BookEtas)
            {
                bookSearch.AddRange(bench.Validate(new HyperParameters("book-15", depth, 1, 1, eta, BookRounds.Max()), BookRounds, [Seeds[0]], subsample: 1));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"handbook: book grid max_depth={depth} eta={eta} ({total.Elapsed.TotalSeconds:F0} s)"));
            }
        }
        var bookChoice = Rank(bookSearch).First();
        seconds["book_search"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        log.WriteLine($"handbook: book's XGBoost grid chose {bookChoice.Parameters}");

        // Only now are the test folds read.
        sw.Restart();
        var chosenTest = bench.Test("FraudEx (chosen)", chosen.Parameters, Seeds, 0.8);
        var runnerUpTest = bench.Test("runner-up", runnerUp.Parameters, Seeds, 0.8);
        // Without row or column sampling libxgboost's training does not depend on the seed: one seed is all seeds.
        var bookTest = bench.Test("the book's XGBoost setup, reproduced", bookChoice.Parameters, [Seeds[0]], 1);
        seconds["test"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        seconds["total"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        var ceilings = bench.Ceilings();
        return new HandbookResult(SelectionRule, search, finalists, chosenTest, runnerUpTest, bookChoice, bookTest, ablation, seconds, rows.Length,
            HandbookFeatures.Names, ceilings);
    }

    /// <summary>A test fraud no label can reveal yet: a terminal compromise (the Handbook's scenario 2) at a terminal
    /// whose latest transaction with a known label (at or before t − 7 d) is genuine, or which has none
    /// (<c>term_known_fraud_run</c> = 0). Every payment at a compromised terminal is fraud while the compromise lasts,
    /// so this compromise began after that transaction: it is younger than the label delay, or the terminal took no
    /// payment between its start and t − 7 d. Such a payment looks like any genuine one at the same terminal and card.
    /// </summary>
    public static bool Unseeable(HandbookTransaction row, ReadOnlySpan<float> features) =>
        row.Fraud && row.Scenario == 2 && features[FeatureSchema.Count + TermKnownFraudRun] == 0;

    /// <summary>The benchmark's earlier, looser rule: a terminal compromise at a terminal with no known fraud in
    /// (t − 37 d, t − 7 d]. It counts as knowable a young compromise at a terminal that had an unrelated known fraud
    /// in that window (a large amount or a compromised card paying there, or an earlier compromise that has ended),
    /// though no label of the current compromise exists yet.</summary>
    public static bool UnseeableByWindow(HandbookTransaction row, ReadOnlySpan<float> features) =>
        row.Fraud && row.Scenario == 2 && features[FeatureSchema.Count + TermRisk30d] == 0;

    private static readonly int TermRisk30d = HandbookFeatures.Names.ToList().IndexOf("term_exact_risk_30d");
    private static readonly int TermKnownFraudRun = HandbookFeatures.Names.ToList().IndexOf("term_known_fraud_run");

    /// <summary>Candidates in the order of <see cref="SelectionRule"/>, best first.</summary>
    public static IEnumerable<Candidate> Rank(IEnumerable<Candidate> candidates) =>
        candidates.OrderByDescending(c => Math.Round(c.MeanAp, 4)).ThenByDescending(c => c.MeanAuc)
            .ThenBy(c => c.Parameters.MaxDepth).ThenBy(c => c.Parameters.Rounds);

    /// <summary>The cache file of the engine's vectors: named by the schema (version and a hash of its feature names)
    /// and by the data file's size and time, so a changed schema or data set never reads a stale cache.</summary>
    private static string EngineCacheName(string dataDirectory, int rows)
    {
        var file = new FileInfo(Path.Combine(dataDirectory, "transactions.csv.gz"));
        var key = string.Join(",", FeatureSchema.Names) + $"|{rows}|{file.Length}|{file.LastWriteTimeUtc.Ticks}|{LabelDelay.Ticks}";
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
        return $"engine-{FeatureSchema.Version}-{hash}.f32";
    }

    /// <summary>The engine's vectors of every transaction, in file order, followed by <see cref="HandbookFeatures"/>.
    /// The engine's part is read from <paramref name="cacheFile"/> when present (the replay is the slow part), else
    /// replayed and written there.</summary>
    public static FeatureMatrix Replay(HandbookTransaction[] rows, string? cacheFile = null, TextWriter? log = null)
    {
        var engine = FeatureSchema.Count;
        var columns = engine + HandbookFeatures.Count;
        var values = new float[rows.Length * columns];
        var y = new bool[rows.Length];
        var days = new int[rows.Length];
        var accounts = new string[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            y[i] = rows[i].Fraud;
            days[i] = rows[i].Day;
            accounts[i] = "c" + rows[i].Customer.ToString(CultureInfo.InvariantCulture);
        }
        var engineValues = cacheFile is not null && File.Exists(cacheFile) && new FileInfo(cacheFile).Length == (long)rows.Length * engine * sizeof(float)
            ? ReadCache(cacheFile, rows.Length * engine)
            : null;
        if (engineValues is null)
        {
            engineValues = ReplayEngine(rows);
            if (cacheFile is not null)
            {
                WriteCache(cacheFile, engineValues);
                log?.WriteLine($"handbook: engine vectors cached in {cacheFile}");
            }
        }
        else
        {
            log?.WriteLine($"handbook: engine vectors read from {cacheFile}");
        }
        var extra = HandbookFeatures.Compute(rows);
        for (var i = 0; i < rows.Length; i++)
        {
            engineValues.AsSpan(i * engine, engine).CopyTo(values.AsSpan(i * columns));
            extra.AsSpan(i * HandbookFeatures.Count, HandbookFeatures.Count).CopyTo(values.AsSpan(i * columns + engine));
        }
        return new FeatureMatrix(values, columns, y, days, new Simulation.FraudScenario[rows.Length], accounts);
    }

    private static float[] ReplayEngine(HandbookTransaction[] rows)
    {
        var events = new TransactionEvent[rows.Length];
        var labels = new List<LabelEvent>();
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            var ms = new DateTimeOffset(r.Timestamp).ToUnixTimeMilliseconds();
            // No device, IP, MCC, channel or location in this data set: those features are NaN, as the engine defines.
            events[i] = new TransactionEvent(
                r.Id.ToString(CultureInfo.InvariantCulture),
                "c" + r.Customer.ToString(CultureInfo.InvariantCulture),
                "t" + r.Terminal.ToString(CultureInfo.InvariantCulture),
                string.Empty, r.AmountCents, "EUR", ms);
            if (r.Fraud)
            {
                labels.Add(new LabelEvent(events[i].TransactionId, events[i].MerchantId, null, true, ms, ms + (long)LabelDelay.TotalMilliseconds));
            }
        }
        // Rows are in time order, so labels (a constant delay later) are already in known-time order.
        var engine = FeatureSchema.Count;
        var values = new float[rows.Length * engine];
        var n = 0;
        foreach (var row in new OfflineReplay().Run(events, labels))
        {
            row.Vector.CopyTo(values, n * engine);
            n++;
        }
        if (n != rows.Length)
        {
            throw new InvalidDataException("The handbook data holds duplicate transaction ids.");
        }
        return values;
    }

    private static float[] ReadCache(string path, int count)
    {
        var values = new float[count];
        using var file = File.OpenRead(path);
        file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static void WriteCache(string path, float[] values)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        File.Move(temporary, path, overwrite: true);
    }

    private delegate bool Rule(HandbookTransaction row, ReadOnlySpan<float> features);

    /// <summary>Trains and assesses on the protocol's folds; keeps each fold's split.</summary>
    private sealed class Bench(HandbookTransaction[] rows, FeatureMatrix m, TextWriter log, CancellationToken cancellationToken)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int[] Train, int[] Test)> _splits = [];
        // Probabilities already computed: (point without its rounds, subsample, seed, fold, rounds) → scores.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(HyperParameters, double, int, string, int), float[]> _scores = [];
        // Two folds train at once, each on one libxgboost thread: the machine's two cores.
        private static readonly ParallelOptions Parallelism = new() { MaxDegreeOfParallelism = 2 };

        public IEnumerable<Candidate> Validate(HyperParameters point, int[] checkpoints, int[] seeds, double subsample)
        {
            var perCheckpoint = checkpoints.ToDictionary(c => c, _ => new List<FoldResult>());
            foreach (var assessed in AssessFolds(HandbookProtocol.ValidationFolds, point, checkpoints, seeds, subsample))
            {
                foreach (var (rounds, result) in assessed.Averaged)
                {
                    perCheckpoint[rounds].Add(result);
                }
            }
            return checkpoints.Select(c => new Candidate(point with { Rounds = c }, seeds.Length,
                perCheckpoint[c].Average(r => r.RocAuc), perCheckpoint[c].Average(r => r.AveragePrecision), perCheckpoint[c].Average(r => r.CardPrecision100)));
        }

        public TestFigures Test(string name, HyperParameters point, int[] seeds, double subsample)
        {
            var folds = new List<FoldResult>();
            var single = new List<FoldResult>();
            var assessed = AssessFolds(HandbookProtocol.TestFolds, point, [point.Rounds], seeds, subsample);
            for (var k = 0; k < assessed.Length; k++)
            {
                var fold = HandbookProtocol.TestFolds[k];
                var (averaged, perSeed) = assessed[k];
                var result = averaged.Single().Result;
                folds.Add(result);
                single.AddRange(perSeed);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"handbook: {name}: {fold.Name} train from {fold.TrainStart:yyyy-MM-dd}: AUC {result.RocAuc:F3} AP {result.AveragePrecision:F3} CP@100 {result.CardPrecision100:F3}"));
            }
            return new TestFigures(name, point, seeds, folds, single);
        }

        /// <summary><see cref="Assess"/> on every fold, two folds at a time; results in the folds' order.</summary>
        private (List<(int Rounds, FoldResult Result)> Averaged, List<FoldResult> PerSeed)[] AssessFolds(IReadOnlyList<HandbookFold> folds,
            HyperParameters point, int[] checkpoints, int[] seeds, double subsample)
        {
            var results = new (List<(int Rounds, FoldResult Result)> Averaged, List<FoldResult> PerSeed)[folds.Count];
            Parallel.For(0, folds.Count, Parallelism, k => results[k] = Assess(folds[k], point, checkpoints, seeds, subsample));
            return results;
        }

        /// <summary>Per checkpoint, the fold's figures of the seed-averaged probabilities; and each seed's own figures
        /// at the last checkpoint (named "&lt;fold&gt;/seed-&lt;s&gt;").</summary>
        private (List<(int Rounds, FoldResult Result)> Averaged, List<FoldResult> PerSeed) Assess(HandbookFold fold, HyperParameters point,
            int[] checkpoints, int[] seeds, double subsample)
        {
            var split = _splits.GetOrAdd(fold.Name, _ => HandbookProtocol.Split(rows, fold));
            var (train, test) = split;
            var columns = FeatureSets[point.Features];
            var cols = columns.Length;
            var p = new BoosterParameters
            {
                MaxDepth = point.MaxDepth, MinChildWeight = point.MinChildWeight, ScalePosWeight = point.ScalePosWeight, Eta = point.Eta,
                Subsample = subsample, ColsampleByTree = subsample, Rounds = checkpoints.Max(), EarlyStoppingRounds = 0, Threads = 1,
            };
            var shape = point with { Rounds = 0 };
            var labels = m.BoolLabelsOf(test);
            var sums = checkpoints.ToDictionary(c => c, _ => new double[test.Length]);
            var perSeed = new List<FoldResult>();
            foreach (var seed in seeds)
            {
                if (!checkpoints.All(c => _scores.ContainsKey((shape, subsample, seed, fold.Name, c))))
                {
                    var sw = Stopwatch.StartNew();
                    using var result = GradientBoosting.Train(m.Slice(train, columns), m.LabelsOf(train), cols, null, null, p, seed, cancellationToken);
                    using var testData = DMatrix.FromDense(m.Slice(test, columns), test.Length, cols);
                    foreach (var c in checkpoints)
                    {
                        _scores[(shape, subsample, seed, fold.Name, c)] = result.Booster.Predict(testData, PredictionKind.Value, c);
                    }
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"handbook:   trained {point} seed {seed} on {fold.Name} in {sw.Elapsed.TotalSeconds:F1} s"));
                }
                foreach (var rounds in checkpoints)
                {
                    var scores = _scores[(shape, subsample, seed, fold.Name, rounds)];
                    var sum = sums[rounds];
                    for (var i = 0; i < scores.Length; i++)
                    {
                        sum[i] += scores[i];
                    }
                    if (rounds == checkpoints.Max() && seeds.Length > 1)
                    {
                        perSeed.Add(Figures($"{fold.Name}/seed-{seed}", fold, train, test, scores, labels));
                    }
                }
            }
            var averaged = checkpoints
                .Select(c => (c, Figures(fold.Name, fold, train, test, sums[c].Select(s => (float)(s / seeds.Length)).ToArray(), labels)))
                .ToList();
            return (averaged, perSeed);
        }

        /// <summary>Ceilings on the test folds, from the labels alone (no model): score 1 for every fraud, 0 for every
        /// genuine payment; and the same with the unseeable frauds scored 0 like genuine payments, by each rule.</summary>
        public Ceilings Ceilings()
        {
            List<FoldResult> perfect = [], knowable = [], knowableByWindow = [];
            List<double> share = [], shareByWindow = [];
            foreach (var fold in HandbookProtocol.TestFolds)
            {
                var (train, test) = _splits.GetOrAdd(fold.Name, _ => HandbookProtocol.Split(rows, fold));
                var labels = m.BoolLabelsOf(test);
                perfect.Add(Figures(fold.Name, fold, train, test, labels.Select(l => l ? 1f : 0f).ToArray(), labels));
                foreach (var (rule, results, shares) in new (Rule, List<FoldResult>, List<double>)[] { (Unseeable, knowable, share), (UnseeableByWindow, knowableByWindow, shareByWindow) })
                {
                    var unseeable = test.Select(r => rule(rows[r], m.Row(r))).ToArray();
                    results.Add(Figures(fold.Name, fold, train, test, labels.Select((l, k) => l && !unseeable[k] ? 1f : 0f).ToArray(), labels));
                    shares.Add((double)unseeable.Count(u => u) / Math.Max(1, labels.Count(l => l)));
                }
            }
            return new Ceilings(perfect, knowable, share, knowableByWindow, shareByWindow);
        }

        private FoldResult Figures(string name, HandbookFold fold, int[] train, int[] test, float[] scores, bool[] labels)
        {
            var cards = test.Select((row, k) => new CardScore(rows[row].Day, m.Accounts[row], scores[k], labels[k]));
            return new FoldResult(name, fold.TrainStart, train.Length, test.Length, labels.Count(l => l),
                Metrics.RocAuc(scores, labels), Metrics.AveragePrecision(scores, labels), CardPrecision.AtK(cards, 100).Mean);
        }
    }
}
