using System.Diagnostics;
using FraudEx.Features.Engine;
using FraudEx.Training.Data;
using FraudEx.Training.Simulation;

namespace FraudEx.Training.Training;

/// <summary>Turns a history CSV into the training matrix with the feature engine's offline replay: transactions in
/// time order, each fraud label applied only from the moment it became known.</summary>
public static class HistoryReplay
{
    public static (FeatureMatrix Matrix, TimeSpan Elapsed) Replay(IReadOnlyList<LabelledTransaction> history, DateTime start)
    {
        var stopwatch = Stopwatch.StartNew();
        var events = new TransactionEvent[history.Count];
        var labels = new List<LabelEvent>();
        for (var i = 0; i < history.Count; i++)
        {
            var h = history[i];
            events[i] = ToEvent(h);
            if (h.IsFraud && h.LabelTime is { } known)
            {
                labels.Add(new LabelEvent(h.TransactionId, h.MerchantId, Empty(h.DeviceId), true, events[i].TimestampMs, Ms(known)));
            }
        }
        labels.Sort((a, b) => a.LabelKnownMs != b.LabelKnownMs ? a.LabelKnownMs.CompareTo(b.LabelKnownMs) : string.CompareOrdinal(a.TransactionId, b.TransactionId));

        var columns = FeatureSchema.Count;
        var values = new float[history.Count * columns];
        var y = new bool[history.Count];
        var days = new int[history.Count];
        var scenarios = new FraudScenario[history.Count];
        var accounts = new string[history.Count];
        var replay = new OfflineReplay();
        var n = 0;
        foreach (var row in replay.Run(events, labels))
        {
            var h = history[n];
            if (!ReferenceEquals(row.Transaction.TransactionId, h.TransactionId))
            {
                throw new InvalidOperationException($"Replay skipped a transaction before {h.TransactionId}: duplicate ids in the history.");
            }
            row.Vector.CopyTo(values, n * columns);
            y[n] = h.IsFraud;
            days[n] = (int)Math.Floor((h.Timestamp - start).TotalDays);
            scenarios[n] = h.Scenario;
            accounts[n] = h.AccountId;
            n++;
        }
        return (new FeatureMatrix(values, columns, y, days, scenarios, accounts), stopwatch.Elapsed);
    }

    public static TransactionEvent ToEvent(LabelledTransaction h) => new(
        h.TransactionId, h.AccountId, h.MerchantId, h.Mcc, h.AmountMinor, h.Currency, Ms(h.Timestamp),
        (PaymentChannel)(int)h.Channel, h.CardPresent, Empty(h.DeviceId), Empty(h.IpAddress),
        double.IsNaN(h.Latitude) ? null : h.Latitude, double.IsNaN(h.Longitude) ? null : h.Longitude,
        h.Country, h.MerchantCountry);

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static long Ms(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
