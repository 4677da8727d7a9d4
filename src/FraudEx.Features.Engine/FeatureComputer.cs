using FraudEx.Features.Engine.Internal;
using S = FraudEx.Features.Engine.FeatureSchema;

namespace FraudEx.Features.Engine;

/// <summary>
/// Turns a transaction and the states of its entities into the feature vector and the entities' new states. Pure and
/// deterministic: event time only (never the wall clock), no I/O, no randomness; the same inputs give bit-identical
/// outputs on every machine, which is what makes serving and offline replay equal.
/// </summary>
/// <remarks>
/// Each block of the vector depends on one entity's state only (transaction context, account, merchant, device, IP),
/// so a store can fold each entity independently and retry one entity after a write conflict without touching the
/// others. Windows include the transaction itself. An event older than the account's newest event ("late") is folded
/// into counters and windows but leaves the "previous transaction" fields untouched and gets NaN for them; its
/// windows end at its own time bucket. Duplicates are not detected here (states are bounded, so they cannot remember
/// every id): the caller remembers transaction ids, as <see cref="OfflineReplay"/> and the feature service do.
/// </remarks>
public static class FeatureComputer
{
    private const double ZScoreStdFloor = 0.1;
    private const double SmoothingStrength = 20;
    private const double SmoothingPrior = 0.01;
    private const double MinTravelHours = 1.0 / 60;

    /// <summary>
    /// Computes the vector of <paramref name="tx"/> and returns new states; <paramref name="current"/> is not changed.
    /// Device and IP states stay null when the transaction has no device or IP.
    /// </summary>
    public static (float[] Vector, EntityStates Updated) Compute(in TransactionEvent tx, EntityStates current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var vector = new float[S.Count];
        var account = current.Account?.Clone() ?? new AccountState();
        var merchant = current.Merchant?.Clone() ?? new MerchantState();
        var device = tx.HasDevice ? current.Device?.Clone() ?? new SharedEntityState() : current.Device;
        var ip = tx.HasIp ? current.Ip?.Clone() ?? new SharedEntityState() : current.Ip;
        WriteTransactionFeatures(tx, vector);
        FoldAccount(tx, account, vector);
        FoldMerchant(tx, merchant, vector);
        FoldDevice(tx, tx.HasDevice ? device : null, vector);
        FoldIp(tx, tx.HasIp ? ip : null, vector);
        return (vector, new EntityStates(account, merchant, device, ip));
    }

    /// <summary>Applies a label to copies of the merchant and device states; the inputs are not changed.</summary>
    public static (MerchantState? Merchant, SharedEntityState? Device) ApplyLabel(in LabelEvent label, MerchantState? merchant, SharedEntityState? device)
    {
        var m = merchant?.Clone() ?? new MerchantState();
        FoldLabel(label, m);
        SharedEntityState? d = null;
        if (!string.IsNullOrEmpty(label.DeviceId))
        {
            d = device?.Clone() ?? new SharedEntityState();
            FoldLabel(label, d);
        }

        return (m, d ?? device);
    }

    /// <summary>Writes the features that depend on the transaction alone.</summary>
    public static void WriteTransactionFeatures(in TransactionEvent tx, Span<float> vector)
    {
        CheckLength(vector);
        var t = tx.TimestampMs;
        var dayIndex = FloorDiv(t, TimeUnits.Day);
        var msOfDay = t - dayIndex * TimeUnits.Day;
        var hour = (int)(msOfDay / TimeUnits.Hour);
        var weekday = (int)(((dayIndex + 3) % 7 + 7) % 7); // 1970-01-01 was a Thursday; Monday = 0.
        var major = Currency.ToCenti(tx.AmountMinor, tx.Currency) / 100.0;

        vector[S.AmountLog] = (float)Math.Log(1 + Math.Max(major, 0));
        vector[S.HourOfDay] = hour;
        vector[S.IsWeekend] = weekday >= 5 ? 1 : 0;
        vector[S.IsNight] = hour <= 6 ? 1 : 0;
        vector[S.ChannelCode] = tx.Channel == PaymentChannel.Unspecified ? float.NaN : (float)(int)tx.Channel;
        vector[S.CardPresent] = tx.CardPresent switch { true => 1, false => 0, null => float.NaN };
        vector[S.MccGroup] = string.IsNullOrEmpty(tx.Mcc) ? float.NaN : MccGroups.Of(tx.Mcc);
        vector[S.CountryMismatch] = string.IsNullOrEmpty(tx.Country) || string.IsNullOrEmpty(tx.MerchantCountry)
            ? float.NaN
            : string.Equals(tx.Country, tx.MerchantCountry, StringComparison.OrdinalIgnoreCase) ? 0 : 1;
    }

