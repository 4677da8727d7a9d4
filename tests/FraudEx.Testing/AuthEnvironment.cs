using System.Globalization;

namespace FraudEx.Testing;

/// <summary>API keys as a service's configuration in environment variables, the way production configures them.</summary>
public static class AuthEnvironment
{
    /// <summary>
    /// One accepted key under <paramref name="section"/> (<c>Auth</c>, or the scorer's former <c>Scoring__Auth</c>):
    /// <c>{section}__Keys__{index}__Id</c>, <c>__Salt</c>, <c>__Hash</c> and <c>__Roles__M</c>.
    /// </summary>
    public static void AddKey(
        IDictionary<string, string?> environment, string section, int index, string id, string salt, string hash, IReadOnlyList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(roles);
        var prefix = $"{section}__Keys__{index.ToString(CultureInfo.InvariantCulture)}__";
        environment[prefix + "Id"] = id;
        environment[prefix + "Salt"] = salt;
        environment[prefix + "Hash"] = hash;
        for (var r = 0; r < roles.Count; r++)
        {
            environment[prefix + "Roles__" + r.ToString(CultureInfo.InvariantCulture)] = roles[r];
        }
    }
}
