using FraudEx.Scoring.Internal;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Pipeline;

/// <summary>The champion whose score is returned, and an optional challenger scored in shadow on the same batch.</summary>
public sealed record ModelSet(IScoringModel Champion, IScoringModel? Challenger);

/// <summary>
/// Holds the models in service and swaps them atomically: a batch takes <see cref="Current"/> once and uses that pair
/// throughout, so no batch mixes two models. A replaced model is disposed after a grace period long enough for the
/// batches still running on it.
/// </summary>
public sealed class ModelHost(IFeatureCatalog catalog, TimeProvider timeProvider, ILogger<ModelHost> logger) : IDisposable
{
    private static readonly TimeSpan DisposeGrace = TimeSpan.FromSeconds(10);
    private readonly Lock gate = new();
    private volatile ModelSet? current;

    /// <summary>The models in service; throws when none is loaded.</summary>
    public ModelSet Current => current ?? throw new InvalidOperationException("No model is loaded.");

    /// <summary>True once a champion is loaded.</summary>
    public bool IsLoaded => current is not null;

    /// <summary>
    /// Puts <paramref name="champion"/> (and <paramref name="challenger"/>) in service after checking they were trained
    /// on the serving feature schema; throws <see cref="InvalidDataException"/> and keeps the old ones otherwise.
    /// </summary>
    public void Swap(IScoringModel champion, IScoringModel? challenger)
    {
        CheckSchema(champion);
        if (challenger is not null)
        {
            CheckSchema(challenger);
        }

        ModelSet? old;
        lock (gate)
        {
            old = current;
            current = new ModelSet(champion, challenger);
        }

        ScoringLog.ModelInService(logger, champion.Version, challenger?.Version ?? "none", champion.FeatureSchemaVersion);
        if (old is not null)
        {
            var retired = new List<IScoringModel>();
            if (!ReferenceEquals(old.Champion, champion) && !ReferenceEquals(old.Champion, challenger))
            {
                retired.Add(old.Champion);
            }

            if (old.Challenger is { } c && !ReferenceEquals(c, champion) && !ReferenceEquals(c, challenger))
            {
                retired.Add(c);
            }

            if (retired.Count > 0)
            {
                _ = DisposeLaterAsync(retired);
            }
        }
    }

    private void CheckSchema(IScoringModel model)
    {
        if (model.FeatureSchemaVersion != catalog.Version || model.FeatureCount != catalog.Features.Count)
        {
            throw new InvalidDataException(
                $"Model {model.Version} was trained on feature schema {model.FeatureSchemaVersion} ({model.FeatureCount} features); "
                + $"this service computes {catalog.Version} ({catalog.Features.Count} features).");
        }
    }

    private async Task DisposeLaterAsync(List<IScoringModel> models)
    {
        await Task.Delay(DisposeGrace, timeProvider).ConfigureAwait(false);
        foreach (var model in models)
        {
            model.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var set = current;
        current = null;
        set?.Champion.Dispose();
        set?.Challenger?.Dispose();
    }
}
