namespace FraudEx.Models;

/// <summary>Which contributions <see cref="FraudModel.Explain"/> ranks first.</summary>
public enum ContributionRanking
{
    /// <summary>Only contributions that raise the fraud score, largest first: the reasons behind a REVIEW or DECLINE.</summary>
    RaisingRisk,

    /// <summary>All contributions by magnitude, whichever direction.</summary>
    Magnitude,
}

/// <summary>One feature's share of a score, in margin (log-odds) units.</summary>
public readonly record struct FeatureContribution(int FeatureIndex, string FeatureName, double Contribution);

/// <summary>A row's explanation: the margin, the bias every row shares, and the top contributions.</summary>
public sealed record Explanation(double Margin, double Bias, IReadOnlyList<FeatureContribution> Top);

/// <summary>A contribution turned into a reason: the feature's stable code and sentence from the feature schema.</summary>
public sealed record ModelReason(string Code, string Text, string FeatureName, double Contribution);

/// <summary>Options for <see cref="FraudModel.Load"/>.</summary>
public sealed record FraudModelOptions
{
    public OnnxSessionOptions Session { get; init; } = new();

    /// <summary>Manifest path; by default the model's path with .manifest.json.</summary>
    public string? ManifestPath { get; init; }

    /// <summary>The schema the caller computes features with; by default the feature engine's
    /// (FraudEx.Features.Engine.FeatureSchema). A model trained on another schema is refused.</summary>
    public string? SchemaVersion { get; init; }

    public IReadOnlyList<string>? FeatureNames { get; init; }
}

/// <summary>A shipped fraud model: the ONNX file run by ONNX Runtime for probabilities, the same file's trees for exact
/// TreeSHAP explanations, and the manifest whose feature schema must match the caller's. Safe for concurrent use.</summary>
public sealed class FraudModel : IDisposable
{
    private readonly OnnxModelSession _session;
    private readonly TreeShap _shap;
    private readonly int _probabilityOutput;

    private FraudModel(ModelManifest manifest, OnnxTreeModel trees, OnnxModelSession session, string path)
    {
        Manifest = manifest;
        Ensemble = trees.Ensemble;
        Metadata = trees.Metadata;
        _session = session;
        _shap = new TreeShap(trees.Ensemble);
        _probabilityOutput = session.OutputIndex(OnnxModelFormat.ProbabilityOutput);
        Path = path;
    }

    public ModelManifest Manifest { get; }

    public TreeEnsemble Ensemble { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string Path { get; }

    public int FeatureCount => Ensemble.FeatureCount;

    public IReadOnlyList<string> FeatureNames => Manifest.FeatureSchema.Names;

    /// <summary>The inference session (inputs, outputs, raw runs).</summary>
    public OnnxModelSession Session => _session;

    /// <summary>Loads <paramref name="onnxPath"/> and its manifest and refuses the pair unless it was trained on the
    /// caller's feature schema (<see cref="ModelSchemaMismatchException"/>) and the file matches the manifest.</summary>
    public static FraudModel Load(string onnxPath, FraudModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        options ??= new FraudModelOptions();
        var manifestPath = options.ManifestPath ?? ModelManifest.PathFor(onnxPath);
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"Model manifest not found: {manifestPath} (expected beside {onnxPath}).", manifestPath);
        }

        var manifest = ModelManifest.Load(manifestPath);
        if (options.SchemaVersion is null && options.FeatureNames is null)
        {
            manifest.EnsureEngineSchema();
        }
        else
        {
            manifest.EnsureSchema(
                options.SchemaVersion ?? throw new ArgumentException("SchemaVersion and FeatureNames go together.", nameof(options)),
                options.FeatureNames ?? throw new ArgumentException("SchemaVersion and FeatureNames go together.", nameof(options)));
        }

        var bytes = File.ReadAllBytes(onnxPath);
        var trees = OnnxTreeModel.Read(bytes);
        if (trees.Ensemble.FeatureCount != manifest.FeatureSchema.Names.Count)
        {
            throw new ModelSchemaMismatchException(
                $"{onnxPath} takes {trees.Ensemble.FeatureCount} features, but its manifest lists {manifest.FeatureSchema.Names.Count}.");
        }

