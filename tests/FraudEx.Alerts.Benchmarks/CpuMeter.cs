using System.Diagnostics;
using System.Globalization;

/// <summary>
/// CPU seconds spent by the processes doing the work (this process, the Postgres cluster, the alert service), read from
/// /proc. On a shared machine wall-clock throughput depends on the neighbours; decisions per CPU-second does not, and
/// gives what the work would reach with both cores to itself.
/// </summary>
internal sealed class CpuMeter(string postgresDataDirectory, Func<int?> servicePid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public double Snapshot()
    {
        var total = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        if (servicePid() is { } pid)
        {
            total += ProcessSeconds(pid, includeChildren: false);
        }

        var pidFile = Path.Combine(postgresDataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture, out var postmaster))
        {
            // The postmaster's own time plus its exited children's, plus every live backend and worker.
            total += ProcessSeconds(postmaster, includeChildren: true);
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var child) && ParentOf(child) == postmaster)
                {
                    total += ProcessSeconds(child, includeChildren: false);
                }
            }
        }

        return total;
    }

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may contain spaces; fields start after its closing parenthesis.
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int ParentOf(int pid) =>
        StatFields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : -1;

    private static double ProcessSeconds(int pid, bool includeChildren)
    {
        if (StatFields(pid) is not { } f)
        {
            return 0;
        }

        // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        if (includeChildren)
        {
            ticks += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
        }

        return ticks / TicksPerSecond;
    }
}
