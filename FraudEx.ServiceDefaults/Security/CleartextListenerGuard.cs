using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>
/// With a certificate configured (<c>Kestrel:Certificates:Default</c>) a service serves TLS only: on start this refuses
/// to run when any listen address is cleartext (<c>http://</c>), so keys never cross the wire in the clear beside a
/// TLS endpoint. Hosted services start before Kestrel binds, so the cleartext port never opens.
/// </summary>
internal sealed partial class CleartextListenerGuard(
    IConfiguration configuration,
    IHostEnvironment environment,
    ILogger<CleartextListenerGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var certificate = configuration.GetSection("Kestrel:Certificates:Default");
        if (string.IsNullOrEmpty(certificate["Path"]) && string.IsNullOrEmpty(certificate["Subject"]))
        {
            return Task.CompletedTask;
        }

        var cleartext = ListenAddressGuard.ConfiguredUrls(configuration)
            .Where(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (cleartext.Count > 0)
        {
            var addresses = string.Join(", ", cleartext);
            LogRefused(logger, environment.ApplicationName, addresses);
            throw new InvalidOperationException(
                $"A certificate is configured (Kestrel:Certificates:Default) but the service would also listen in cleartext on {addresses}. "
                + "With a certificate every listen address must be https://.");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 8004, Level = LogLevel.Critical, Message = "{Service} refuses to run: a certificate is configured but it would also listen in cleartext on {Addresses}")]
    private static partial void LogRefused(ILogger logger, string service, string addresses);
}