    /// <summary>Folds <paramref name="tx"/> into <paramref name="state"/> in place and writes the account block.</summary>
    public static void FoldAccount(in TransactionEvent tx, AccountState state, Span<float> vector)
    {
        ArgumentNullException.ThrowIfNull(state);
        CheckLength(vector);
        var t = tx.TimestampMs;
        var centi = Currency.ToCenti(tx.AmountMinor, tx.Currency);
        var x = Math.Log(1 + Math.Max(centi / 100.0, 0));
        var n = state.TransactionCount;
        var late = n > 0 && t < state.LastEventMs;

        // Features of the history before this transaction.
        vector[S.AcctAmountZScore] = n >= 2
            ? (float)((x - state.LogAmountMean) / Math.Max(Math.Sqrt(state.LogAmountM2 / (n - 1)), ZScoreStdFloor))
            : float.NaN;
        vector[S.AcctAmountRatioToMax] = n >= 1 && state.MaxAmountCenti > 0 ? (float)((double)centi / state.MaxAmountCenti) : float.NaN;
        vector[S.AcctSecondsSincePrev] = n >= 1 && !late ? (float)((t - state.LastEventMs) / 1000.0) : float.NaN;
        var merchantHash = StableHash.Of(tx.MerchantId);
        vector[S.AcctMerchantNew] = state.Merchants.Contains(merchantHash) ? 0 : 1;
        var deviceHash = tx.HasDevice ? StableHash.Of(tx.DeviceId!) : 0u;
        vector[S.AcctDeviceNew] = tx.HasDevice ? (state.Devices.Contains(deviceHash) ? 0 : 1) : float.NaN;
        var distance = double.NaN;
        var speed = double.NaN;
        if (tx.HasLocation && state.LastLocationMs != long.MinValue && t >= state.LastLocationMs && !late)
        {
            distance = Geo.HaversineKm(state.LastLatitude, state.LastLongitude, tx.Latitude!.Value, tx.Longitude!.Value);
            speed = distance / Math.Max((t - state.LastLocationMs) / (double)TimeUnits.Hour, MinTravelHours);
        }

        vector[S.AcctDistanceKm] = (float)distance;
        vector[S.AcctSpeedKmh] = (float)speed;

        // Fold.
        var inMinutes5 = state.Minutes5.Add(t, 1, centi);
        var inHours = state.Hours.Add(t, 1, centi);
        var inDays = state.Days.Add(t, 1, centi);
        var delta = x - state.LogAmountMean;
        state.LogAmountMean += delta / (n + 1);
        state.LogAmountM2 += delta * (x - state.LogAmountMean);
        state.MaxAmountCenti = Math.Max(state.MaxAmountCenti, centi);
        state.FirstEventMs = n == 0 ? t : Math.Min(state.FirstEventMs, t);
        state.TransactionCount = n + 1;
        if (!late)
        {
            state.LastEventMs = t;
            if (tx.HasLocation)
            {
                state.LastLatitude = tx.Latitude!.Value;
                state.LastLongitude = tx.Longitude!.Value;
                state.LastLocationMs = t;
            }
        }

        var seconds = TimeUnits.Seconds(t);
        state.Merchants.Touch(merchantHash, seconds);
        if (tx.HasDevice)
        {
            state.Devices.Touch(deviceHash, seconds);
        }

        // Windows, this transaction included. A late transaction older than a ring's span is not in the ring, and
        // neither is any bucket of its window: that window holds this transaction alone.
        var (c1h, s1h) = inMinutes5 ? state.Minutes5.Window(t, 12) : (1L, centi);
        var (c24h, s24h) = inHours ? state.Hours.Window(t, 24) : (1L, centi);
        var (c7d, s7d) = inDays ? state.Days.Window(t, 7) : (1L, centi);
        var (c30d, s30d) = inDays ? state.Days.Window(t, 30) : (1L, centi);
        vector[S.AcctCount1h] = c1h;
        vector[S.AcctSum1h] = (float)(s1h / 100.0);
        vector[S.AcctCount24h] = c24h;
        vector[S.AcctSum24h] = (float)(s24h / 100.0);
        vector[S.AcctMean24h] = Mean(s24h, c24h);
        vector[S.AcctCount7d] = c7d;
        vector[S.AcctSum7d] = (float)(s7d / 100.0);
        vector[S.AcctMean7d] = Mean(s7d, c7d);
        vector[S.AcctCount30d] = c30d;
        vector[S.AcctMean30d] = Mean(s30d, c30d);
        vector[S.AcctDistinctMerchants24h] = state.Merchants.CountSeenAfter(seconds - 86_400);

        // Today's spend against the account's usual day: the 29 whole UTC days before today that the 30-day ring
        // still holds, or the days since its first transaction when it is younger (so a young account's mean is not
        // diluted by days it did not exist); the mean is floored at one major unit.
        var today = state.Days.BucketOf(t);
        var spentToday = inDays ? state.Days.Sum(today, today).B : centi;
        var before = state.Days.Sum(today - 29, today - 1).B;
        var firstDay = FloorDiv(state.FirstEventMs, TimeUnits.Day);
        var daysBefore = Math.Min(29, today - firstDay);
        vector[S.AcctSpendTodayRatio30d] = daysBefore >= 1 ? (float)(spentToday / Math.Max(before / (double)daysBefore, 100.0)) : float.NaN;
    }

