using FraudEx.Alerts.Client;
using FraudEx.Scoring.Internal;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Extensions;

/// <summary>
/// Brings the scorer up before the server takes calls (hosted services start before Kestrel): refuses development
/// mode on exposed addresses, loads the models, opens the decision spool. On shutdown, after the server has drained
/// its calls, it flushes the last batches and closes the spool.
/// </summary>
internal sealed class ScoringStartup(
    IServiceProvider services,
    IConfiguration configuration,
    ApiKeyAuthenticator authenticator,
    SpoolHandOff handOff,
    Func<CancellationToken, Task<DecisionSpool>> openSpool,
    ILogger<ScoringStartup> logger) : IHostedService
{
    private DecisionSpool? spool;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var urls = ListenUrls(configuration);
        if (authenticator.DevelopmentMode)
        {
            var exposed = ListenAddressGuard.NonLoopback(urls);
            if (exposed.Count > 0)
            {
                ScoringLog.DevelopmentModeRefused(logger, string.Join(", ", exposed));
                throw new InvalidOperationException(
                    $"No API keys are configured (Scoring:Auth:Keys) and the service would listen on {string.Join(", ", exposed)}. "
                    + "Development mode without keys is allowed on loopback addresses only.");
            }

            ScoringLog.DevelopmentMode(logger, string.Join(", ", urls));
        }

        // Resolving the watcher loads the champion (and challenger): a model that cannot serve stops the start here.
        _ = services.GetService(typeof(ModelFileWatcher));
        spool = await openSpool(cancellationToken).ConfigureAwait(false);
        handOff.Attach(spool);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(ScoringPipeline)) is ScoringPipeline pipeline)
        {
            await pipeline.DisposeAsync().ConfigureAwait(false);
        }

        if (spool is not null)
        {
            await spool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The addresses Kestrel will bind: the urls setting and any Kestrel:Endpoints entries.</summary>
    internal static List<string> ListenUrls(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls;
    }
}
