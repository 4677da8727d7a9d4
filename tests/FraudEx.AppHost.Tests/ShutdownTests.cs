using System.Diagnostics;
using System.Globalization;
using FraudEx.Testing;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// The launch command as a developer runs it (<c>dotnet run --project FraudEx.AppHost</c>, here without a launch profile
/// and on free ports), stopped with SIGTERM: every process it started, DCP and the dashboard included, is gone.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ShutdownTests
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Sigterm_AfterAllHealthy_NoProcessLeftBehind()
    {
        var data = Path.Combine(Path.GetTempPath(), "fraudex-apphost-sigterm-" + Guid.NewGuid().ToString("N")[..8]);
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var argument in new[]
        {
            "run", "--project", "FraudEx.AppHost", "--no-build", "-c", configuration, "--no-launch-profile", "--",
            "--AppHost:Containers=never", $"--AppHost:DataDirectory={data}",
            $"--Ports:scoring={FreePort.Next()}", $"--Ports:features={FreePort.Next()}", $"--Ports:alerts={FreePort.Next()}",
            $"--Ports:console={FreePort.Next()}", $"--Ports:redis={FreePort.Next()}", $"--Ports:postgres={FreePort.Next()}",
        })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        info.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        info.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        info.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";

        using var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var healthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            output.Enqueue(e.Data);
            if (e.Data.Contains("resources healthy", StringComparison.Ordinal))
            {
                healthy.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await healthy.Task.WaitAsync(AppHostFixture.StartTimeout);
            Assert.Contains(output, l => l.Contains("Aspire dashboard http://127.0.0.1:", StringComparison.Ordinal));

            var started = ProcessTree.StartedBy(process.Id);
            // DCP, the dashboard, redis-server, postgres and its workers, the four services and their dotnet run.
            Assert.True(started.Count >= 12, "processes found: " + string.Join(", ", started.Select(p => p.CommandLine)));
            Assert.Contains(started, p => p.CommandLine.Contains("dcp", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("Aspire.Dashboard", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal) || p.CommandLine.Contains("garnet", StringComparison.Ordinal));
            Assert.Contains(started, p => p.CommandLine.Contains("postgres -D", StringComparison.Ordinal));

            var stopwatch = Stopwatch.StartNew();
            ProcessTree.Signal(process.Id, 15);
            using (var exit = new CancellationTokenSource(StopTimeout))
            {
                await process.WaitForExitAsync(exit.Token);
            }
            var left = started.Where(p => p.IsAlive()).ToList();
            while (left.Count > 0 && stopwatch.Elapsed < StopTimeout)
            {
                await Task.Delay(250);
                left = started.Where(p => p.IsAlive()).ToList();
            }
            Assert.True(left.Count == 0, $"still running {stopwatch.Elapsed.TotalSeconds:0} s after SIGTERM: " +
                string.Join("; ", left.Select(p => $"{p.Pid} {p.CommandLine}")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            foreach (var leftover in ProcessTree.StartedBy(process.Id))
            {
                ProcessTree.Signal(leftover.Pid, 9);
            }
        }
    }
}

/// <summary>Processes from /proc: a launch's descendants, and the DCP daemon that monitors it (DCP detaches from its parent).</summary>
internal static class ProcessTree
{
    internal sealed record Entry(int Pid, int ParentPid, long StartTicks, string CommandLine)
    {
        /// <summary>Still the same process: the pid exists with the same start time.</summary>
        public bool IsAlive() => Read(Pid) is { } now && now.StartTicks == StartTicks;
    }

    public static IReadOnlyList<Entry> StartedBy(int root)
    {
        var all = Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? Read(pid) : null)
            .OfType<Entry>().ToList();
        var result = new Dictionary<int, Entry>();
        void AddTree(int pid)
        {
            foreach (var child in all.Where(p => p.ParentPid == pid && !result.ContainsKey(p.Pid)))
            {
                result[child.Pid] = child;
                AddTree(child.Pid);
            }
        }
        AddTree(root);
        // DCP is started with --monitor <app host pid> and re-parented to init; the app host is a child of dotnet run.
        foreach (var appHost in result.Values.ToList())
        {
            foreach (var dcp in all.Where(p => p.CommandLine.Contains($"--monitor {appHost.Pid.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal)))
            {
                result[dcp.Pid] = dcp;
                AddTree(dcp.Pid);
            }
        }
        return [.. result.Values];
    }

    public static void Signal(int pid, int signal) => _ = kill(pid, signal);

    private static Entry? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new Entry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture), cmdline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
