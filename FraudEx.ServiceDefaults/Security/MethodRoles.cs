using System.Collections.Frozen;
using Google.Protobuf.Reflection;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>
/// Which roles may call each method of one gRPC service: the table <see cref="ApiKeyInterceptor"/> enforces. Every
/// method of the service must be listed, so a method added to a proto later is refused until someone decides who may
/// call it. <see cref="ApiRole.None"/> means any valid key; <see cref="ApiRole.Admin"/> may always call.
/// </summary>
public sealed class MethodRoles
{
    /// <summary>Builds the table of <paramref name="service"/> from method names ("Score") to the roles allowed.</summary>
    public MethodRoles(ServiceDescriptor service, IReadOnlyDictionary<string, ApiRole> roles)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(roles);
        var unknown = roles.Keys.Where(name => service.FindMethodByName(name) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{service.FullName} has no method {string.Join(", ", unknown)}.", nameof(roles));
        }

        var missing = service.Methods.Where(m => !roles.ContainsKey(m.Name)).Select(m => m.Name).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"No roles given for {service.FullName} method(s) {string.Join(", ", missing)}.", nameof(roles));
        }

        ServiceName = service.FullName;
        ByPath = roles.ToFrozenDictionary(r => "/" + service.FullName + "/" + r.Key, r => r.Value, StringComparer.Ordinal);
    }

    /// <summary>Full name of the service, e.g. <c>fraudex.v1.ScoringService</c>.</summary>
    public string ServiceName { get; }

    /// <summary>Roles by gRPC method path, e.g. <c>/fraudex.v1.ScoringService/Score</c>.</summary>
    public FrozenDictionary<string, ApiRole> ByPath { get; }
}
