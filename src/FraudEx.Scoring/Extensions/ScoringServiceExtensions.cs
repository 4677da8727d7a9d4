using FraudEx.Alerts.Client;
using FraudEx.Clients;
using FraudEx.Grpc;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Extensions;
using FraudEx.Scoring.Grpc;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Security;
using FraudEx.Scoring.Telemetry;
using FraudEx.Scoring.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the scoring service's parts.</summary>
public static class ScoringServiceExtensions
{
    /// <summary>Default address of the feature service when service discovery gives none.</summary>
    public const string DefaultFeaturesAddress = "http://127.0.0.1:5101";

    /// <summary>Default address of the alert service when service discovery gives none.</summary>
    public const string DefaultAlertsAddress = "http://127.0.0.1:5102";

    /// <summary>
    /// Adds validation, authentication, the policy, the models (hot reloaded), the pipeline with its micro-batcher,
    /// the feature service client, the decision spool and the gRPC service.
    /// </summary>
    public static TBuilder AddScoringServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddGrpcServer();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.Section)
            .Validate(o => o.FeatureBudget > TimeSpan.Zero && o.FeatureBudgetPerTransaction >= TimeSpan.Zero,
                "Scoring:FeatureBudget must be positive and Scoring:FeatureBudgetPerTransaction must not be negative.")
            .ValidateOnStart();
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section);
        services.AddOptions<MicroBatcherOptions>().BindConfiguration(MicroBatcherOptions.Section);
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section);
        services.AddOptions<DecisionSpoolOptions>().BindConfiguration("DecisionSpool");

        services.AddSingleton<TransactionValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
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

        var featuresAddress = configuration["services:features:grpc:0"] ?? configuration["services:features:http:0"] ?? DefaultFeaturesAddress;
        var alertsAddress = configuration["services:alerts:grpc:0"] ?? configuration["services:alerts:http:0"] ?? DefaultAlertsAddress;
        services.AddKeyedSingleton("features", (_, _) => GrpcChannel.ForAddress(featuresAddress));
        services.AddKeyedSingleton("alerts", (_, _) => GrpcChannel.ForAddress(alertsAddress));
        services.AddSingleton<IFeatureSource>(sp => new FeatureServiceSource(new FeatureServiceClient(sp.GetRequiredKeyedService<GrpcChannel>("features"))));
        services.AddSingleton<SpoolHandOff>();
        services.AddSingleton<IDecisionHandOff>(sp => sp.GetRequiredService<SpoolHandOff>());
        services.AddSingleton<Func<CancellationToken, Task<DecisionSpool>>>(sp => async ct =>
        {
            var recorder = new AlertServiceDecisionRecorder(new AlertServiceClient(sp.GetRequiredKeyedService<GrpcChannel>("alerts")));
            return await DecisionSpool.OpenAsync(sp.GetRequiredService<IOptions<DecisionSpoolOptions>>().Value, recorder,
                sp.GetRequiredService<ILogger<DecisionSpool>>(), ct).ConfigureAwait(false);
        });
        services.AddSingleton<ScoringPipeline>();
        services.AddSingleton<ScoringGrpcService>();
        services.AddHostedService<ScoringStartup>();
        return builder;
    }
}
