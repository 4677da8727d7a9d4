namespace FraudEx.Testing;

/// <summary>Paths inside the repository, found from the test assembly's location (bin/… under the repository).</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The directory holding FraudEx.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>artifacts/&lt;name&gt; under the root (git-ignored), created when missing.</summary>
    public static string Artifacts(string name)
    {
        var path = Path.Combine(Root, "artifacts", name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FraudEx.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FraudEx.sln above {AppContext.BaseDirectory}.");
    }
}
