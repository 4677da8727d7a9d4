using System.Buffers.Binary;
using FraudEx.Features.Engine;

namespace FraudEx.Features.Internal;

/// <summary>
/// One entity of a batch: its key, the header read from Redis and the working state folded in memory. Stored values
/// are a 16-byte header, then the engine's serialized state. The header is the entity's write count (8 bytes,
/// little-endian) and a random 64-bit tag drawn for each write: the check-and-set compares the whole header, and
/// because no two writes share a tag, a writer that expects a value another writer was about to store can never be
/// fooled by a third writer's value that happens to carry the same count.
/// </summary>
internal sealed class EntitySlot(string key, EntityKind kind, string id)
{
    public const int HeaderBytes = 16;

    public string Key { get; } = key;

    public EntityKind Kind { get; } = kind;

    public string Id { get; } = id;

    public EntityState? State { get; private set; }

    /// <summary>Header as read ("" when the key did not exist), the expected value of the check-and-set.</summary>
    public byte[] ExpectedHeader { get; private set; } = [];

    /// <summary>Writes the stored value has seen.</summary>
    public ulong Version { get; private set; }

    public bool Touched { get; set; }

    /// <summary>
    /// Loads a stored value (null = key absent); throws <see cref="FormatException"/> when unreadable. The state is
    /// read into the slot's current one, else into one from <paramref name="pool"/>, else a new one.
    /// </summary>
    public void Load(byte[]? stored, EntityStatePool? pool = null)
    {
        Touched = false;
        if (stored is null)
        {
            ExpectedHeader = [];
            Version = 0;
            Release(pool);
            return;
        }

        if (stored.Length <= HeaderBytes)
        {
            throw new FormatException($"Stored value of {Key} is too short ({stored.Length} bytes).");
        }

        ExpectedHeader = stored[..HeaderBytes];
        Version = BinaryPrimitives.ReadUInt64LittleEndian(stored);
        var state = State ?? pool?.Rent(Kind) ?? EntityStatePool.Create(Kind);
        State = null;
        state.Load(stored.AsSpan(HeaderBytes)); // a state left half-read by a FormatException is dropped, not pooled
        State = state;
    }

    /// <summary>Hands the state to <paramref name="pool"/> (when there is one) and forgets it.</summary>
    public void Release(EntityStatePool? pool)
    {
        if (State is not null)
        {
            pool?.Return(State);
            State = null;
        }
    }

    public T GetOrCreate<T>()
        where T : EntityState, new()
    {
        State ??= new T();
        Touched = true;
        return (T)State;
    }

    /// <summary>The value to store: the next write count and a fresh tag, then the state.</summary>
    public byte[] NextValue()
    {
        var value = State!.Serialize(HeaderBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(value, Version + 1);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(8), Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        return value;
    }
}
