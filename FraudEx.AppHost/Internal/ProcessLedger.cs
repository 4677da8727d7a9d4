namespace FraudEx.AppHost.Internal;

/// <summary>
/// The process groups a run started, written to its data directory while they run. An app host that was killed
/// outright (SIGKILL, a crash) cannot stop its children; the next run on the same data directory finds them here and
/// stops them before starting anew, so no server is left holding a port or the PostgreSQL cluster.
/// </summary>
internal sealed class ProcessLedger(string dataDirectory)
{
    private readonly string _path = Path.Combine(dataDirectory, "apphost.pids");
    private readonly Lock _gate = new();

    public void Record(int groupId, string marker)
    {
        lock (_gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            File.AppendAllText(_path, $"{groupId}\t{marker}\n");
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            File.Delete(_path);
        }
    }

    /// <summary>Kills the groups of an earlier run that are still alive and still run what was recorded.</summary>
    /// <returns>How many groups were stopped.</returns>
    public async Task<int> ReapAsync(CancellationToken cancellationToken)
    {
        string[] lines;
        lock (_gate)
        {
            if (!File.Exists(_path))
            {
                return 0;
            }
            lines = File.ReadAllLines(_path);
        }
        var reaped = 0;
        foreach (var line in lines)
        {
            var fields = line.Split('\t', 2);
            if (fields.Length != 2 || !int.TryParse(fields[0], out var group) || !StillRuns(group, fields[1]))
            {
                continue;
            }
            Native.SignalGroup(group, Native.SigTerm);
            for (var i = 0; i < 50 && Native.GroupExists(group); i++)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            Native.SignalGroup(group, Native.SigKill);
            reaped++;
        }
        Clear();
        return reaped;
    }

    /// <summary>True when the group leader is alive and still runs what was recorded (not a reused pid).</summary>
    private static bool StillRuns(int pid, string marker)
    {
        try
        {
            // Servers may rewrite their process title (redis-server does), so match within the whole command line.
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
