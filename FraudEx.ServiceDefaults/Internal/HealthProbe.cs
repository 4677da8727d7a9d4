using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>The two health views, shared by the HTTP/2 endpoints and the HTTP/1.1 probe answer so they never disagree.</summary>
internal static class HealthProbe
{
    public static readonly Func<HealthCheckRegistration, bool> ReadyPredicate = _ => true;

    public static readonly Func<HealthCheckRegistration, bool> LivePredicate =
        registration => registration.Tags.Contains(ServiceDefaultsExtensions.LiveTag);

    /// <summary>The predicate for a request path, or null when the path is not a health endpoint.</summary>
    public static Func<HealthCheckRegistration, bool>? PredicateFor(string path) => path switch
    {
        ServiceDefaultsExtensions.HealthPath => ReadyPredicate,
        ServiceDefaultsExtensions.AlivePath => LivePredicate,
        _ => null,
    };

    /// <summary>The status code ASP.NET Core's health check middleware answers with: only Unhealthy is 503.</summary>
    public static int StatusCodeFor(HealthStatus status) => status == HealthStatus.Unhealthy ? 503 : 200;
}
