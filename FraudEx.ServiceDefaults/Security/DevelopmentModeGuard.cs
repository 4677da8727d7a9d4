using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>
/// With no API key configured a service allows every call (development mode). That is permitted only when every
/// listen address is loopback: on start this refuses to run otherwise, and says loudly that it is in development mode.
/// Hosted services start before Kestrel binds, so an exposed service never takes a call.
/// </summary>
internal sealed partial class DevelopmentModeGuard(
    ApiKeyAuthenticator authenticator,
    IConfiguration configuration,
    IHostEnvironment environment,
    ILogger<DevelopmentModeGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!authenticator.DevelopmentMode)
        {
            return Task.CompletedTask;
        }

        var urls = ListenAddressGuard.ConfiguredUrls(configuration);
        var exposed = ListenAddressGuard.NonLoopback(urls);
        if (exposed.Count > 0)
        {
            LogRefused(logger, environment.ApplicationName, string.Join(", ", exposed));
            throw new InvalidOperationException(
                $"No API keys are configured (Auth:Keys) and the service would listen on {string.Join(", ", exposed)}. "
                + "Development mode without keys is allowed on loopback addresses only.");
        }

        LogDevelopmentMode(logger, environment.ApplicationName, string.Join(", ", urls));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "DEVELOPMENT MODE: no API keys are configured (Auth:Keys), so {Service} allows every call without credentials. This is permitted only because every listen address is loopback: {Addresses}")]
    private static partial void LogDevelopmentMode(ILogger logger, string service, string addresses);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Critical, Message = "{Service} refuses to run without API keys on non-loopback addresses {Addresses}: configure Auth:Keys")]
    private static partial void LogRefused(ILogger logger, string service, string addresses);
}
