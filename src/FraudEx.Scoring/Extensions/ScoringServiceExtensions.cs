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
    /// Adds the gRPC service with its interceptors (API keys from <c>Auth</c> by <see cref="ScoringRoles"/>, request
    /// validation), the policy, the models (hot reloaded), the pipeline with its micro-batcher, the feature service
    /// client and the decision spool shipping to the alert service's client.
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
        builder.AddFraudExGrpcClient<AlertService.AlertServiceClient>("alerts", ServicePorts.Alerts);
        services.AddSingleton<IFeatureSource>(sp => new FeatureServiceSource(sp.GetRequiredService<FeatureService.FeatureServiceClient>()));
        services.AddSingleton<SpoolHandOff>();
        services.AddSingleton<IDecisionHandOff>(sp => sp.GetRequiredService<SpoolHandOff>());
        services.AddSingleton<Func<CancellationToken, Task<DecisionSpool>>>(sp => async ct =>
        {
            var recorder = new AlertServiceDecisionRecorder(sp.GetRequiredService<AlertService.AlertServiceClient>());
            return await DecisionSpool.OpenAsync(sp.GetRequiredService<IOptions<DecisionSpoolOptions>>().Value, recorder,
                sp.GetRequiredService<ILogger<DecisionSpool>>(), ct).ConfigureAwait(false);
        });
        services.AddSingleton<ScoringPipeline>();
        services.AddHostedService<ScoringStartup>();
        return builder;
    }
}
