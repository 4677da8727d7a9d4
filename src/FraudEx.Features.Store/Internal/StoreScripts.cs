namespace FraudEx.Features.Internal;

internal static class StoreScripts
{
    /// <summary>
    /// Optimistic check-and-set of many independent entities plus claims of new ids, in one round trip.
    /// KEYS = claim keys (n), then entity keys. ARGV = n, claim TTL ms, entity TTL ms, n claim values, then per entity
    /// the expected 16-byte header ("" = must not exist) and the new value (header first).
    /// If any claim key already exists, nothing is written and "-" is returned (another writer took that id).
    /// Otherwise each entity is written only if its stored version is the expected one (per-entity atomicity), the
    /// claims are written, and the per-entity outcomes are returned as one string, a byte per entity ('w' written,
    /// 'c' conflict): one bulk reply is cheaper to encode and to parse than an array of integers. Letters, not digits:
    /// StackExchange.Redis 3 tries to read a digits-only reply as a number first.
    /// Multi-key EXISTS and MGET in chunks keep the number of redis.call invocations (the script's main cost) low.
    /// StackExchange.Redis sends it as EVALSHA once the server has it (SCRIPT LOAD on first use, EVAL again on NOSCRIPT).
    /// </summary>
    public const string CheckAndSet = """
        local n = tonumber(ARGV[1])
        local chunk = 1000
        for s = 1, n, chunk do
          local part = {}
          for i = s, math.min(n, s + chunk - 1) do part[#part + 1] = KEYS[i] end
          if redis.call('EXISTS', unpack(part)) > 0 then return '-' end
        end
        local m = #KEYS - n
        local out = {}
        local base = 4 + n
        for s = 1, m, chunk do
          local part = {}
          local last = math.min(m, s + chunk - 1)
          for j = s, last do part[#part + 1] = KEYS[n + j] end
          local cur = redis.call('MGET', unpack(part))
          for j = s, last do
            local v = cur[j - s + 1]
            local ver = ''
            if v then ver = string.sub(v, 1, 16) end
            if ver == ARGV[base + 2 * (j - 1)] then
              redis.call('SET', KEYS[n + j], ARGV[base + 2 * (j - 1) + 1], 'PX', ARGV[3])
              out[j] = 'w'
            else
              out[j] = 'c'
            end
          end
        end
        for i = 1, n do
          redis.call('SET', KEYS[i], ARGV[3 + i], 'PX', ARGV[2])
        end
        return table.concat(out)
        """;
}
