using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>
/// The standard OTEL_* settings, read from configuration (environment variables land there unprefixed), so an app host
/// (ours or Aspire's) configures every service the same way.
/// </summary>
internal sealed record TelemetrySettings(
    bool ExportEnabled,
    string ServiceName,
    IReadOnlyList<KeyValuePair<string, object>> ResourceAttributes)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";
    public const string ResourceAttributesKey = "OTEL_RESOURCE_ATTRIBUTES";
    public const string SdkDisabledKey = "OTEL_SDK_DISABLED";

    /// <summary>Reads the settings; the service name falls back to the application (assembly) name.</summary>
    public static TelemetrySettings From(IConfiguration configuration, string applicationName)
    {
        var disabled = string.Equals(configuration[SdkDisabledKey], "true", StringComparison.OrdinalIgnoreCase);
        var exportEnabled = !disabled && !string.IsNullOrWhiteSpace(configuration[EndpointKey]);
        var attributes = ParseResourceAttributes(configuration[ResourceAttributesKey]);

        // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES, as the specification says.
        var serviceName = configuration[ServiceNameKey];
        if (string.IsNullOrWhiteSpace(serviceName))
        {
            serviceName = attributes.FirstOrDefault(a => a.Key == "service.name").Value as string;
        }

        if (string.IsNullOrWhiteSpace(serviceName))
        {
            serviceName = applicationName;
        }

        return new TelemetrySettings(exportEnabled, serviceName, attributes.Where(a => a.Key != "service.name").ToArray());
    }

    /// <summary>
    /// Parses <c>key1=value1,key2=value2</c> (W3C Baggage octets, values percent-encoded). A malformed pair is skipped
    /// rather than failing the host: telemetry must never stop a service from starting.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object>> ParseResourceAttributes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var result = new List<KeyValuePair<string, object>>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                continue;
            }

            var key = pair[..separator].Trim();
            var value = Uri.UnescapeDataString(pair[(separator + 1)..].Trim());
            result.Add(new KeyValuePair<string, object>(key, value));
        }

        return result;
    }

    /// <summary>The service.instance.id attribute when set, else a stable-per-process one.</summary>
    public string InstanceId =>
        ResourceAttributes.FirstOrDefault(a => a.Key == "service.instance.id").Value as string
        ?? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}");
}
