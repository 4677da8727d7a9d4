using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Webhooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudEx.Alerts.Internal;

/// <summary>Applies migrations before the service takes traffic (retrying while Postgres is not up yet) and creates the
/// configured webhook subscriptions.</summary>
internal sealed class DatabaseInitializer(
    DatabaseMigrator migrator, WebhookSubscriptions subscriptions, IOptions<WebhookOptions> webhooks, ILogger<DatabaseInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
                foreach (var s in webhooks.Value.Subscriptions)
                {
                    await subscriptions.UpsertAsync(s.Url, s.Secret, s.EventTypes, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                Log.DatabaseNotReady(logger, delay, e);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Drains the label outbox into the feature service.</summary>
internal sealed class LabelForwardingService(LabelForwarder forwarder, ILogger<LabelForwardingService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RunAsync(ct => forwarder.ForwardDueAsync(null, ct), TimeSpan.FromSeconds(1), logger, stoppingToken);
}

/// <summary>Delivers due webhook events.</summary>
internal sealed class WebhookDispatchService(WebhookDispatcher dispatcher, IOptions<WebhookOptions> options, ILogger<WebhookDispatchService> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RunAsync(dispatcher.DeliverDueAsync, options.Value.PollInterval, logger, stoppingToken);
}

internal static class BackgroundLoop
{
    /// <summary>Runs <paramref name="pass"/> again at once while it finds work, else after <paramref name="idle"/>;
    /// a failing pass (Postgres down) is logged and retried after the idle delay.</summary>
    public static async Task RunAsync(Func<CancellationToken, Task<int>> pass, TimeSpan idle, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = 0;
            try
            {
                worked = await pass(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.WebhookPassFailed(logger, e);
            }

            if (worked == 0)
            {
                try
                {
                    await Task.Delay(idle, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
