namespace FraudEx.Training.Handbook;

/// <summary>
/// Features the benchmark adds beyond the engine's (beyond the book too), computed point in time over the Handbook's
/// rows in one pass per terminal and per card. The engine keeps terminal (merchant) history in whole UTC days and the
/// card's amount statistics as one running mean; these need exact sliding windows and per-transaction history that
/// the engine's bounded entity states do not hold, so they live here, used by the benchmark only.
/// </summary>
/// <remarks>
/// Labels follow the book's protocol: a fraud is known exactly <see cref="HandbookBenchmark.LabelDelay"/> after its
/// transaction, so at time t every fraud of a transaction at or before t − 7 days is known and none after it.
/// </remarks>
public static class HandbookFeatures
{
    /// <summary>A transaction is "unusual" for its card when its amount's z-score against the card's earlier
    /// transactions (ln(1 + amount), as the engine's <c>acct_amount_zscore</c>) is above this.</summary>
    public const double UnusualZScore = 2;

    /// <summary>Threshold on <c>card_known_genuine_zscore</c> for <c>card_known_genuine_unusual_7d</c>.</summary>
    public const double KnownGenuineUnusualZScore = 3;

    private const double ZScoreStdFloor = 0.1;
    // EUR: the Handbook's cards spend with a spread of at least 2.5 EUR; the floor only guards tiny samples.
    private const double AmountStdFloor = 0.5;
    private const long DayMs = 86_400_000;
    // HandbookBenchmark.LabelDelay, as a constant: reading that field here would tie the two type initializers together.
    private const long DelayMs = 7 * DayMs;

