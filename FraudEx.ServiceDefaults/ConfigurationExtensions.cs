// Beside IConfiguration, as Aspire's service discovery keeps its helpers, so hosts need no extra using directive.
namespace Microsoft.Extensions.Configuration;

/// <summary>
/// FraudEx's configuration conventions, the ones an Aspire app host sets: connection strings under
/// <c>ConnectionStrings:&lt;name&gt;</c> and service endpoints under <c>services:&lt;name&gt;:&lt;endpoint&gt;:0</c>
/// (environment variables <c>ConnectionStrings__redis</c>, <c>services__features__grpc__0</c>).
/// </summary>
public static class FraudExConfigurationExtensions
{
    /// <summary>
    /// The first address of a named endpoint of another service, e.g. <c>GetServiceUri("features", "grpc")</c> reads
    /// <c>services:features:grpc:0</c>; null when it is not configured.
    /// </summary>
    public static Uri? GetServiceUri(this IConfiguration configuration, string serviceName, string endpointName = "grpc")
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);

        var key = ServiceKey(serviceName, endpointName);
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException(
                $"Configuration '{key}' is '{value}', which is not an absolute http:// or https:// address.");
        }

        return uri;
    }

    /// <summary>
    /// Like <see cref="GetServiceUri"/>, falling back to <c>http://127.0.0.1:{defaultPort}</c>, the address the service
    /// listens on when nothing is configured (scoring 5100, features 5101, alerts 5102).
    /// </summary>
    public static Uri GetServiceUri(this IConfiguration configuration, string serviceName, string endpointName, int defaultPort) =>
        configuration.GetServiceUri(serviceName, endpointName) ?? new Uri($"http://127.0.0.1:{defaultPort}");

    /// <summary>The connection string <c>ConnectionStrings:{name}</c>, or an error that says which key to set.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException(
                $"Connection string '{name}' is not configured: set ConnectionStrings:{name} (environment variable ConnectionStrings__{name}).")
            : value;
    }

    private static string ServiceKey(string serviceName, string endpointName) => $"services:{serviceName}:{endpointName}:0";
}
