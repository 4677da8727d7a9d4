using FraudEx.Redis;

namespace FraudEx.Features.Internal;

internal static class StoreScripts
{
    /// <summary>
    /// Optimistic check-and-set of many independent entities plus claims of new ids, in one round trip.
    /// KEYS = claim keys (n), then entity keys. ARGV = n, claim TTL ms, entity TTL ms, n claim values, then per entity
    /// the expected 8-byte version ("" = must not exist) and the new value (version first).
    /// If any claim key already exists, nothing is written and {-1, index} is returned (another writer took that id).
    /// Otherwise each entity is written only if its stored version is the expected one (per-entity atomicity), the
    /// claims are written, and the per-entity outcomes (1 written, 0 conflict) are returned.
    /// </summary>
    public static readonly RedisScript CheckAndSet = new("""
        local n = tonumber(ARGV[1])
        for i = 1, n do
          if redis.call('EXISTS', KEYS[i]) == 1 then return {-1, i} end
        end
        local out = {}
        local base = 4 + n
        for j = 1, #KEYS - n do
          local key = KEYS[n + j]
          local cur = redis.call('GET', key)
          local ver = ''
          if cur then ver = string.sub(cur, 1, 8) end
          if ver == ARGV[base + 2 * (j - 1)] then
            redis.call('SET', key, ARGV[base + 2 * (j - 1) + 1], 'PX', ARGV[3])
            out[j] = 1
          else
            out[j] = 0
          end
        end
        for i = 1, n do
          redis.call('SET', KEYS[i], ARGV[3 + i], 'PX', ARGV[2])
        end
        return out
        """);
}
