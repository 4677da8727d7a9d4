using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Extensions;
using FraudEx.Scoring.Grpc;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Telemetry;
using FraudEx.Scoring.Validation;
using FraudEx.ServiceDefaults;
using FraudEx.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the scoring service's parts.</summary>
public static class ScoringServiceExtensions
{
    /// <summary>
    /// Adds validation, authentication, the policy, the models (hot reloaded), the pipeline with its micro-batcher,
    /// the feature source (in process over Redis, or the feature service's client), the decision spool and the gRPC service.
    /// </summary>
    public static TBuilder AddScoringServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        builder.AddFraudExGrpcService<ScoringGrpcService>(ScoringService.Descriptor, ScoringRoles.Methods);
        builder.AddApiKeyAuthentication(legacySection: ApiKeyOptions.LegacyScoringSection);
        services.AddRequestValidator<ScoreRequest, ScoreRequestValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.Section)
            .Validate(o => o.FeatureBudget > TimeSpan.Zero && o.FeatureBudgetPerTransaction >= TimeSpan.Zero,
                "Scoring:FeatureBudget must be positive and Scoring:FeatureBudgetPerTransaction must not be negative.")
            .Validate(o => o.DecisionCacheCapacity >= 1 && o.DecisionCacheBytes >= 1024,
                "Scoring:DecisionCacheCapacity must be at least 1 and Scoring:DecisionCacheBytes at least 1024.")
            .ValidateOnStart();
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section);
        services.AddOptions<MicroBatcherOptions>().BindConfiguration(MicroBatcherOptions.Section);
        services.AddOptions<DecisionSpoolOptions>().BindConfiguration("DecisionSpool");

        services.AddSingleton<TransactionValidator>();
        services.AddSingleton(sp => new PolicyRulesSource(
            sp.GetRequiredService<IOptions<PolicyOptions>>().Value.RulesFile,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PolicyRulesSource>>()));
        services.AddSingleton<PolicyEngine>();
        services.AddSingleton<IFeatureCatalog, EngineFeatureCatalog>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ScoringOptions>>().Value;
            var path = o.ModelPath is { Length: > 0 } configured ? configured : ModelLocator.FindShippedModel();
            return new ModelFileWatcher(path, o.ChallengerPath, p => OnnxScoringModel.Load(p, o.ExactExplanations), sp.GetRequiredService<ModelHost>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ModelFileWatcher>>());
        });
        services.AddSingleton<ScoringTelemetry>();

        // Peers through generated clients, found by service discovery (services:features:grpc:0), else 127.0.0.1:5101/5102.
        builder.AddFraudExGrpcClient<FeatureService.FeatureServiceClient>("features", ServicePorts.Features);
        builder.AddFraudExGrpcClient<DecisionShipClient>("alerts", ServicePorts.Alerts);
        var featuresAddress = configuration["services:features:grpc:0"] ?? configuration["services:features:http:0"] ?? $"http://127.0.0.1:{ServicePorts.Features}";
        builder.AddFeatureSource(sp => new FeatureServiceSource(sp.GetRequiredService<FeatureService.FeatureServiceClient>()), featuresAddress);
        services.AddSingleton<SpoolHandOff>();
        services.AddSingleton<IDecisionHandOff>(sp => sp.GetRequiredService<SpoolHandOff>());
        services.AddSingleton<Func<CancellationToken, Task<DecisionSpool>>>(sp => async ct =>
        {
            var recorder = new AlertServiceDecisionRecorder(sp.GetRequiredService<DecisionShipClient>());
            return await DecisionSpool.OpenAsync(sp.GetRequiredService<IOptions<DecisionSpoolOptions>>().Value, recorder,
                sp.GetRequiredService<ILogger<DecisionSpool>>(), ct).ConfigureAwait(false);
        });
        services.AddSingleton<ScoringPipeline>();
        services.AddHostedService<ScoringStartup>();
        return builder;
    }

    /// <summary>
    /// The feature source <c>Scoring:Features:Mode</c> names: InProcess (the feature store library over
    /// <c>ConnectionStrings:redis</c>, section <c>Features</c>, exactly the code the feature service runs) or Remote
    /// (<paramref name="remote"/>). Unset: InProcess when a Redis connection string is configured, else Remote.
    /// In process, Redis being down does not make the scorer unready: its batches are scored degraded
    /// (FEATURES_UNAVAILABLE), as when the feature service is down, so Aspire's Redis health check is left out here.
    /// </summary>
    private static void AddFeatureSource<TBuilder>(this TBuilder builder, Func<IServiceProvider, IFeatureSource> remote, string remoteAddress)
        where TBuilder : IHostApplicationBuilder
    {
        var configured = builder.Configuration.GetSection(ScoringOptions.Section).Get<ScoringOptions>()?.Features.Mode;
        var hasRedis = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("redis"));
        var mode = configured ?? (hasRedis ? FeaturesMode.InProcess : FeaturesMode.Remote);
        if (mode == FeaturesMode.InProcess)
        {
            if (!hasRedis)
            {
                throw new InvalidOperationException("Scoring:Features:Mode is InProcess but ConnectionStrings:redis is not configured.");
            }

            builder.AddFeatureStore(clientName: "fraudex-scoring", readinessCheck: false, tracing: builder.IsTelemetryExported());
            builder.Services.AddSingleton<IFeatureSource>(sp => new StoreFeatureSource(sp.GetRequiredService<FraudEx.Features.FeatureStore>()));
        }
        else
        {
            builder.Services.AddSingleton(remote);
        }

        builder.Services.AddSingleton(new FeatureSourceChoice(mode, configured is null && mode == FeaturesMode.Remote, remoteAddress));
    }
}

/// <summary>The feature mode chosen at start, and whether it was the fallback for a missing Redis connection string.</summary>
internal sealed record FeatureSourceChoice(FeaturesMode Mode, bool Fallback, string RemoteAddress);
