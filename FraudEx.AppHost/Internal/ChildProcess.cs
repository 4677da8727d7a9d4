using System.Diagnostics;

namespace FraudEx.AppHost.Internal;

/// <summary>How to launch one process of a resource.</summary>
/// <param name="RunAs">A local user (uid, gid) to drop to, for servers such as PostgreSQL that refuse to run as root.</param>
/// <param name="StopSignal">The signal that asks for a prompt, clean stop (SIGTERM; SIGINT for PostgreSQL's fast shutdown).</param>
public sealed record ProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    (int Uid, int Gid)? RunAs = null,
    int StopSignal = Native.SigTerm)
{
    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments));
}

/// <summary>
/// A child process in a process group of its own. Launched through setsid(1), so a Ctrl+C in the terminal reaches the
/// app host alone, which then stops its children in reverse dependency order; and stopping signals the whole group,
/// so helpers a server forks (PostgreSQL's backends) go with it and nothing is left behind.
/// </summary>
internal sealed class ChildProcess
{
    private readonly Process _process;

    private ChildProcess(Process process, ProcessSpec spec)
    {
        _process = process;
        Spec = spec;
        Exited = WaitExitAsync();
    }

    public ProcessSpec Spec { get; }

    /// <summary>Process id, which is also the process group id (setsid execs in place: the child leads no group yet).</summary>
    public int Pid => _process.Id;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited { get; }

    public static ChildProcess Start(ProcessSpec spec, ConsoleLog log)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (spec.RunAs is { } user)
        {
            info.ArgumentList.Add("setpriv");
            info.ArgumentList.Add($"--reuid={user.Uid}");
            info.ArgumentList.Add($"--regid={user.Gid}");
            info.ArgumentList.Add("--clear-groups");
            info.ArgumentList.Add("--");
        }
        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Append("stdout", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Append("stderr", e.Data); };
        process.Start();
        // Nothing reads the child's stdin: closing it makes a child that waits on the console see end-of-file at once.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, spec);
    }

    /// <summary>Asks the group to stop with the spec's signal; kills it after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (Native.GroupExists(Pid))
        {
            Native.SignalGroup(Pid, Spec.StopSignal);
        }
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < grace && (Native.GroupExists(Pid) || !_process.HasExited))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        Kill();
        await Exited.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills whatever is left of the group at once (also after the leader died on its own).</summary>
    public void Kill()
    {
        Native.SignalGroup(Pid, Native.SigKill);
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the check and the kill: nothing left to do.
            }
        }
    }

    private async Task<int> WaitExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }
}