    /// <summary>Folds <paramref name="tx"/> into <paramref name="state"/> in place and writes the merchant block.</summary>
    public static void FoldMerchant(in TransactionEvent tx, MerchantState state, Span<float> vector)
    {
        ArgumentNullException.ThrowIfNull(state);
        CheckLength(vector);
        var t = tx.TimestampMs;
        var centi = Currency.ToCenti(tx.AmountMinor, tx.Currency);
        var inHours = state.Hours.Add(t, 1, centi);
        var inDays = state.Days.Add(t, 1, 0);
        state.TransactionCount++;
        state.LastEventMs = Math.Max(state.LastEventMs, t);

        // As for the account: a transaction older than a ring's span makes up its windows alone.
        var (c24h, s24h) = inHours ? state.Hours.Window(t, 24) : (1L, centi);
        vector[S.MerchCount24h] = c24h;
        vector[S.MerchSum24h] = (float)(s24h / 100.0);
        vector[S.MerchCount7d] = inDays ? state.Days.Window(t, 7).A : 1;
        vector[S.MerchCount30d] = inDays ? state.Days.Window(t, 30).A : 1;

        // Label-driven windows end 7 days back: labels of more recent days are mostly not known yet.
        var d = state.Days.BucketOf(t);
        var lag1 = state.Days.Sum(d - 7, d - 7);
        var lag7 = state.Days.Sum(d - 13, d - 7);
        var lag30 = state.Days.Sum(d - 36, d - 7);
        vector[S.MerchLagCount1d] = lag1.A;
        vector[S.MerchLagRisk1d] = Risk(lag1);
        vector[S.MerchLagCount7d] = lag7.A;
        vector[S.MerchLagRisk7d] = Risk(lag7);
        vector[S.MerchLagCount30d] = lag30.A;
        vector[S.MerchLagRisk30d] = Risk(lag30);
        var all = state.Days.Sum(d - 36, d);
        vector[S.MerchFraudRateSmoothed] = (float)((all.B + SmoothingStrength * SmoothingPrior) / (all.A + SmoothingStrength));
    }

