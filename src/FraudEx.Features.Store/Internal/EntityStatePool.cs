using FraudEx.Features.Engine;

namespace FraudEx.Features.Internal;

/// <summary>
/// Entity states the store's batches reuse. A batch loads every entity it touches from Redis and drops it when the
/// batch is answered; each state is a few rings and sets of arrays (about 1.5 KB for an account), so loading into
/// states kept here instead of new ones takes most of the feature path's allocation away. Bounded per kind; a state
/// is handed back only once nothing refers to it.
/// </summary>
internal sealed class EntityStatePool(int perKind = 4096)
{
    private readonly Stack<AccountState> _accounts = new();
    private readonly Stack<MerchantState> _merchants = new();
    private readonly Stack<SharedEntityState> _shared = new();
    private readonly Lock _sync = new();

    /// <summary>A state of the kind's type, with any content: the caller loads it before use.</summary>
    public EntityState Rent(EntityKind kind)
    {
        lock (_sync)
        {
            switch (kind)
            {
                case EntityKind.Account when _accounts.TryPop(out var a):
                    return a;
                case EntityKind.Merchant when _merchants.TryPop(out var m):
                    return m;
                case EntityKind.Device or EntityKind.Ip when _shared.TryPop(out var s):
                    return s;
            }
        }

        return Create(kind);
    }

    /// <summary>A new, empty state of the kind's type.</summary>
    public static EntityState Create(EntityKind kind) => kind switch
    {
        EntityKind.Account => new AccountState(),
        EntityKind.Merchant => new MerchantState(),
        _ => new SharedEntityState(),
    };

    public void Return(EntityState state)
    {
        lock (_sync)
        {
            switch (state)
            {
                case AccountState a when _accounts.Count < perKind:
                    _accounts.Push(a);
                    break;
                case MerchantState m when _merchants.Count < perKind:
                    _merchants.Push(m);
                    break;
                case SharedEntityState s when _shared.Count < perKind:
                    _shared.Push(s);
                    break;
            }
        }
    }
}
