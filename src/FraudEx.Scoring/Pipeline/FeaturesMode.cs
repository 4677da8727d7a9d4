namespace FraudEx.Scoring.Pipeline;

/// <summary>Where the scorer gets a batch's behavioural features (configuration <c>Scoring:Features:Mode</c>).</summary>
public enum FeaturesMode
{
    /// <summary>
    /// In the scorer's process, with the feature store library over Redis (<c>ConnectionStrings:redis</c>, section
    /// <c>Features</c>): one gRPC hop per Score call. The default wherever a Redis connection string is configured.
    /// </summary>
    InProcess,

    /// <summary>Through <c>fraudex.v1.FeatureService/ComputeFeatures</c> (service discovery name <c>features</c>): the split deployment.</summary>
    Remote,
}
