using System.Buffers.Binary;
using FraudEx.Features.Engine;

namespace FraudEx.Features.Internal;

/// <summary>
/// One entity of a batch: its key, the version read from Redis and the working state folded in memory. Stored values
/// are an 8-byte version counter (little-endian) followed by the engine's serialized state.
/// </summary>
internal sealed class EntitySlot(string key, EntityKind kind, string id)
{
    public const int VersionBytes = 8;

    public string Key { get; } = key;

    public EntityKind Kind { get; } = kind;

    public string Id { get; } = id;

    public EntityState? State { get; private set; }

    /// <summary>Version bytes as read ("" when the key did not exist), the expected value of the check-and-set.</summary>
    public byte[] ExpectedVersion { get; private set; } = [];

    public ulong Version { get; private set; }

    public bool Touched { get; set; }

    /// <summary>Loads a stored value (null = key absent); throws <see cref="FormatException"/> when unreadable.</summary>
    public void Load(byte[]? stored)
    {
        Touched = false;
        if (stored is null)
        {
            ExpectedVersion = [];
            Version = 0;
            State = null;
            return;
        }

        if (stored.Length <= VersionBytes)
        {
            throw new FormatException($"Stored value of {Key} is too short ({stored.Length} bytes).");
        }

        ExpectedVersion = stored[..VersionBytes];
        Version = BinaryPrimitives.ReadUInt64LittleEndian(stored);
        State = Deserialize(Kind, stored.AsSpan(VersionBytes));
    }

    public T GetOrCreate<T>()
        where T : EntityState, new()
    {
        State ??= new T();
        Touched = true;
        return (T)State;
    }

    /// <summary>The value to store: the next version, then the state.</summary>
    public byte[] NextValue()
    {
        var state = State!.Serialize();
        var value = new byte[VersionBytes + state.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(value, Version + 1);
        state.CopyTo(value, VersionBytes);
        return value;
    }

    public static EntityState Deserialize(EntityKind kind, ReadOnlySpan<byte> state) => kind switch
    {
        EntityKind.Account => AccountState.Deserialize(state),
        EntityKind.Merchant => MerchantState.Deserialize(state),
        _ => SharedEntityState.Deserialize(state),
    };
}