    /// <summary>Names in column order.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "term_exact_count_1d", "term_exact_risk_1d",
        "term_exact_count_7d", "term_exact_risk_7d",
        "term_exact_count_30d", "term_exact_risk_30d",
        "term_known_frauds", "term_days_since_known_fraud",
        "card_unusual_count_24h", "card_unusual_count_7d", "card_max_zscore_24h",
        "term_known_fraud_run", "term_known_fraud_run_days",
        "card_known_genuine_zscore", "card_known_genuine_max_zscore_24h", "card_known_genuine_unusual_7d",
    ];

    /// <summary>How many of <see cref="Names"/> the first version of the benchmark had (kept as a feature set for the ablation).</summary>
    public const int FirstVersionCount = 11;

    /// <summary>What each column means, for the model card.</summary>
    public static readonly IReadOnlyList<string> Definitions =
    [
        "terminal transactions in the exact window (t − 8 d, t − 7 d]",
        "share of them that are fraud (all known by t); 0 when none",
        "terminal transactions in (t − 14 d, t − 7 d]",
        "share of them that are fraud; 0 when none",
        "terminal transactions in (t − 37 d, t − 7 d]",
        "share of them that are fraud; 0 when none",
        "frauds at the terminal known by t (transactions at or before t − 7 d)",
        "days from the terminal's last known fraud to t; NaN when none",
        "card transactions in (t − 24 h, t], this one included, with an amount z-score above 2 against the card's earlier amounts",
        "the same over (t − 7 d, t]",
        "largest amount z-score of the card's transactions in (t − 24 h, t], this one included; NaN when none is defined",
        "frauds in a row ending at the terminal's latest known transaction (at or before t − 7 d); 0 when that one is genuine or there is none. A compromised terminal's every payment is fraud while the compromise lasts",
        "days from the first fraud of that run to t; NaN when the run is empty. A compromise lasts a fixed time, so a long-running one is about to end",
        "z-score of the amount (in EUR, not its log) against the card's known genuine payments only: those at or before t − 7 d whose label says genuine. The card's own known frauds do not widen its spread; NaN with fewer than 2",
        "largest such z-score of the card's transactions in (t − 24 h, t], this one included; NaN when none is defined",
        $"card transactions in (t − 7 d, t], this one included, whose known-genuine z-score is above {KnownGenuineUnusualZScore}",
    ];

    public static int Count => Names.Count;

    /// <summary>Row-major block (rows × <see cref="Count"/>) in the order of <paramref name="rows"/>, which must be in time order.</summary>
    public static float[] Compute(IReadOnlyList<HandbookTransaction> rows)
    {
        var k = Count;
        var values = new float[rows.Count * k];
        var ms = new long[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            ms[i] = new DateTimeOffset(rows[i].Timestamp).ToUnixTimeMilliseconds();
            if (i > 0 && ms[i] < ms[i - 1])
            {
                throw new InvalidDataException("Handbook rows must be in time order.");
            }
        }
        foreach (var group in GroupBy(rows, r => r.Terminal))
        {
            Terminal(group, rows, ms, values, k);
        }
        foreach (var group in GroupBy(rows, r => r.Customer))
        {
            Card(group, rows, ms, values, k);
        }
        return values;
    }

    private static List<int>[] GroupBy(IReadOnlyList<HandbookTransaction> rows, Func<HandbookTransaction, int> key)
    {
        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < rows.Count; i++)
        {
            var id = key(rows[i]);
            (groups.TryGetValue(id, out var l) ? l : groups[id] = []).Add(i);
        }
        return groups.Values.ToArray();
    }

    private static void Terminal(List<int> idx, IReadOnlyList<HandbookTransaction> rows, long[] ms, float[] values, int k)
    {
        var n = idx.Count;
        // Prefix frauds and the time of the latest fraud among the first j transactions.
        var frauds = new int[n + 1];
        var lastFraud = new long[n + 1];
        // Frauds in a row ending at the j-th transaction, and the time of the run's first.
        var run = new int[n + 1];
        var runStart = new long[n + 1];
        lastFraud[0] = long.MinValue;
        for (var j = 0; j < n; j++)
        {
            var fraud = rows[idx[j]].Fraud;
            frauds[j + 1] = frauds[j] + (fraud ? 1 : 0);
            lastFraud[j + 1] = fraud ? ms[idx[j]] : lastFraud[j];
            run[j + 1] = fraud ? run[j] + 1 : 0;
            runStart[j + 1] = !fraud ? 0 : run[j] > 0 ? runStart[j] : ms[idx[j]];
        }
        int known = 0, p1 = 0, p7 = 0, p30 = 0; // counts of terminal transactions at or before each boundary
        for (var j = 0; j < n; j++)
        {
            var t = ms[idx[j]];
            var end = t - DelayMs;
            while (known < n && ms[idx[known]] <= end)
            {
                known++;
            }
            while (p1 < n && ms[idx[p1]] <= end - DayMs)
            {
                p1++;
            }
            while (p7 < n && ms[idx[p7]] <= end - 7 * DayMs)
            {
                p7++;
            }
            while (p30 < n && ms[idx[p30]] <= end - 30 * DayMs)
            {
                p30++;
            }
            var row = values.AsSpan(idx[j] * k, k);
            Window(row, 0, known - p1, frauds[known] - frauds[p1]);
            Window(row, 2, known - p7, frauds[known] - frauds[p7]);
            Window(row, 4, known - p30, frauds[known] - frauds[p30]);
            row[6] = frauds[known];
            row[7] = lastFraud[known] == long.MinValue ? float.NaN : (float)((t - lastFraud[known]) / (double)DayMs);
            row[11] = run[known];
            row[12] = run[known] == 0 ? float.NaN : (float)((t - runStart[known]) / (double)DayMs);
        }
    }

    private static void Window(Span<float> row, int at, int count, int frauds)
    {
        row[at] = count;
        row[at + 1] = count == 0 ? 0 : (float)frauds / count;
    }

    private static void Card(List<int> idx, IReadOnlyList<HandbookTransaction> rows, long[] ms, float[] values, int k)
    {
        var n = idx.Count;
        var z = new double[n];
        var unusualPrefix = new int[n + 1];
        double mean = 0, m2 = 0;
        for (var j = 0; j < n; j++)
        {
            var x = Math.Log(1 + Math.Max(rows[idx[j]].AmountCents / 100.0, 0));
            z[j] = j >= 2 ? (x - mean) / Math.Max(Math.Sqrt(m2 / (j - 1)), ZScoreStdFloor) : double.NaN;
            unusualPrefix[j + 1] = unusualPrefix[j] + (z[j] > UnusualZScore ? 1 : 0);
            var delta = x - mean;
            mean += delta / (j + 1);
            m2 += delta * (x - mean);
        }
        int s24 = 0, s7 = 0; // first transaction inside each window
        for (var j = 0; j < n; j++)
        {
            var t = ms[idx[j]];
            while (ms[idx[s24]] <= t - DayMs)
            {
                s24++;
            }
            while (ms[idx[s7]] <= t - 7 * DayMs)
            {
                s7++;
            }
            var row = values.AsSpan(idx[j] * k, k);
            row[8] = unusualPrefix[j + 1] - unusualPrefix[s24];
            row[9] = unusualPrefix[j + 1] - unusualPrefix[s7];
            var max = double.NaN;
            for (var q = s24; q <= j; q++)
            {
                if (!double.IsNaN(z[q]) && (double.IsNaN(max) || z[q] > max))
                {
                    max = z[q];
                }
            }
            row[10] = (float)max;
        }
        KnownGenuine(idx, rows, ms, values, k);
    }

    /// <summary>The card's amount against its known genuine payments (labels known 7 days after the transaction).</summary>
    private static void KnownGenuine(List<int> idx, IReadOnlyList<HandbookTransaction> rows, long[] ms, float[] values, int k)
    {
        var n = idx.Count;
        var z = new double[n];
        var unusualPrefix = new int[n + 1];
        int known = 0, genuine = 0;
        double sum = 0, sumSquares = 0;
        for (var j = 0; j < n; j++)
        {
            var t = ms[idx[j]];
            while (known < j && ms[idx[known]] <= t - DelayMs)
            {
                var r = rows[idx[known++]];
                if (!r.Fraud)
                {
                    var a = r.AmountCents / 100.0;
                    genuine++;
                    sum += a;
                    sumSquares += a * a;
                }
            }
            if (genuine >= 2)
            {
                var mean = sum / genuine;
                var sd = Math.Sqrt(Math.Max(0, (sumSquares - genuine * mean * mean) / (genuine - 1)));
                z[j] = (rows[idx[j]].AmountCents / 100.0 - mean) / Math.Max(sd, AmountStdFloor);
            }
            else
            {
                z[j] = double.NaN;
            }
            unusualPrefix[j + 1] = unusualPrefix[j] + (z[j] > KnownGenuineUnusualZScore ? 1 : 0);
        }
        int s24 = 0, s7 = 0;
        for (var j = 0; j < n; j++)
        {
            var t = ms[idx[j]];
            while (ms[idx[s24]] <= t - DayMs)
            {
                s24++;
            }
            while (ms[idx[s7]] <= t - 7 * DayMs)
            {
                s7++;
            }
            var row = values.AsSpan(idx[j] * k, k);
            row[13] = (float)z[j];
            var max = double.NaN;
            for (var q = s24; q <= j; q++)
            {
                if (!double.IsNaN(z[q]) && (double.IsNaN(max) || z[q] > max))
                {
                    max = z[q];
                }
            }
            row[14] = (float)max;
            row[15] = unusualPrefix[j + 1] - unusualPrefix[s7];
        }
    }
}
