namespace FraudEx.Scoring.Pipeline;

/// <summary>Finds the model shipped in the repository's models/ folder when Scoring:ModelPath is not configured.</summary>
public static class ModelLocator
{
    /// <summary>
    /// The newest <c>fraud-*.onnx</c> (by the version in its name) in the first <c>models/</c> folder found from the
    /// working directory or the application's directory upwards.
    /// </summary>
    public static string FindShippedModel()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var models = new DirectoryInfo(Path.Combine(dir.FullName, "models"));
                if (!models.Exists)
                {
                    continue;
                }

                var newest = models.GetFiles("fraud-*.onnx")
                    .Select(f => (File: f, Version: Version.TryParse(Path.GetFileNameWithoutExtension(f.Name)["fraud-".Length..], out var v) ? v : new Version(0, 0)))
                    .OrderByDescending(x => x.Version)
                    .ThenByDescending(x => x.File.Name, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (newest.File is not null)
                {
                    return newest.File.FullName;
                }
            }
        }

        throw new FileNotFoundException("No model configured (Scoring:ModelPath) and no models/fraud-*.onnx found.");
    }
}
