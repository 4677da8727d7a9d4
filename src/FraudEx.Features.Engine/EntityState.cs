using System.Globalization;
using FraudEx.Features.Engine.Internal;

namespace FraudEx.Features.Engine;

/// <summary>
/// Bounded behavioural state of one entity. Serialized to compact bytes whose first byte is the format version, so a
/// stored state written by another version is recognised rather than misread. States are mutable so the serving path
/// can fold a batch in place; <see cref="FeatureComputer.Compute"/> works on clones and never changes its inputs.
/// </summary>
public abstract class EntityState
{
    /// <summary>First byte of every serialized state of this format.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Event time of the newest transaction folded in (Unix ms); <see cref="long.MinValue"/> when none.</summary>
    public long LastEventMs { get; internal set; } = long.MinValue;

    /// <summary>Transactions folded in over the entity's whole life.</summary>
    public long TransactionCount { get; internal set; }

    /// <summary>Compact binary form, version byte first.</summary>
    public byte[] Serialize() => Serialize(0);

    /// <summary>
    /// The compact binary form after <paramref name="reserve"/> zero bytes, which the caller fills with a header of its
    /// own (the feature store's write count and tag): one array for the stored value, no copy.
    /// </summary>
    public byte[] Serialize(int reserve)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reserve);
        var w = new StateWriter(reserve + SizeHint, reserve);
        w.WriteByte(FormatVersion);
        w.WriteVarInt(LastEventMs);
        w.WriteVarInt(TransactionCount);
        Write(ref w);
        return w.ToArray();
    }

    /// <summary>
    /// Replaces this state's content with a serialized state of its kind (what <see cref="Serialize()"/> wrote), in
    /// its own arrays: a holder of many short-lived states can reuse them. Throws <see cref="FormatException"/> on
    /// anything else, and the state, partly overwritten then, must not be used.
    /// </summary>
    public void Load(ReadOnlySpan<byte> data)
    {
        var r = new StateReader(data);
        ReadHeader(ref r);
        LastEventMs = r.ReadVarInt();
        TransactionCount = r.ReadVarInt();
        Read(ref r);
        r.ExpectEnd();
    }

    /// <summary>Reads everything after the version byte and the two fields every kind starts with, setting every field.</summary>
    private protected abstract void Read(ref StateReader r);

    /// <summary>A new state of this kind with the two fields every kind starts with copied (for a deep copy).</summary>
    private protected T NewCopy<T>()
        where T : EntityState, new() => new() { LastEventMs = LastEventMs, TransactionCount = TransactionCount };

    /// <summary>Bytes a serialized state usually takes (the writer's first buffer).</summary>
    private protected abstract int SizeHint { get; }

    /// <summary>Writes everything after the version byte and the two fields every kind starts with.</summary>
    private protected abstract void Write(ref StateWriter w);

    /// <summary>The state as readable name/value text, for analysts.</summary>
    public abstract IReadOnlyDictionary<string, string> Describe();

    internal static string Time(long ms) => ms == long.MinValue
        ? "-"
        : DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    internal static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    internal static string Buckets(BucketRing ring, string aName, string bName, double bScale) =>
        string.Join(", ", ring.NonEmpty().Select(x =>
            $"{Time(x.StartMs)}: {aName}={x.A} {bName}={Num(x.B * bScale)}"));

    internal static string Set(RecentSet set) =>
        string.Join(", ", set.Entries().Select(e => $"{e.Hash:x8}@{Time(e.LastSeenSeconds * 1000)}"));

    internal static void ReadHeader(ref StateReader r)
    {
        var version = r.ReadByte();
        if (version != FormatVersion)
        {
            throw new FormatException($"Entity state format version {version} is not supported (expected {FormatVersion}).");
        }
    }
}

/// <summary>State of a card or account.</summary>
public sealed class AccountState : EntityState
{
    internal const int RecentMerchants = 32;
    internal const int RecentDevices = 8;

    internal BucketRing Minutes5 { get; } = new(12, 5 * TimeUnits.Minute);
    internal BucketRing Hours { get; } = new(24, TimeUnits.Hour);
    internal BucketRing Days { get; } = new(30, TimeUnits.Day);
    internal RecentSet Merchants { get; } = new(RecentMerchants);
    internal RecentSet Devices { get; } = new(RecentDevices);

