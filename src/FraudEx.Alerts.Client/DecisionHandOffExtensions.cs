using FraudEx.Alerts.Client;
using FraudEx.Clients;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wiring of the decision hand-off into a host (the scoring service).</summary>
public static class DecisionHandOffExtensions
{
    /// <summary>
    /// Registers <see cref="IDecisionSink"/>: a <see cref="DecisionSpool"/> opened at start-up (settings from the
    /// "DecisionSpool" configuration section) shipping to the alert service at <c>services:alerts:grpc:0</c>
    /// (default http://127.0.0.1:5102).
    /// </summary>
    public static TBuilder AddDecisionHandOff<TBuilder>(this TBuilder builder, Action<DecisionSpoolOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<DecisionSpoolOptions>(builder.Configuration.GetSection("DecisionSpool"));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        var address = builder.Configuration["services:alerts:grpc:0"] is { Length: > 0 } configured
            ? configured
            : "http://127.0.0.1:5102";
        builder.Services.AddSingleton(sp => new DecisionSpoolHost(
            address, sp.GetRequiredService<IOptions<DecisionSpoolOptions>>().Value, sp.GetRequiredService<ILogger<DecisionSpool>>()));
        builder.Services.AddSingleton<IDecisionSink>(sp => sp.GetRequiredService<DecisionSpoolHost>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DecisionSpoolHost>());
        return builder;
    }

    /// <summary>Opens the spool when the host starts and closes it (keeping what is unshipped) when it stops.</summary>
    private sealed class DecisionSpoolHost(string address, DecisionSpoolOptions options, ILogger<DecisionSpool> logger)
        : IHostedService, IDecisionSink, IDisposable
    {
        private readonly GrpcChannel _channel = GrpcChannel.ForAddress(address);
        private DecisionSpool? _spool;

        public async Task StartAsync(CancellationToken cancellationToken) =>
            _spool = await DecisionSpool.OpenAsync(options, new AlertServiceDecisionRecorder(new AlertServiceClient(_channel)), logger,
                cancellationToken).ConfigureAwait(false);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_spool is not null)
            {
                await _spool.DisposeAsync().ConfigureAwait(false);
            }
        }

        public ValueTask EnqueueAsync(DecisionRecord decision, CancellationToken cancellationToken = default) =>
            Spool.EnqueueAsync(decision, cancellationToken);

        public ValueTask EnqueueAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken = default) =>
            Spool.EnqueueAsync(decisions, cancellationToken);

        public void Dispose() => _channel.Dispose();

        private DecisionSpool Spool => _spool ?? throw new InvalidOperationException("The decision spool opens when the host starts.");
    }
}
