using FraudEx.Alerts.Client;
using FraudEx.Scoring.Internal;
using FraudEx.Scoring.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Extensions;

/// <summary>
/// Brings the scorer up before the server takes calls (hosted services start before Kestrel, and the shared
/// development-mode guard before this one): loads the models, opens the decision spool. On shutdown, after the server
/// has drained its calls, it flushes the last batches and closes the spool.
/// </summary>
internal sealed class ScoringStartup(
    IServiceProvider services,
    SpoolHandOff handOff,
    Func<CancellationToken, Task<DecisionSpool>> openSpool,
    FeatureSourceChoice features,
    ILogger<ScoringStartup> logger) : IHostedService
{
    private DecisionSpool? spool;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The feature source is built before the first call. In process mode the feature store's own start-up step
        // (AddFeatureStore, registered before this one) has already connected to Redis (a Redis that is down costs the
        // start its connect timeout once; calls then fail fast and are scored degraded).
        _ = services.GetService(typeof(IFeatureSource));
        if (features.Fallback)
        {
            ScoringLog.FeaturesRemoteFallback(logger, features.RemoteAddress);
        }
        else
        {
            ScoringLog.FeaturesMode(logger, features.Mode, features.Mode == FeaturesMode.InProcess
                ? "computed in this process by the feature store over Redis (ConnectionStrings:redis)"
                : $"from the feature service at {features.RemoteAddress}");
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
}
