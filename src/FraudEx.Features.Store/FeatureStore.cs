using System.Runtime.InteropServices;
using FraudEx.Features.Engine;
using FraudEx.Features.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace FraudEx.Features;

/// <summary>The features of one transaction as computed (or remembered) by the store.</summary>
/// <param name="TransactionId">The transaction.</param>
/// <param name="Values">Features in <see cref="FeatureSchema"/> order.</param>
/// <param name="Duplicate">True when the transaction was seen before and <paramref name="Values"/> is its original vector.</param>
public readonly record struct ComputedVector(string TransactionId, float[] Values, bool Duplicate);

/// <summary>What the store holds for one entity.</summary>
/// <param name="Found">False when nothing is stored (never seen, or expired).</param>
/// <param name="LastEventMs">Event time of the newest transaction folded in, Unix ms.</param>
/// <param name="Fields">Readable state.</param>
/// <param name="SizeBytes">Bytes of the stored value.</param>
public sealed record EntityStateView(bool Found, long LastEventMs, IReadOnlyDictionary<string, string> Fields, long SizeBytes);

/// <summary>
/// Behavioural state in Redis around the pure feature engine. A round (up to
/// <see cref="FeatureStoreOptions.MaxTransactionsPerRound"/> transactions) costs two round trips when nothing
/// conflicts: one pipeline reading every entity and transaction key, then one script that checks and sets every entity
/// and claims the new transaction ids. Rounds of this process form a pipeline (see <c>AttemptAsync</c>). Each entity is
/// updated atomically by optimistic check-and-set on its header: on a conflict (another replica wrote it meanwhile)
/// only that entity is re-read and its transactions folded again, so no update is ever lost. A transaction id seen
/// before on the same account is not counted again and its original vector is returned. A batch larger than a round
/// that fails part-way may have some rounds written; retrying it is safe, as those come back as duplicates.
/// </summary>
public sealed class FeatureStore
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(20);

    private readonly IDatabase _redis;
    private readonly FeatureStoreOptions _options;
    private readonly ILogger _logger;
    private readonly long _entityTtlMs;
    private readonly long _transactionTtlMs;
    private readonly long _labelTtlMs;
    private readonly BatchCoalescer? _coalescer;
    private readonly WriteOverlay _overlay = new();
    private readonly EntityStatePool _states = new();
    private readonly Lock _turnLock = new();
    private Task _lastTurn = Task.CompletedTask;

    /// <param name="redis">
    /// The connection (Aspire's <c>AddRedisClient("redis")</c>, or a multiplexer configured with
    /// <see cref="FeatureStoreRedis.Configure"/>: commands fail at once while Redis is unreachable, none is queued).
    /// </param>
    /// <param name="options">Key prefix, TTLs, rounds and pipeline depth.</param>
    /// <param name="logger">Conflicts and unreadable states.</param>
    public FeatureStore(IConnectionMultiplexer redis, FeatureStoreOptions options, ILogger<FeatureStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _redis = redis.GetDatabase();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _entityTtlMs = (long)options.EntityIdleTtl.TotalMilliseconds;
        _transactionTtlMs = (long)options.TransactionTtl.TotalMilliseconds;
        _labelTtlMs = (long)options.LabelTtl.TotalMilliseconds;
        _coalescer = options.CoalesceConcurrentBatches ? new BatchCoalescer(this, options.MaxCombinedTransactions, options.MaxConcurrentBatches) : null;
    }

    /// <summary>
    /// Computes the vectors of a batch (processed in order) and folds the new transactions into their entities.
    /// </summary>
    /// <exception cref="RedisConnectionException">Redis is unreachable (nothing or only some entities were written).</exception>
    /// <exception cref="RedisTimeoutException">Redis did not answer within the command timeout.</exception>
    /// <exception cref="FeatureStoreConflictException">Contention did not settle within the configured attempts.</exception>
    /// <exception cref="FeatureStoreCorruptStateException">A stored state is unreadable; nothing was written.</exception>
    public Task<IReadOnlyList<ComputedVector>> ComputeAsync(IReadOnlyList<TransactionEvent> transactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        if (transactions.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ComputedVector>>([]);
        }

        return _coalescer is null
            ? ComputeCoreAsync(transactions, cancellationToken)
            : _coalescer.ComputeAsync(transactions, cancellationToken);
    }

    internal Task<IReadOnlyList<ComputedVector>> ComputeCoreAsync(IReadOnlyList<TransactionEvent> transactions, CancellationToken cancellationToken)
    {
        var round = _options.MaxTransactionsPerRound;
        if (transactions.Count <= round)
        {
            return ComputeRoundAsync(transactions, cancellationToken);
        }

        // A large batch runs as several rounds in the pipeline, started in order so they take their turns in order:
        // results are those of running them one after the other, and no single request or reply grows large enough
        // to cost Redis or the client more per transaction.
        var rounds = new List<Task<IReadOnlyList<ComputedVector>>>();
        for (var start = 0; start < transactions.Count; start += round)
        {
            var count = Math.Min(round, transactions.Count - start);
            var part = new TransactionEvent[count];
            for (var i = 0; i < count; i++)
            {
                part[i] = transactions[start + i];
            }

            rounds.Add(ComputeRoundAsync(part, cancellationToken));
        }

        return JoinAsync(rounds, transactions.Count);
    }

    private static async Task<IReadOnlyList<ComputedVector>> JoinAsync(List<Task<IReadOnlyList<ComputedVector>>> rounds, int count)
    {
        // Every round is awaited, so a failure in one never leaves another's exception unobserved.
        var parts = await Task.WhenAll(rounds).ConfigureAwait(false);
        var all = new List<ComputedVector>(count);
        foreach (var part in parts)
        {
            all.AddRange(part);
        }

        return all;
    }

    private async Task<IReadOnlyList<ComputedVector>> ComputeRoundAsync(IReadOnlyList<TransactionEvent> transactions, CancellationToken cancellationToken)
    {
        var prefix = _options.KeyPrefix;
        var slots = new Dictionary<string, EntitySlot>(StringComparer.Ordinal);
        var txSlots = new EntitySlot?[transactions.Count][];
        var txKeys = new string[transactions.Count];
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            txKeys[i] = StoreKeys.Transaction(prefix, tx.AccountId, tx.TransactionId);
            txSlots[i] =
            [
                SlotFor(slots, EntityKind.Account, tx.AccountId),
                SlotFor(slots, EntityKind.Merchant, tx.MerchantId),
                tx.HasDevice ? SlotFor(slots, EntityKind.Device, tx.DeviceId!) : null,
                tx.HasIp ? SlotFor(slots, EntityKind.Ip, tx.IpAddress!) : null,
            ];
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();

                var results = await AttemptAsync(transactions, slots, txSlots, txKeys, attempt, cancellationToken).ConfigureAwait(false);
                if (results is not null)
                {
                    return results;
                }

                FeatureStoreLog.ClaimConflict(_logger, attempt);
                await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // The round is over: its vectors are copies and its writes are bytes, so the states go back for reuse.
            foreach (var slot in slots.Values)
            {
                slot.Release(_states);
            }
        }
    }

    /// <summary>
    /// One read-compute-write round of a batch; null when another writer claimed one of its ids first. Rounds of this
    /// process run as a pipeline: each sends its read at once, then computes and sends its write in arrival order
    /// (its turn), so Redis answers one round's read while the client computes another and runs a third one's script.
    /// A read that overtook an earlier round's write is resolved through the <see cref="WriteOverlay"/>.
    /// </summary>
    private async Task<ComputedVector[]?> AttemptAsync(
        IReadOnlyList<TransactionEvent> transactions,
        Dictionary<string, EntitySlot> slots,
        EntitySlot?[][] txSlots,
        string[] txKeys,
        int attempt,
        CancellationToken cancellationToken)
    {
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previousTurn;
        long sequence;
        lock (_turnLock)
        {
            previousTurn = _lastTurn;
            _lastTurn = turn.Task;
            sequence = _overlay.Begin();
        }

        var results = new ComputedVector[transactions.Count];
        var fresh = new List<int>(transactions.Count);
        List<EntitySlot> touched = [];
        var written = new List<WriteOverlay.Entry>();
        Task<RedisResult> reply;
        try
        {
            // Round trip 1: every entity state and every transaction id of the batch, sent before waiting for the turn.
            var slotList = slots.Values.ToList();
            var keys = new RedisKey[slotList.Count + txKeys.Length];
            for (var k = 0; k < slotList.Count; k++)
            {
                keys[k] = slotList[k].Key;
            }

            for (var i = 0; i < txKeys.Length; i++)
            {
                keys[slotList.Count + i] = txKeys[i];
            }

            var values = await MultiGetAsync(keys, cancellationToken).ConfigureAwait(false);

            // States are decoded while the previous round still computes; only those an earlier write of this
            // process replaced are decoded again once it is this round's turn.
            for (var k = 0; k < slotList.Count; k++)
            {
                Load(slotList[k], values[k], _states);
            }

            await previousTurn.ConfigureAwait(false);
            for (var k = 0; k < slotList.Count; k++)
            {
                var resolved = _overlay.Resolve(slotList[k].Key, values[k]);
                if (!ReferenceEquals(resolved, values[k]))
                {
                    Load(slotList[k], resolved);
                }
            }

            var firstInBatch = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < transactions.Count; i++)
            {
                var tx = transactions[i];
                var stored = values[slotList.Count + i];
                if (stored is not null)
                {
                    results[i] = new ComputedVector(tx.TransactionId, DecodeVector(stored), true);
                    continue;
                }

                if (firstInBatch.TryGetValue(txKeys[i], out var first))
                {
                    results[i] = new ComputedVector(tx.TransactionId, results[first].Values, true);
                    continue;
                }

                firstInBatch[txKeys[i]] = i;
                var vector = new float[FeatureSchema.Count];
                FeatureComputer.WriteTransactionFeatures(tx, vector);
                foreach (var slot in txSlots[i])
                {
                    if (slot is not null)
                    {
                        Fold(tx, slot, vector);
                    }
                }

                // No device or IP: their blocks are NaN, as the engine writes them.
                if (txSlots[i][2] is null)
                {
                    FeatureComputer.FoldDevice(tx, null, vector);
                }

                if (txSlots[i][3] is null)
                {
                    FeatureComputer.FoldIp(tx, null, vector);
                }

                results[i] = new ComputedVector(tx.TransactionId, vector, false);
                fresh.Add(i);
            }

            if (fresh.Count == 0)
            {
                return results;
            }

            // Round trip 2: check-and-set every touched entity and claim the new ids, atomically per entity. It is
            // written to the connection within the turn, so the next round's script always runs after this one.
            var claims = fresh.Select(i => (txKeys[i], EncodeVector(results[i].Values))).ToList();
            touched = slots.Values.Where(s => s.Touched).ToList();
            var nextValues = new byte[touched.Count][];
            for (var j = 0; j < touched.Count; j++)
            {
                nextValues[j] = touched[j].NextValue();
                written.Add(_overlay.Add(touched[j].Key, touched[j].ExpectedHeader, nextValues[j]));
            }

            reply = SendCheckAndSet(touched, nextValues, claims, _transactionTtlMs, cancellationToken);
        }
        catch
        {
            ForgetWrites(touched, written);
            throw;
        }
        finally
        {
            _overlay.Computed(sequence);
            turn.TrySetResult();
        }

        List<EntitySlot>? conflicts;
        try
        {
            conflicts = Conflicts(touched, await reply.ConfigureAwait(false));
        }
        catch
        {
            ForgetWrites(touched, written);
            throw;
        }

        if (conflicts is null)
        {
            ForgetWrites(touched, written);
            return null;
        }

        var conflicted = conflicts.ToHashSet();
        for (var j = 0; j < touched.Count; j++)
        {
            if (conflicted.Contains(touched[j]))
            {
                _overlay.Failed(touched[j].Key, written[j]);
            }
            else
            {
                _overlay.Acknowledged(touched[j].Key, written[j]);
            }
        }

        if (conflicts.Count > 0)
        {
            await ResolveConflictsAsync(conflicts, attempt, cancellationToken, (slot, vectorsChanged) =>
            {
                foreach (var i in fresh)
                {
                    if (Array.IndexOf(txSlots[i], slot) >= 0)
                    {
                        Fold(transactions[i], slot, results[i].Values);
                        vectorsChanged.Add(i);
                    }
                }
            }, changed => RewriteVectorsAsync(changed.Select(i => (txKeys[i], results[i].Values)), cancellationToken)).ConfigureAwait(false);
        }

        return results;
    }

    private void ForgetWrites(List<EntitySlot> touched, List<WriteOverlay.Entry> written)
    {
        for (var j = 0; j < written.Count; j++)
        {
            _overlay.Failed(touched[j].Key, written[j]);
        }
    }

    /// <summary>
    /// Records labels: a fraud label raises its merchant's (and device's) known frauds. Idempotent per transaction id
    /// and entity: a label recorded before is counted as a duplicate and changes nothing.
    /// </summary>
    public async Task<(int Applied, int Duplicates)> RecordLabelsAsync(IReadOnlyList<LabelEvent> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            return (0, 0);
        }

        var prefix = _options.KeyPrefix;
        var slots = new Dictionary<string, EntitySlot>(StringComparer.Ordinal);
        var targets = new List<(int Label, EntitySlot Slot, string Marker)>();
        for (var i = 0; i < labels.Count; i++)
        {
            var l = labels[i];
            targets.Add((i, SlotFor(slots, EntityKind.Merchant, l.MerchantId), StoreKeys.Label(prefix, EntityKind.Merchant, l.MerchantId, l.TransactionId)));
            if (!string.IsNullOrEmpty(l.DeviceId))
            {
                targets.Add((i, SlotFor(slots, EntityKind.Device, l.DeviceId), StoreKeys.Label(prefix, EntityKind.Device, l.DeviceId, l.TransactionId)));
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = _redis.CreateBatch();
            var entityReads = slots.Values.Select(s => (Slot: s, Read: batch.StringGetAsync(s.Key))).ToList();
            var markerReads = targets.Select(t => batch.KeyExistsAsync(t.Marker)).ToArray();
            batch.Execute();
            foreach (var (slot, read) in entityReads)
            {
                Load(slot, (byte[]?)await read.WaitAsync(cancellationToken).ConfigureAwait(false));
            }

            var applied = new List<int>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var appliedLabels = new HashSet<int>();
            var duplicateLabels = new HashSet<int>();
            for (var k = 0; k < targets.Count; k++)
            {
                var (label, slot, marker) = targets[k];
                var exists = await markerReads[k].ConfigureAwait(false);
                if (exists || !seen.Add(marker))
                {
                    if (slot.Kind == EntityKind.Merchant)
                    {
                        duplicateLabels.Add(label);
                    }

                    continue;
                }

                FoldLabel(labels[label], slot);
                applied.Add(k);
                if (slot.Kind == EntityKind.Merchant)
                {
                    appliedLabels.Add(label);
                }
            }

            if (applied.Count == 0)
            {
                return (0, duplicateLabels.Count);
            }

            var claims = applied.Select(k => (targets[k].Marker, new byte[] { (byte)'1' })).ToList();
            var conflicts = await CheckAndSetAsync(slots.Values.Where(s => s.Touched).ToList(), claims, _labelTtlMs, cancellationToken).ConfigureAwait(false);
            if (conflicts is null)
            {
                FeatureStoreLog.ClaimConflict(_logger, attempt);
                await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (conflicts.Count > 0)
            {
                await ResolveConflictsAsync(conflicts, attempt, cancellationToken, (slot, _) =>
                {
                    foreach (var k in applied)
                    {
                        if (ReferenceEquals(targets[k].Slot, slot))
                        {
                            FoldLabel(labels[targets[k].Label], slot);
                        }
                    }
                }, null).ConfigureAwait(false);
            }

            return (appliedLabels.Count, duplicateLabels.Count);
        }
    }

    /// <summary>Reads one entity's state in readable form.</summary>
    public async Task<EntityStateView> GetEntityStateAsync(EntityKind kind, string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var slot = new EntitySlot(StoreKeys.Entity(_options.KeyPrefix, kind, id), kind, id);
        var batch = _redis.CreateBatch();
        var get = batch.StringGetAsync(slot.Key);
        var ttl = batch.KeyTimeToLiveAsync(slot.Key);
        batch.Execute();
        var bytes = (byte[]?)await get.WaitAsync(cancellationToken).ConfigureAwait(false);
        var ttlMs = (long)((await ttl.ConfigureAwait(false))?.TotalMilliseconds ?? -1);
        if (bytes is null)
        {
            return new EntityStateView(false, 0, new Dictionary<string, string>(), 0);
        }

        Load(slot, bytes);
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["version"] = slot.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["expires_in_ms"] = ttlMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in slot.State!.Describe())
        {
            fields[name] = value;
        }

        return new EntityStateView(true, slot.State.LastEventMs, fields, bytes.Length);
    }

    private static void Fold(in TransactionEvent tx, EntitySlot slot, float[] vector)
    {
        switch (slot.Kind)
        {
            case EntityKind.Account:
                FeatureComputer.FoldAccount(tx, slot.GetOrCreate<AccountState>(), vector);
                break;
            case EntityKind.Merchant:
                FeatureComputer.FoldMerchant(tx, slot.GetOrCreate<MerchantState>(), vector);
                break;
            case EntityKind.Device:
                FeatureComputer.FoldDevice(tx, slot.GetOrCreate<SharedEntityState>(), vector);
                break;
            default:
                FeatureComputer.FoldIp(tx, slot.GetOrCreate<SharedEntityState>(), vector);
                break;
        }
    }

    private static void FoldLabel(in LabelEvent label, EntitySlot slot)
    {
        if (slot.Kind == EntityKind.Merchant)
        {
            FeatureComputer.FoldLabel(label, slot.GetOrCreate<MerchantState>());
        }
        else
        {
            FeatureComputer.FoldLabel(label, slot.GetOrCreate<SharedEntityState>());
        }
    }

    private static byte[] EncodeVector(float[] vector)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Stored vectors are little-endian floats.");
        }

        return MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
    }

    private static float[] DecodeVector(byte[] bytes)
    {
        if (bytes.Length != FeatureSchema.Count * sizeof(float))
        {
            // Remembered under another schema: still a duplicate (never counted twice), but its vector is unusable.
            var missing = new float[FeatureSchema.Count];
            Array.Fill(missing, float.NaN);
            return missing;
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static async Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        // Randomised so contending writers stop colliding; the first retries only yield.
        if (attempt <= 2)
        {
            await Task.Yield();
            return;
        }

        var ms = Random.Shared.NextDouble() * Math.Min(MaxBackoff.TotalMilliseconds, attempt);
        await Task.Delay(TimeSpan.FromMilliseconds(ms), cancellationToken).ConfigureAwait(false);
    }

    private EntitySlot SlotFor(Dictionary<string, EntitySlot> slots, EntityKind kind, string id)
    {
        var key = StoreKeys.Entity(_options.KeyPrefix, kind, id);
        if (!slots.TryGetValue(key, out var slot))
        {
            slot = new EntitySlot(key, kind, id);
            slots[key] = slot;
        }

        return slot;
    }

    private void Load(EntitySlot slot, byte[]? bytes, EntityStatePool? pool = null)
    {
        try
        {
            slot.Load(bytes, pool);
        }
        catch (FormatException ex)
        {
            FeatureStoreLog.CorruptState(_logger, slot.Key, ex);
            throw new FeatureStoreCorruptStateException(slot.Key, ex);
        }
    }

    /// <summary>Runs the check-and-set script; returns the conflicted slots, or null when a claim key already existed.</summary>
    private async Task<List<EntitySlot>?> CheckAndSetAsync(
        List<EntitySlot> touched, IReadOnlyList<(string Key, byte[] Value)> claims, long claimTtlMs, CancellationToken cancellationToken)
    {
        var nextValues = touched.Select(s => s.NextValue()).ToArray();
        var reply = SendCheckAndSet(touched, nextValues, claims, claimTtlMs, cancellationToken);
        return Conflicts(touched, await reply.WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Writes the check-and-set script to the connection before returning (the caller's turn orders scripts on the
    /// connection); the returned task completes with its reply. Keys and arguments go straight into the arrays the
    /// client writes from: no intermediate lists, no boxing.
    /// </summary>
    private Task<RedisResult> SendCheckAndSet(
        List<EntitySlot> touched, byte[][] nextValues, IReadOnlyList<(string Key, byte[] Value)> claims, long claimTtlMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var keys = new RedisKey[claims.Count + touched.Count];
        var args = new RedisValue[3 + claims.Count + 2 * touched.Count];
        args[0] = claims.Count;
        args[1] = claimTtlMs;
        args[2] = _entityTtlMs;
        for (var i = 0; i < claims.Count; i++)
        {
            keys[i] = claims[i].Key;
            args[3 + i] = claims[i].Value;
        }

        var a = 3 + claims.Count;
        for (var j = 0; j < touched.Count; j++)
        {
            keys[claims.Count + j] = touched[j].Key;
            args[a++] = touched[j].ExpectedHeader;
            args[a++] = nextValues[j];
        }

        return _redis.ScriptEvaluateAsync(StoreScripts.CheckAndSet, keys, args);
    }

    private static List<EntitySlot>? Conflicts(List<EntitySlot> touched, RedisResult reply)
    {
        // One byte per entity, 'w' written or 'c' conflicted; "-" when a claimed id already existed and nothing was
        // written. A single bulk string rather than an array of integers: one reply object to parse, not one per entity.
        var outcomes = (byte[]?)reply ?? [];
        if (outcomes is [(byte)'-'])
        {
            return null;
        }

        if (outcomes.Length != touched.Count)
        {
            throw new RedisException($"The check-and-set script answered {outcomes.Length} outcomes for {touched.Count} entities.");
        }

        var conflicts = new List<EntitySlot>();
        for (var j = 0; j < touched.Count; j++)
        {
            if (outcomes[j] != (byte)'w')
            {
                conflicts.Add(touched[j]);
            }
        }

        return conflicts;
    }

    /// <summary>
    /// Re-reads each conflicted entity, folds its part of the batch again and writes it back, until every entity is
    /// written. Only conflicted entities are touched, so entities already written are never counted twice.
    /// </summary>
    private async Task ResolveConflictsAsync(
        List<EntitySlot> conflicts,
        int attempt,
        CancellationToken cancellationToken,
        Action<EntitySlot, HashSet<int>> refold,
        Func<HashSet<int>, Task>? afterRefold)
    {
        var changed = new HashSet<int>();
        while (conflicts.Count > 0)
        {
            FeatureStoreLog.Conflict(_logger, conflicts.Count, attempt);
            if (++attempt > _options.MaxAttempts)
            {
                throw new FeatureStoreConflictException(
                    $"Entities kept changing under concurrent writers ({conflicts.Count} still conflicting after {_options.MaxAttempts} attempts).");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
            var values = await MultiGetAsync([.. conflicts.Select(s => (RedisKey)s.Key)], cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < conflicts.Count; i++)
            {
                Load(conflicts[i], values[i]);
                refold(conflicts[i], changed);
            }

            conflicts = await CheckAndSetAsync(conflicts, [], 1, cancellationToken).ConfigureAwait(false) ?? [];
        }

        if (afterRefold is not null && changed.Count > 0)
        {
            await afterRefold(changed).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads many keys in one round trip: one MGET, or MGETs of 512 keys sent together as one batch. (On Redis Cluster
    /// the chunks would be grouped by hash slot; every key names one entity, so that grouping is all a cluster needs.)
    /// </summary>
    private async Task<byte[]?[]> MultiGetAsync(RedisKey[] keys, CancellationToken cancellationToken)
    {
        const int Chunk = 512;
        var values = new byte[]?[keys.Length];
        if (keys.Length <= Chunk)
        {
            Copy(await _redis.StringGetAsync(keys).WaitAsync(cancellationToken).ConfigureAwait(false), values, 0);
            return values;
        }

        var batch = _redis.CreateBatch();
        var parts = new List<Task<RedisValue[]>>();
        for (var start = 0; start < keys.Length; start += Chunk)
        {
            parts.Add(batch.StringGetAsync(keys[start..Math.Min(keys.Length, start + Chunk)]));
        }

        batch.Execute();
        var k = 0;
        foreach (var part in parts)
        {
            var got = await part.WaitAsync(cancellationToken).ConfigureAwait(false);
            Copy(got, values, k);
            k += got.Length;
        }

        return values;

        static void Copy(RedisValue[] from, byte[]?[] to, int offset)
        {
            for (var i = 0; i < from.Length; i++)
            {
                to[offset + i] = (byte[]?)from[i];
            }
        }
    }

    /// <summary>Replaces remembered vectors whose blocks were recomputed after a conflict, keeping their expiry.</summary>
    private async Task RewriteVectorsAsync(IEnumerable<(string Key, float[] Values)> vectors, CancellationToken cancellationToken)
    {
        var batch = _redis.CreateBatch();
        var writes = vectors.Select(v => batch.StringSetAsync(v.Key, EncodeVector(v.Values), null, keepTtl: true, When.Exists)).ToArray();
        batch.Execute();
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
