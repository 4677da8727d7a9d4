namespace FraudEx.Features.Engine;

/// <summary>One transaction of a replay and its feature vector.</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="Vector">Its features in <see cref="FeatureSchema"/> order.</param>
/// <param name="Duplicate">True when the (account, transaction id) was seen before; the vector is then the original one.</param>
public sealed record ReplayRow(TransactionEvent Transaction, float[] Vector, bool Duplicate);

/// <summary>What a replay does with a transaction id it has seen before.</summary>
public enum DuplicatePolicy
{
    /// <summary>Skip it: no row, nothing counted. Keeps only the ids in memory (what training wants).</summary>
    Skip,

    /// <summary>Yield the original vector again, as the feature service does; keeps every vector in memory.</summary>
    ReturnOriginal,
}

/// <summary>
/// The feature engine over an in-memory state store: replays a time-ordered history of transactions, applying labels
/// when they became known, and yields each transaction's vector exactly as the feature service computes it online.
/// Training builds its matrix with this, so training and serving features are equal by construction.
/// </summary>
/// <remarks>
/// A label whose known time is at or before a transaction's time is applied before that transaction. Labels are
/// idempotent per transaction id (the first one wins), like FeatureService.RecordLabels. Duplicates are recognised
/// per (account id, transaction id), the key the feature service uses.
/// </remarks>
public sealed class OfflineReplay(DuplicatePolicy duplicates = DuplicatePolicy.Skip)
{
    private readonly Dictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MerchantState> _merchants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedEntityState> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedEntityState> _ips = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Account, string Transaction), float[]?> _seen = [];
    private readonly HashSet<string> _labelled = new(StringComparer.Ordinal);

    /// <summary>Entities held, by kind.</summary>
    public (int Accounts, int Merchants, int Devices, int Ips) EntityCounts =>
        (_accounts.Count, _merchants.Count, _devices.Count, _ips.Count);

    /// <summary>
    /// Computes the vector of one transaction and folds it into the states. Returns null when the transaction is a
    /// duplicate and the policy is <see cref="DuplicatePolicy.Skip"/>.
    /// </summary>
    public float[]? Process(in TransactionEvent tx, out bool duplicate)
    {
        var key = (tx.AccountId, tx.TransactionId);
        if (_seen.TryGetValue(key, out var original))
        {
            duplicate = true;
            return original;
        }

        duplicate = false;
        var vector = new float[FeatureSchema.Count];
        FeatureComputer.WriteTransactionFeatures(tx, vector);
        FeatureComputer.FoldAccount(tx, GetOrAdd(_accounts, tx.AccountId), vector);
        FeatureComputer.FoldMerchant(tx, GetOrAdd(_merchants, tx.MerchantId), vector);
        FeatureComputer.FoldDevice(tx, tx.HasDevice ? GetOrAdd(_devices, tx.DeviceId!) : null, vector);
        FeatureComputer.FoldIp(tx, tx.HasIp ? GetOrAdd(_ips, tx.IpAddress!) : null, vector);
        _seen[key] = duplicates == DuplicatePolicy.ReturnOriginal ? vector : null;
        return vector;
    }

    /// <summary>Applies a label now; returns false when a label for that transaction id was applied before.</summary>
    public bool ApplyLabel(in LabelEvent label)
    {
        if (!_labelled.Add(label.TransactionId))
        {
            return false;
        }

        FeatureComputer.FoldLabel(label, GetOrAdd(_merchants, label.MerchantId));
        if (!string.IsNullOrEmpty(label.DeviceId))
        {
            FeatureComputer.FoldLabel(label, GetOrAdd(_devices, label.DeviceId));
        }

        return true;
    }

    /// <summary>
    /// Replays <paramref name="transactions"/> (in time order) with <paramref name="labels"/> (ordered by known time)
    /// interleaved: every label known at or before a transaction's time is applied first. Lazy: rows are computed as
    /// they are enumerated.
    /// </summary>
    /// <exception cref="ArgumentException">Labels are not ordered by their known time.</exception>
    public IEnumerable<ReplayRow> Run(IEnumerable<TransactionEvent> transactions, IEnumerable<LabelEvent>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        using var labelEnumerator = (labels ?? []).GetEnumerator();
        var hasLabel = labelEnumerator.MoveNext();
        var lastKnown = long.MinValue;
        foreach (var tx in transactions)
        {
            while (hasLabel && labelEnumerator.Current.LabelKnownMs <= tx.TimestampMs)
            {
                var label = labelEnumerator.Current;
                if (label.LabelKnownMs < lastKnown)
                {
                    throw new ArgumentException("Labels must be ordered by their known time.", nameof(labels));
                }

                lastKnown = label.LabelKnownMs;
                ApplyLabel(label);
                hasLabel = labelEnumerator.MoveNext();
            }

            var vector = Process(tx, out var duplicate);
            if (vector is not null)
            {
                yield return new ReplayRow(tx, vector, duplicate);
            }
        }
    }

    /// <summary>The account's state, or null when never seen.</summary>
    public AccountState? GetAccount(string accountId) => _accounts.GetValueOrDefault(accountId);

    /// <summary>The merchant's state, or null when never seen.</summary>
    public MerchantState? GetMerchant(string merchantId) => _merchants.GetValueOrDefault(merchantId);

    /// <summary>The device's state, or null when never seen.</summary>
    public SharedEntityState? GetDevice(string deviceId) => _devices.GetValueOrDefault(deviceId);

    /// <summary>The IP address's state, or null when never seen.</summary>
    public SharedEntityState? GetIp(string ip) => _ips.GetValueOrDefault(ip);

    private static T GetOrAdd<T>(Dictionary<string, T> map, string id)
        where T : new()
    {
        if (!map.TryGetValue(id, out var state))
        {
            state = new T();
            map[id] = state;
        }

        return state;
    }
}