    /// <summary>Event time of the first transaction (Unix ms); <see cref="long.MinValue"/> when none.</summary>
    public long FirstEventMs { get; internal set; } = long.MinValue;

    /// <summary>Largest amount so far, in hundredths of a major unit.</summary>
    public long MaxAmountCenti { get; internal set; }

    /// <summary>Running mean of ln(1 + amount) (Welford).</summary>
    public double LogAmountMean { get; internal set; }

    /// <summary>Running sum of squared deviations of ln(1 + amount) (Welford).</summary>
    public double LogAmountM2 { get; internal set; }

    /// <summary>Last known location (NaN when none) and when it was seen.</summary>
    public double LastLatitude { get; internal set; } = double.NaN;

    /// <inheritdoc cref="LastLatitude"/>
    public double LastLongitude { get; internal set; } = double.NaN;

    /// <inheritdoc cref="LastLatitude"/>
    public long LastLocationMs { get; internal set; } = long.MinValue;

    /// <summary>Deep copy (into the new state's own rings and sets: no second set of arrays).</summary>
    public AccountState Clone()
    {
        var c = NewCopy<AccountState>();
        c.FirstEventMs = FirstEventMs;
        c.MaxAmountCenti = MaxAmountCenti;
        c.LogAmountMean = LogAmountMean;
        c.LogAmountM2 = LogAmountM2;
        c.LastLatitude = LastLatitude;
        c.LastLongitude = LastLongitude;
        c.LastLocationMs = LastLocationMs;
        Minutes5.CopyTo(c.Minutes5);
        Hours.CopyTo(c.Hours);
        Days.CopyTo(c.Days);
        Merchants.CopyTo(c.Merchants);
        Devices.CopyTo(c.Devices);
        return c;
    }

    // Twelve 5-minute, 24 hourly and 30 daily buckets, 40 recent hashes: a few hundred bytes once history fills in.
    private protected override int SizeHint => 512;

    private protected override void Write(ref StateWriter w)
    {
        w.WriteVarInt(FirstEventMs);
        w.WriteVarInt(MaxAmountCenti);
        w.WriteDouble(LogAmountMean);
        w.WriteDouble(LogAmountM2);
        w.WriteVarInt(LastLocationMs);
        if (LastLocationMs != long.MinValue)
        {
            w.WriteDouble(LastLatitude);
            w.WriteDouble(LastLongitude);
        }

        Minutes5.Write(ref w);
        Hours.Write(ref w);
        Days.Write(ref w);
        Merchants.Write(ref w);
        Devices.Write(ref w);
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote; throws <see cref="FormatException"/> on anything else.</summary>
    public static AccountState Deserialize(ReadOnlySpan<byte> data)
    {
        var s = new AccountState();
        s.Load(data);
        return s;
    }

    private protected override void Read(ref StateReader r)
    {
        FirstEventMs = r.ReadVarInt();
        MaxAmountCenti = r.ReadVarInt();
        LogAmountMean = r.ReadDouble();
        LogAmountM2 = r.ReadDouble();
        LastLocationMs = r.ReadVarInt();
        var located = LastLocationMs != long.MinValue;
        LastLatitude = located ? r.ReadDouble() : double.NaN;
        LastLongitude = located ? r.ReadDouble() : double.NaN;
        Minutes5.ReadFrom(ref r);
        Hours.ReadFrom(ref r);
        Days.ReadFrom(ref r);
        Merchants.ReadFrom(ref r);
        Devices.ReadFrom(ref r);
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> Describe() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["last_event_time"] = Time(LastEventMs),
        ["first_event_time"] = Time(FirstEventMs),
        ["transaction_count"] = TransactionCount.ToString(CultureInfo.InvariantCulture),
        ["max_amount"] = Num(MaxAmountCenti / 100.0),
        ["log_amount_mean"] = Num(LogAmountMean),
        ["log_amount_std"] = Num(TransactionCount > 1 ? Math.Sqrt(LogAmountM2 / (TransactionCount - 1)) : double.NaN),
        ["last_location"] = LastLocationMs == long.MinValue ? "-" : $"{Num(LastLatitude)},{Num(LastLongitude)} at {Time(LastLocationMs)}",
        ["buckets_5m"] = Buckets(Minutes5, "count", "sum", 0.01),
        ["buckets_1h"] = Buckets(Hours, "count", "sum", 0.01),
        ["buckets_1d"] = Buckets(Days, "count", "sum", 0.01),
        ["recent_merchants"] = Set(Merchants),
        ["recent_devices"] = Set(Devices),
    };
}

/// <summary>State of a merchant (or terminal).</summary>
public sealed class MerchantState : EntityState
{
    // 37 days: the 30-day window shifted by the 7-day label delay, plus the current day.
    internal const int DayBuckets = 37;

