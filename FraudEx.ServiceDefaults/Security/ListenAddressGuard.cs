using System.Net;
using Microsoft.Extensions.Configuration;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>Decides whether development mode (no API keys) may run: only when nothing but loopback listens.</summary>
public static class ListenAddressGuard
{
    /// <summary>Returns the addresses among <paramref name="urls"/> that are not loopback ("http://0.0.0.0:5100", "http://*:80").</summary>
    public static IReadOnlyList<string> NonLoopback(IEnumerable<string> urls)
    {
        var result = new List<string>();
        foreach (var url in urls)
        {
            if (!IsLoopback(url))
            {
                result.Add(url);
            }
        }

        return result;
    }

    /// <summary>The addresses Kestrel will bind: the urls setting (ASPNETCORE_URLS, --urls) and any Kestrel:Endpoints entries.</summary>
    public static List<string> ConfiguredUrls(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls;
    }

    /// <summary>True when <paramref name="url"/> binds only a loopback interface.</summary>
    public static bool IsLoopback(string url)
    {
        // Kestrel accepts wildcard hosts ("*", "+") that Uri cannot parse; they bind every interface.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd >= 0 ? url[(schemeEnd + 3)..] : url;
        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? rest[1..close] : rest;
        }
        else
        {
            var end = rest.IndexOfAny([':', '/']);
            host = end >= 0 ? rest[..end] : rest;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