        if (trees.Metadata.TryGetValue(OnnxModelFormat.SchemaVersionMetadataKey, out var fileSchema) && fileSchema != manifest.FeatureSchema.Version)
        {
            throw new ModelSchemaMismatchException(
                $"{onnxPath} was exported for feature schema '{fileSchema}', but its manifest says '{manifest.FeatureSchema.Version}'.");
        }

        var session = OnnxModelSession.Load(bytes, options.Session);
        try
        {
            return new FraudModel(manifest, trees, session, onnxPath);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Fraud probabilities for <paramref name="rows"/> rows of <see cref="FeatureCount"/> floats (NaN = missing),
    /// in one ONNX Runtime run.</summary>
    public void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        if (probabilities.Length < rows)
        {
            throw new ArgumentException($"Room for {rows} probabilities needed, got {probabilities.Length}.", nameof(probabilities));
        }

        _session.Run(features, rows, probabilities[..rows], _probabilityOutput);
    }

    public float[] Score(ReadOnlySpan<float> features, int rows)
    {
        var probabilities = new float[rows];
        Score(features, rows, probabilities);
        return probabilities;
    }

    /// <summary>Exact TreeSHAP values for one row: <see cref="FeatureCount"/> contributions then the bias, in margin
    /// units; they sum to the row's margin.</summary>
    public void Contributions(ReadOnlySpan<float> row, Span<double> contributions) => _shap.Explain(row, contributions);

    /// <summary>The row's <paramref name="topK"/> strongest contributions.</summary>
    public Explanation Explain(ReadOnlySpan<float> row, int topK = 5, ContributionRanking ranking = ContributionRanking.RaisingRisk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        Span<double> contributions = FeatureCount < 512 ? stackalloc double[FeatureCount + 1] : new double[FeatureCount + 1];
        _shap.Explain(row, contributions);
        var margin = 0.0;
        foreach (var c in contributions)
        {
            margin += c;
        }

        var top = new List<FeatureContribution>(topK);
        for (var i = 0; i < FeatureCount; i++)
        {
            var value = contributions[i];
            if (ranking == ContributionRanking.RaisingRisk ? value <= 0 : value == 0)
            {
                continue;
            }

            var contribution = new FeatureContribution(i, FeatureNames[i], value);
            var position = top.Count;
            while (position > 0 && Rank(top[position - 1].Contribution, ranking) < Rank(value, ranking))
            {
                position--;
            }

            if (position < topK)
            {
                top.Insert(position, contribution);
                if (top.Count > topK)
                {
                    top.RemoveAt(topK);
                }
            }
        }

        return new Explanation(margin, contributions[FeatureCount], top);
    }

    /// <summary>The row's top <paramref name="topK"/> risk-raising contributions as reasons (code and sentence of the
    /// feature in the engine's schema, strongest first).</summary>
    public IReadOnlyList<ModelReason> Reasons(ReadOnlySpan<float> row, int topK = 5)
    {
        var explanation = Explain(row, topK);
        var reasons = new ModelReason[explanation.Top.Count];
        for (var i = 0; i < reasons.Length; i++)
        {
            reasons[i] = ReasonFor(explanation.Top[i]);
        }

        return reasons;
    }

    private ModelReason ReasonFor(FeatureContribution contribution)
    {
        var index = Features.Engine.FeatureSchema.IndexOf(contribution.FeatureName);
        if (index >= 0 && Manifest.FeatureSchema.Version == Features.Engine.FeatureSchema.Version)
        {
            var definition = Features.Engine.FeatureSchema.Get(index);
            return new ModelReason(definition.ReasonCode, definition.ReasonText, contribution.FeatureName, contribution.Contribution);
        }

        // A model on a schema the engine does not describe (tests, experiments): the feature name is the code.
        return new ModelReason(contribution.FeatureName.ToUpperInvariant(), $"The feature {contribution.FeatureName} raised the score.",
            contribution.FeatureName, contribution.Contribution);
    }

    private static double Rank(double value, ContributionRanking ranking) => ranking == ContributionRanking.Magnitude ? Math.Abs(value) : value;

    public void Dispose() => _session.Dispose();
}
