using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>
/// The hosting URLs as ASP.NET Core reads them: <c>urls</c> (<c>ASPNETCORE_URLS</c>, <c>--urls</c>), else
/// <c>http_ports</c> / <c>https_ports</c>. Kestrel binds them itself; FraudEx only supplies the default address and
/// needs to know which ports carry TLS.
/// </summary>
internal static class ListenUrls
{
    public const string UrlsKey = "urls";
    public const string HttpPortsKey = "http_ports";
    public const string HttpsPortsKey = "https_ports";

    /// <summary>The URL used when nothing is configured: loopback only, so a developer's service is not exposed.</summary>
    public static string Default(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[UrlsKey])
        || !string.IsNullOrWhiteSpace(configuration[HttpPortsKey])
        || !string.IsNullOrWhiteSpace(configuration[HttpsPortsKey]);

    /// <summary>The ports of the https URLs (and https_ports); every other endpoint is cleartext.</summary>
    public static IReadOnlySet<int> HttpsPorts(IConfiguration configuration)
    {
        var ports = new HashSet<int>();
        var urls = configuration[UrlsKey];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            foreach (var url in Split(urls))
            {
                if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    ports.Add(PortOf(url, defaultPort: 443));
                }
            }
        }
        else
        {
            foreach (var port in Split(configuration[HttpsPortsKey]))
            {
                ports.Add(int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }

        return ports;
    }

    /// <summary>The port of a URL such as <c>https://[::1]:5443/</c> or <c>https://*:5443</c>.</summary>
    internal static int PortOf(string url, int defaultPort)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            authority = authority[..slash];
        }

        var colon = authority.LastIndexOf(':');
        var bracket = authority.LastIndexOf(']');
        if (colon < 0 || colon < bracket)
        {
            return defaultPort;
        }

        return int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new FormatException($"Listen URL '{url}' has an invalid port.");
    }

    private static string[] Split(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
