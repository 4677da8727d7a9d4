using System.Diagnostics;

namespace FraudEx.AppHost.Internal;

/// <summary>Runs short setup commands (initdb, psql, apt-get, dotnet tool) with their output kept in a resource's log.</summary>
internal static class Commands
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        ConsoleLog? log,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        (int Uid, int Gid)? runAs = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(runAs is null ? fileName : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (runAs is { } user)
        {
            info.ArgumentList.Add($"--reuid={user.Uid}");
            info.ArgumentList.Add($"--regid={user.Gid}");
            info.ArgumentList.Add("--clear-groups");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = new Process { StartInfo = info };
        var output = new System.Text.StringBuilder();
        var gate = new Lock();
        void OnLine(string stream, string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (gate)
            {
                output.AppendLine(line);
            }
            log?.Append(stream, line);
        }
        process.OutputDataReceived += (_, e) => OnLine("stdout", e.Data);
        process.ErrorDataReceived += (_, e) => OnLine("stderr", e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeout.TotalSeconds:0} s.");
        }
        lock (gate)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Installs Debian packages when running as root; otherwise explains what to install.</summary>
    public static async Task EnsureAptPackagesAsync(string[] packages, ConsoleLog log, CancellationToken cancellationToken)
    {
        if (!Native.IsRoot || Which("apt-get") is null)
        {
            throw new InvalidOperationException(
                $"Missing {string.Join(", ", packages)}: install with `sudo apt-get install -y {string.Join(' ', packages)}` " +
                "(or run scripts/install-deps.sh), then start the app host again.");
        }
        log.Append("apphost", $"installing {string.Join(' ', packages)} with apt-get");
        await RunAsync("apt-get", ["update", "-qq"], log, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var result = await RunAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", .. packages], log,
            TimeSpan.FromMinutes(10), cancellationToken, environment: env).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"apt-get install {string.Join(' ', packages)} failed (exit {result.ExitCode}).");
        }
    }

    /// <summary>A local user's (uid, gid) from /etc/passwd, or null when there is no such user.</summary>
    public static (int Uid, int Gid)? LookupUser(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == name && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid))
            {
                return (uid, gid);
            }
        }
        return null;
    }
}
