using System.Collections.Concurrent;
using FraudEx.AppHost.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.AppHost.Internal;

/// <summary>
/// Starts every resource once the resources it waits for are healthy, watches health, restarts a service that exits
/// (with exponential backoff), and on shutdown stops everything it started, dependents first.
/// </summary>
internal sealed partial class Orchestrator(
    IReadOnlyList<Resource> resources,
    AppHostContext context,
    TimeProvider time,
    ILogger<Orchestrator> logger) : IHostedService
{
    private static readonly TimeSpan StartupProbeInterval = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan HealthProbeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    // A service that stayed up this long has recovered: its next crash starts the backoff over.
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, ChildProcess> _processes = new();
    private readonly Lock _gate = new();
    private readonly List<Task> _runs = [];
    private readonly ProcessLedger _ledger = new(context.DataDirectory);
    private bool _stopRequested;

    public IReadOnlyList<Resource> Resources => resources;

    /// <summary>Completes when every enabled resource has been healthy once.</summary>
    public Task AllReady => Task.WhenAll(resources.Select(r => r.Ready.Task));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        System.Console.Out.WriteLine($"FraudEx app host: dashboard {context.DashboardUrl}  (OTLP/HTTP receiver {context.OtlpEndpoint})");
        System.Console.Out.WriteLine($"  data directory {context.DataDirectory}");
        var reaped = await _ledger.ReapAsync(cancellationToken).ConfigureAwait(false);
        if (reaped > 0)
        {
            System.Console.Out.WriteLine($"  stopped {reaped} process group(s) left running by an earlier run that did not stop cleanly");
        }
        foreach (var resource in resources)
        {
            _runs.Add(Task.Run(() => RunAsync(resource, _stopping.Token), CancellationToken.None));
        }
        _ = AnnounceReadyAsync();
    }

    private async Task AnnounceReadyAsync()
    {
        try
        {
            await AllReady.WaitAsync(_stopping.Token).ConfigureAwait(false);
            var running = resources.Count(r => r.Enabled);
            System.Console.Out.WriteLine($"All {running} resources are running. Dashboard: {context.DashboardUrl}  (Ctrl+C stops everything)");
        }
        catch (OperationCanceledException)
        {
            // Stopped before everything was up.
        }
    }

    private async Task RunAsync(Resource resource, CancellationToken stopping)
    {
        if (!resource.Enabled)
        {
            resource.SetState(ResourceState.Disabled, "disabled by configuration");
            resource.Ready.TrySetResult();
            return;
        }
        try
        {
            resource.SetState(ResourceState.Waiting, WaitingMessage(resource));
            await Task.WhenAll(resource.WaitsFor.Select(d => d.Ready.Task)).WaitAsync(stopping).ConfigureAwait(false);
            resource.SetState(ResourceState.Starting);
            await resource.PrepareAsync(context, stopping).ConfigureAwait(false);
            await SuperviseAsync(resource, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            if (resource.State is ResourceState.Waiting or ResourceState.Starting)
            {
                resource.SetState(ResourceState.Stopped);
            }
        }
        catch (Exception e)
        {
            resource.SetState(ResourceState.FailedToStart, e.Message);
            resource.Console.Append("apphost", "failed to start: " + e.Message);
            LogFailedToStart(resource.Name, e.Message);
            System.Console.Out.WriteLine($"  {resource.Name,-10} FAILED: {e.Message}");
        }
    }

    private static string? WaitingMessage(Resource resource) =>
        resource.WaitsFor.Count == 0 ? null : "waiting for " + string.Join(", ", resource.WaitsFor.Select(d => d.Name));

    private async Task SuperviseAsync(Resource resource, CancellationToken stopping)
    {
        var consecutiveFailures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var spec = resource.CreateProcess(context);
            ChildProcess? process = null;
            if (spec is not null)
            {
                lock (_gate)
                {
                    if (_stopRequested)
                    {
                        return;
                    }
                    process = ChildProcess.Start(spec, resource.Console);
                    _processes[resource.Name] = process;
                    // The assembly path tells a service apart from any other dotnet process that may reuse its pid.
                    _ledger.Record(process.Pid, spec.FileName == "dotnet" && spec.Arguments.Count > 0 ? spec.Arguments[0] : spec.FileName);
                }
                resource.Console.Append("apphost", $"started pid {process.Pid}: {spec.CommandLine}");
                LogStarted(resource.Name, process.Pid);
            }
            resource.ProcessId = process?.Pid;
            resource.ExitCode = null;
            resource.StartedAt = time.GetUtcNow();
            resource.SetState(ResourceState.Starting);

            if (await WaitUntilHealthyAsync(resource, process, stopping).ConfigureAwait(false))
            {
                resource.SetState(ResourceState.Running);
                resource.SetHealth(HealthStatus.Healthy, time.GetUtcNow());
                if (resource.Ready.TrySetResult())
                {
                    System.Console.Out.WriteLine($"  {resource.Name,-10} {resource.Url,-48} running");
                }
                await MonitorAsync(resource, process, stopping).ConfigureAwait(false);
            }
            if (process is null || stopping.IsCancellationRequested)
            {
                return;
            }

            var exitCode = await process.Exited.ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            process.Kill();
            _processes.TryRemove(resource.Name, out _);
            resource.ExitCode = exitCode;
            resource.Restarts++;
            consecutiveFailures = time.GetUtcNow() - resource.StartedAt > StableAfter ? 1 : consecutiveFailures + 1;
            var delay = Backoff(consecutiveFailures);
            resource.SetState(ResourceState.Restarting, $"exited with code {exitCode}; restart {resource.Restarts} in {delay.TotalSeconds:0.#} s");
            resource.Console.Append("apphost", $"exited with code {exitCode}; restarting in {delay.TotalSeconds:0.#} s");
            LogRestarting(resource.Name, exitCode, delay.TotalSeconds);
            System.Console.Out.WriteLine($"  {resource.Name,-10} exited with code {exitCode}; restart {resource.Restarts} in {delay.TotalSeconds:0.#} s");
            await Task.Delay(delay, time, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>1 s, 2 s, 4 s ... up to 30 s between restarts of a service that keeps failing.</summary>
    internal static TimeSpan Backoff(int consecutiveFailures) =>
        TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Max(0, consecutiveFailures - 1))));

    /// <summary>Probes until healthy; false when the process exits first.</summary>
    private async Task<bool> WaitUntilHealthyAsync(Resource resource, ChildProcess? process, CancellationToken stopping)
    {
        var started = false;
        while (!stopping.IsCancellationRequested)
        {
            if (process is { Exited.IsCompleted: true })
            {
                return false;
            }
            try
            {
                if (!started)
                {
                    // Setup work that needs the process up (creating a database) is retried until it succeeds.
                    await resource.OnStartedAsync(context, stopping).ConfigureAwait(false);
                    started = true;
                }
                if (await resource.CheckHealthAsync(context, stopping).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                resource.SetState(ResourceState.Starting, e.Message);
            }
            var exited = process?.Exited ?? Task.FromResult(0);
            await Task.WhenAny(process is null ? Task.Delay(StartupProbeInterval, time, stopping) : Task.WhenAny(exited, Task.Delay(StartupProbeInterval, time, stopping))).ConfigureAwait(false);
        }
        return false;
    }

    private async Task MonitorAsync(Resource resource, ChildProcess? process, CancellationToken stopping)
    {
        var exited = process?.Exited ?? Task.Delay(Timeout.Infinite, stopping);
        while (!stopping.IsCancellationRequested && !exited.IsCompleted)
        {
            await Task.WhenAny(exited, Task.Delay(HealthProbeInterval, time, stopping)).ConfigureAwait(false);
            if (stopping.IsCancellationRequested || exited.IsCompleted)
            {
                return;
            }
            bool healthy;
            try
            {
                healthy = await resource.CheckHealthAsync(context, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                healthy = false;
            }
            if (!stopping.IsCancellationRequested && !exited.IsCompleted)
            {
                resource.SetHealth(healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy, time.GetUtcNow());
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopRequested = true;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        System.Console.Out.WriteLine("Stopping resources...");
        foreach (var resource in StopOrder())
        {
            if (!_processes.TryRemove(resource.Name, out var process))
            {
                if (resource.State is not (ResourceState.Disabled or ResourceState.FailedToStart))
                {
                    resource.SetState(ResourceState.Stopped);
                }
                continue;
            }
            resource.SetState(ResourceState.Stopping);
            try
            {
                await process.StopAsync(StopGrace, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                process.Kill();
            }
            resource.ExitCode = process.Exited.IsCompletedSuccessfully ? process.Exited.Result : null;
            resource.SetState(ResourceState.Stopped);
            LogStopped(resource.Name, process.Pid);
            System.Console.Out.WriteLine($"  {resource.Name,-10} stopped");
        }
        _ledger.Clear();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Dependents before what they depend on: the reverse of a topological order of waits and references.</summary>
    internal IReadOnlyList<Resource> StopOrder()
    {
        var order = new List<Resource>();
        var visited = new HashSet<Resource>();
        void Visit(Resource r)
        {
            if (!visited.Add(r))
            {
                return;
            }
            foreach (var dependency in r.WaitsFor.Concat(r.References))
            {
                Visit(dependency);
            }
            order.Add(r);
        }
        foreach (var r in resources)
        {
            Visit(r);
        }
        order.Reverse();
        return order;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Resource} started as pid {Pid}")]
    private partial void LogStarted(string resource, int pid);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Resource} exited with code {ExitCode}; restarting in {DelaySeconds} s")]
    private partial void LogRestarting(string resource, int exitCode, double delaySeconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "{Resource} failed to start: {Reason}")]
    private partial void LogFailedToStart(string resource, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Resource} (pid {Pid}) stopped")]
    private partial void LogStopped(string resource, int pid);
}