    internal BucketRing Hours { get; } = new(24, TimeUnits.Hour);

    /// <summary>Daily buckets: A = transactions, B = known frauds among them (by transaction day).</summary>
    internal BucketRing Days { get; } = new(DayBuckets, TimeUnits.Day);

    /// <summary>Fraud labels applied over the merchant's whole life.</summary>
    public long KnownFrauds { get; internal set; }

    /// <summary>Deep copy (into the new state's own rings).</summary>
    public MerchantState Clone()
    {
        var c = NewCopy<MerchantState>();
        c.KnownFrauds = KnownFrauds;
        Hours.CopyTo(c.Hours);
        Days.CopyTo(c.Days);
        return c;
    }

    private protected override int SizeHint => 256;

    private protected override void Write(ref StateWriter w)
    {
        w.WriteVarInt(KnownFrauds);
        Hours.Write(ref w);
        Days.Write(ref w);
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote; throws <see cref="FormatException"/> on anything else.</summary>
    public static MerchantState Deserialize(ReadOnlySpan<byte> data)
    {
        var s = new MerchantState();
        s.Load(data);
        return s;
    }

    private protected override void Read(ref StateReader r)
    {
        KnownFrauds = r.ReadVarInt();
        Hours.ReadFrom(ref r);
        Days.ReadFrom(ref r);
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> Describe() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["last_event_time"] = Time(LastEventMs),
        ["transaction_count"] = TransactionCount.ToString(CultureInfo.InvariantCulture),
        ["known_frauds"] = KnownFrauds.ToString(CultureInfo.InvariantCulture),
        ["buckets_1h"] = Buckets(Hours, "count", "sum", 0.01),
        ["buckets_1d"] = Buckets(Days, "count", "frauds", 1),
    };
}

/// <summary>State of a device fingerprint or an IP address: which accounts use it, and how much.</summary>
public sealed class SharedEntityState : EntityState
{
    internal const int RecentAccounts = 32;

    internal RecentSet Accounts { get; } = new(RecentAccounts);
    internal BucketRing Hours { get; } = new(24, TimeUnits.Hour);

    /// <summary>Fraud labels applied to transactions of this entity.</summary>
    public long KnownFrauds { get; internal set; }

    /// <summary>Deep copy (into the new state's own set and ring).</summary>
    public SharedEntityState Clone()
    {
        var c = NewCopy<SharedEntityState>();
        c.KnownFrauds = KnownFrauds;
        Accounts.CopyTo(c.Accounts);
        Hours.CopyTo(c.Hours);
        return c;
    }

    private protected override int SizeHint => 256;

    private protected override void Write(ref StateWriter w)
    {
        w.WriteVarInt(KnownFrauds);
        Accounts.Write(ref w);
        Hours.Write(ref w);
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote; throws <see cref="FormatException"/> on anything else.</summary>
    public static SharedEntityState Deserialize(ReadOnlySpan<byte> data)
    {
        var s = new SharedEntityState();
        s.Load(data);
        return s;
    }

    private protected override void Read(ref StateReader r)
    {
        KnownFrauds = r.ReadVarInt();
        Accounts.ReadFrom(ref r);
        Hours.ReadFrom(ref r);
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> Describe() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["last_event_time"] = Time(LastEventMs),
        ["transaction_count"] = TransactionCount.ToString(CultureInfo.InvariantCulture),
        ["known_frauds"] = KnownFrauds.ToString(CultureInfo.InvariantCulture),
        ["recent_accounts"] = Set(Accounts),
        ["buckets_1h"] = Buckets(Hours, "count", "sum", 0.01),
    };
}

/// <summary>The states of the entities of one transaction; null means "never seen" (or not applicable: no device / IP).</summary>
public sealed record EntityStates(AccountState? Account, MerchantState? Merchant, SharedEntityState? Device, SharedEntityState? Ip)
{
    /// <summary>No entity seen before.</summary>
    public static EntityStates Empty { get; } = new(null, null, null, null);
}