    /// <summary>
    /// Folds <paramref name="tx"/> into the device state in place and writes the device block; pass null when the
    /// transaction has no device (the block is NaN).
    /// </summary>
    public static void FoldDevice(in TransactionEvent tx, SharedEntityState? state, Span<float> vector)
    {
        CheckLength(vector);
        if (state is null || !tx.HasDevice)
        {
            vector[S.DeviceDistinctAccounts24h] = float.NaN;
            vector[S.DeviceKnownFrauds] = float.NaN;
            return;
        }

        var seconds = FoldShared(tx, state);
        vector[S.DeviceDistinctAccounts24h] = state.Accounts.CountSeenAfter(seconds - 86_400);
        vector[S.DeviceKnownFrauds] = state.KnownFrauds;
    }

    /// <summary>
    /// Folds <paramref name="tx"/> into the IP state in place and writes the IP block; pass null when the transaction
    /// has no IP address (the block is NaN).
    /// </summary>
    public static void FoldIp(in TransactionEvent tx, SharedEntityState? state, Span<float> vector)
    {
        CheckLength(vector);
        if (state is null || !tx.HasIp)
        {
            vector[S.IpDistinctAccounts24h] = float.NaN;
            vector[S.IpCount24h] = float.NaN;
            return;
        }

        var seconds = FoldShared(tx, state);
        vector[S.IpDistinctAccounts24h] = state.Accounts.CountSeenAfter(seconds - 86_400);
        // At least this transaction: one older than the ring's 24 hours finds its window empty.
        vector[S.IpCount24h] = Math.Max(1, state.Hours.Window(tx.TimestampMs, 24).A);
    }

    /// <summary>
    /// Applies a label to the merchant state in place. Fraud labels count at the labelled transaction's day (when that
    /// day is still within the state's 37 days) and in the lifetime total; genuine labels change nothing. Call it when
    /// the label becomes known, once per transaction id (the caller deduplicates).
    /// </summary>
    public static void FoldLabel(in LabelEvent label, MerchantState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!label.IsFraud)
        {
            return;
        }

        state.KnownFrauds++;
        state.Days.Add(label.TransactionMs, 0, 1);
    }

    /// <summary>Applies a label to a device (or IP) state in place: fraud labels raise its known-fraud count.</summary>
    public static void FoldLabel(in LabelEvent label, SharedEntityState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (label.IsFraud)
        {
            state.KnownFrauds++;
        }
    }

    private static long FoldShared(in TransactionEvent tx, SharedEntityState state)
    {
        var seconds = TimeUnits.Seconds(tx.TimestampMs);
        state.Accounts.Touch(StableHash.Of(tx.AccountId), seconds);
        state.Hours.Add(tx.TimestampMs, 1, Currency.ToCenti(tx.AmountMinor, tx.Currency));
        state.TransactionCount++;
        state.LastEventMs = Math.Max(state.LastEventMs, tx.TimestampMs);
        return seconds;
    }

    private static float Mean(long sumCenti, long count) => count > 0 ? (float)(sumCenti / 100.0 / count) : float.NaN;

    private static float Risk((long A, long B) window) => window.A > 0 ? (float)Math.Min(1.0, (double)window.B / window.A) : 0;

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return a % b < 0 ? q - 1 : q;
    }

    private static void CheckLength(Span<float> vector)
    {
        if (vector.Length < S.Count)
        {
            throw new ArgumentException($"The vector must hold {S.Count} features.", nameof(vector));
        }
    }
}
