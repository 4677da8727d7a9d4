using FraudEx.AppHost.Internal;

namespace FraudEx.AppHost.Hosting;

/// <summary>Where a resource is in its life, as the dashboard shows it.</summary>
public enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Exited,
    Restarting,
    FailedToStart,
    Stopping,
    Stopped,
    Disabled,
}

public enum HealthStatus
{
    Unknown,
    Healthy,
    Unhealthy,
}

/// <summary>
/// One named thing the app host runs or connects to: a server, a database in it, or a service project. A resource
/// knows how to get ready, how to tell it is healthy and what it gives the resources that reference it.
/// </summary>
public abstract class Resource(string name)
{
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    /// <summary>A short type name for display ("redis", "postgres", "database", "project").</summary>
    public abstract string Kind { get; }

    /// <summary>Resources whose connection strings or endpoints this one is given.</summary>
    public List<Resource> References { get; } = [];

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>Extra environment variables of the resource's process (<c>WithEnvironment</c>).</summary>
    public Dictionary<string, Func<AppHostContext, string>> EnvironmentVariables { get; } = [];

    /// <summary>Set from configuration (Resources:&lt;name&gt;:Enabled=false) to leave a resource out of a run.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to show for the resource (a URL or connection target).</summary>
    public abstract string Url { get; }

    public ConsoleLog Console { get; } = new(capacity: 2000, TimeProvider.System);

    public ResourceState State { get; private set; } = ResourceState.Waiting;
    public HealthStatus Health { get; private set; } = HealthStatus.Unknown;
    public string? Message { get; private set; }
    public int Restarts { get; internal set; }
    public int? ProcessId { get; internal set; }
    public int? ExitCode { get; internal set; }
    public DateTimeOffset? StartedAt { get; internal set; }
    public DateTimeOffset? LastHealthCheck { get; private set; }

    /// <summary>Completes the first time the resource is healthy: what <see cref="WaitsFor"/> waits on.</summary>
    internal TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void SetState(ResourceState state, string? message = null)
    {
        lock (_gate)
        {
            State = state;
            Message = message;
            if (state is not ResourceState.Running)
            {
                Health = HealthStatus.Unknown;
            }
        }
    }

    internal void SetHealth(HealthStatus health, DateTimeOffset at)
    {
        lock (_gate)
        {
            Health = health;
            LastHealthCheck = at;
        }
    }

    /// <summary>Gets the resource ready to start: finds or installs binaries, creates data directories.</summary>
    internal virtual Task PrepareAsync(AppHostContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The process to run, or null for a resource without one (a database in a server, an external server).</summary>
    internal virtual ProcessSpec? CreateProcess(AppHostContext context) => null;

    /// <summary>Work to do once the resource's process is up, before it counts as started (creating a database).</summary>
    internal virtual Task OnStartedAsync(AppHostContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    internal abstract Task<bool> CheckHealthAsync(AppHostContext context, CancellationToken cancellationToken);

    /// <summary>Environment variables a project that references this resource receives (Aspire's conventions).</summary>
    internal virtual IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() => [];
}
