namespace FraudEx.Features;

/// <summary>A batch could not be written because other writers kept changing the same entities.</summary>
public sealed class FeatureStoreConflictException(string message) : Exception(message);

/// <summary>A stored state cannot be read (written by an incompatible version, or damaged); nothing was changed.</summary>
public sealed class FeatureStoreCorruptStateException(string key, Exception inner)
    : Exception($"Stored state of {key} is unreadable: {inner.Message}", inner)
{
    public string Key { get; } = key;
}
