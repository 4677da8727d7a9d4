namespace FraudEx.Hosting.Internal;

/// <summary>Finds the machine's programs.</summary>
internal static class Tools
{
    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Which(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The newest /usr/lib/postgresql/&lt;version&gt;/bin holding a postgres binary, or null.</summary>
    public static string? PostgresBinDirectory(string root = "/usr/lib/postgresql")
    {
        if (!Directory.Exists(root))
        {
            return null;
        }
        return Directory.GetDirectories(root)
            .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Dir, "bin", "postgres")))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "bin"))
            .FirstOrDefault();
    }

    /// <summary>True when this process runs as root (PostgreSQL refuses to, so it is started as the postgres user).</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;
}
