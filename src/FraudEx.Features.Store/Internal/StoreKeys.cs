using System.Text;
using FraudEx.Features.Engine;

namespace FraudEx.Features.Internal;

/// <summary>
/// Key layout, one entity per key so Redis Cluster can spread them: "{prefix}:{a:ID}:s" is an account's state,
/// "{prefix}:{a:ID}:t:TX" a transaction seen on it (same hash tag, same slot, so the account's check-and-set and the
/// transaction's claim could run in one script on a cluster too); merchants "m", devices "d", IPs "i"; label markers
/// "{prefix}:{m:ID}:l:TX" live with the merchant (and device) they update.
/// </summary>
internal static class StoreKeys
{
    public static string Entity(string prefix, EntityKind kind, string id) => $"{prefix}:{{{Tag(kind)}:{Escape(id)}}}:s";

    public static string Transaction(string prefix, string accountId, string transactionId) =>
        $"{prefix}:{{a:{Escape(accountId)}}}:t:{Escape(transactionId)}";

    public static string Label(string prefix, EntityKind kind, string id, string transactionId) =>
        $"{prefix}:{{{Tag(kind)}:{Escape(id)}}}:l:{Escape(transactionId)}";

    private static string Tag(EntityKind kind) => kind switch
    {
        EntityKind.Account => "a",
        EntityKind.Merchant => "m",
        EntityKind.Device => "d",
        EntityKind.Ip => "i",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // Ids are printable ASCII and may contain the characters that delimit keys and hash tags; escape those so two
    // different (entity, id) pairs can never produce the same key.
    private static string Escape(string id)
    {
        if (id.AsSpan().IndexOfAny("{}:%") < 0)
        {
            return id;
        }

        var sb = new StringBuilder(id.Length + 8);
        foreach (var c in id)
        {
            _ = c switch
            {
                '{' => sb.Append("%7B"),
                '}' => sb.Append("%7D"),
                ':' => sb.Append("%3A"),
                '%' => sb.Append("%25"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }
}
