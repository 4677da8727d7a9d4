using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace FraudEx.AppHost.Tests.Infrastructure;

/// <summary>
/// The real app host (its built dll) run as a child process with its own free ports and a throwaway data directory,
/// as a developer runs it; stopped with SIGINT, as Ctrl+C does.
/// </summary>
internal sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private AppHostProcess(Process process, string dataDirectory, int dashboardPort, IReadOnlyDictionary<string, int> ports)
    {
        _process = process;
        DataDirectory = dataDirectory;
        DashboardPort = dashboardPort;
        Ports = ports;
        Http = new HttpClient { BaseAddress = new Uri(DashboardUrl), Timeout = TimeSpan.FromSeconds(120) };
    }

    public string DataDirectory { get; }
    public int DashboardPort { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }
    public string DashboardUrl => $"http://127.0.0.1:{DashboardPort}";
    public HttpClient Http { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the app host with every resource on a free port; <paramref name="settings"/> adds configuration.</summary>
    public static AppHostProcess Start(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"fraudex-apphost-{name}-{Guid.NewGuid():N}"[..48]);
        Directory.CreateDirectory(dataDirectory);
        var ports = new Dictionary<string, int>
        {
            ["dashboard"] = FreePorts.Next(),
            ["otlp"] = FreePorts.Next(),
            ["redis"] = FreePorts.Next(),
            ["postgres"] = FreePorts.Next(),
            ["features"] = FreePorts.Next(),
            ["alerts"] = FreePorts.Next(),
            ["scoring"] = FreePorts.Next(),
        };
        return Launch(dataDirectory, ports, settings);
    }

    /// <summary>A new app host on the same data directory and ports as <paramref name="previous"/> (which has exited).</summary>
    public static AppHostProcess StartAgain(AppHostProcess previous, IReadOnlyDictionary<string, string>? settings = null) =>
        Launch(previous.DataDirectory, previous.Ports, settings);

    private static AppHostProcess Launch(string dataDirectory, IReadOnlyDictionary<string, int> ports, IReadOnlyDictionary<string, string>? settings)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        info.ArgumentList.Add(TestPaths.AppHostAssembly);
        var args = new Dictionary<string, string>
        {
            ["AppHost:DataDirectory"] = dataDirectory,
            ["Dashboard:Port"] = ports["dashboard"].ToString(),
            ["Dashboard:OtlpPort"] = ports["otlp"].ToString(),
        };
        foreach (var resource in new[] { "redis", "postgres", "features", "alerts", "scoring" })
        {
            args[$"Resources:{resource}:Port"] = ports[resource].ToString();
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args[key] = value;
        }
        foreach (var (key, value) in args)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }
        var process = new Process { StartInfo = info };
        var host = new AppHostProcess(process, dataDirectory, ports["dashboard"], ports);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }

    public sealed record ResourceDto(string Name, string Kind, string State, string Health, string Url, int Restarts, int? Pid, string? Message);

    public async Task<IReadOnlyList<ResourceDto>> GetResourcesAsync(CancellationToken cancellationToken)
    {
        var resources = await Http.GetFromJsonAsync<List<ResourceDto>>("/api/resources", Json, cancellationToken);
        return resources ?? [];
    }

    /// <summary>Polls /api/resources until every enabled resource is Running and Healthy.</summary>
    public async Task<IReadOnlyList<ResourceDto>> WaitAllHealthyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        IReadOnlyList<ResourceDto> last = [];
        while (!cts.IsCancellationRequested)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app host exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                last = await GetResourcesAsync(cts.Token);
                if (last.Count > 0 && last.Where(r => r.State != "Disabled").All(r => r.State == "Running" && r.Health == "Healthy"))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cts.IsCancellationRequested)
            {
                // The dashboard is not listening yet.
            }
            await Task.Delay(250, CancellationToken.None);
        }
        throw new TimeoutException("Resources not healthy in time: " +
            string.Join("; ", last.Select(r => $"{r.Name}={r.State}/{r.Health} {r.Message}")) + "\n" + Output);
    }

    /// <summary>Kills the app host outright (SIGKILL): it gets no chance to stop its children.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        _ = kill(_process.Id, 9);
        await _process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>Sends SIGINT (what Ctrl+C sends) and waits for the app host to exit.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, 2);
        }
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Processes, other than the test itself, whose command line or working directory mentions the data
    /// directory or one of this app host's ports, or whose process group is one of <paramref name="groups"/>.</summary>
    public IReadOnlyList<string> LeftoverProcesses(IEnumerable<int> groups)
    {
        var groupSet = groups.ToHashSet();
        var markers = new List<string> { DataDirectory };
        markers.AddRange(Ports.Values.Select(p => ":" + p));
        markers.AddRange(Ports.Values.Select(p => "-p " + p));
        markers.AddRange(Ports.Values.Select(p => "--port " + p));
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Field 5 of /proc/<pid>/stat (after the parenthesised name) is the process group id.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var state = fields[0];
                var pgid = int.Parse(fields[2]);
                if (state == "Z")
                {
                    continue;
                }
                if (groupSet.Contains(pgid) || markers.Any(m => cmdline.Contains(m, StringComparison.Ordinal)))
                {
                    found.Add($"{pid} (pgid {pgid}): {cmdline}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Whether disposing deletes the data directory (not when a later app host reuses it).</summary>
    public bool KeepDataDirectory { get; set; }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            try
            {
                await InterruptAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        Http.Dispose();
        _process.Dispose();
        try
        {
            if (!KeepDataDirectory)
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still being released; the directory is under /tmp.
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
