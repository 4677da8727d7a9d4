using System.Globalization;

namespace FraudEx.LoadGen;

/// <summary>CPU time of one watched process (with its direct children) over the measured window.</summary>
/// <param name="Name">The name given on the command line ("loadgen" for this process).</param>
/// <param name="CpuSeconds">User plus system CPU seconds spent in the window.</param>
/// <param name="MicrosPerScore">CPU microseconds per answered score.</param>
public sealed record ProcessCpu(string Name, double CpuSeconds, double MicrosPerScore);

/// <summary>
/// Where the machine's CPU went during the measured window, read from /proc: each watched process with its direct
/// children (PostgreSQL's backends are children of its postmaster), this load generator itself, and the whole
/// machine. On a machine shared by client and servers, CPU per score is the figure that does not depend on who else
/// was running; the wall-clock rate does.
/// </summary>
public sealed class CpuAccounting
{
    private readonly IReadOnlyList<(string Name, int Pid)> watched;
    private Dictionary<string, long>? startTicks;
    private (long Busy, long Total) startMachine;
    private Dictionary<string, long>? endTicks;
    private (long Busy, long Total) endMachine;

    /// <summary>Watches the given processes and this one.</summary>
    public CpuAccounting(IReadOnlyList<(string Name, int Pid)> processes)
    {
        watched = [.. processes, ("loadgen", Environment.ProcessId)];
    }

    /// <summary>True where /proc can be read (Linux).</summary>
    public static bool Supported => File.Exists("/proc/stat");

    /// <summary>Parses "name=pid,name=pid".</summary>
    public static IReadOnlyList<(string Name, int Pid)> Parse(string spec)
    {
        var list = new List<(string, int)>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new FormatException($"--cpu expects name=pid pairs separated by commas, not '{part}'.");
            }

            list.Add((part[..eq], pid));
        }

        return list;
    }

    /// <summary>Samples at the start of the window.</summary>
    public void Start()
    {
        startTicks = Sample();
        startMachine = Machine();
    }

    /// <summary>Samples at the end of the window.</summary>
    public void Stop()
    {
        endTicks = Sample();
        endMachine = Machine();
    }

    /// <summary>Per-process CPU over the window, then "other" (the rest of the machine) and the machine's busy share.</summary>
    public (IReadOnlyList<ProcessCpu> Processes, double MachineBusyPercent) Report(long scores)
    {
        if (startTicks is null || endTicks is null)
        {
            return ([], double.NaN);
        }

        var hz = 100.0; // USER_HZ: /proc reports clock ticks of 1/100 s on Linux.
        var perScore = Math.Max(1, scores);
        var list = new List<ProcessCpu>();
        double listed = 0;
        foreach (var (name, _) in watched)
        {
            var seconds = (endTicks.GetValueOrDefault(name) - startTicks.GetValueOrDefault(name)) / hz;
            listed += seconds;
            list.Add(new ProcessCpu(name, Math.Round(seconds, 2), Math.Round(seconds * 1e6 / perScore, 1)));
        }

        var machineSeconds = (endMachine.Busy - startMachine.Busy) / hz;
        var other = Math.Max(0, machineSeconds - listed);
        list.Add(new ProcessCpu("other (rest of the machine)", Math.Round(other, 2), Math.Round(other * 1e6 / perScore, 1)));
        var total = endMachine.Total - startMachine.Total;
        var busy = total > 0 ? 100.0 * (endMachine.Busy - startMachine.Busy) / total : double.NaN;
        return (list, Math.Round(busy, 1));
    }

    private Dictionary<string, long> Sample()
    {
        // One pass over /proc: every process's parent and CPU ticks.
        var processes = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is { } stat)
            {
                processes[pid] = stat;
            }
        }

        var result = new Dictionary<string, long>();
        foreach (var (name, root) in watched)
        {
            long ticks = 0;
            foreach (var (pid, (parent, t)) in processes)
            {
                if (pid == root || parent == root)
                {
                    ticks += t;
                }
            }

            result[name] = ticks;
        }

        return result;
    }

    private static (int Parent, long Ticks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // The process ended meanwhile.
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');

        // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
        if (fields.Length < 13)
        {
            return null;
        }

        var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (parent, ticks);
    }

    private static (long Busy, long Total) Machine()
    {
        // First line: "cpu user nice system idle iowait irq softirq steal ..." in ticks.
        var line = File.ReadLines("/proc/stat").First();
        var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var idle = v[3] + v[4];
        var total = v.Sum();
        return (total - idle, total);
    }
}
