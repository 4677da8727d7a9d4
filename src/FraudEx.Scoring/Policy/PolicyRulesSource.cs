using FraudEx.Scoring.Internal;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Policy;

/// <summary>
/// Holds the current <see cref="PolicyRules"/> and reloads them when the rules file changes. A file that fails to
/// parse is logged and ignored: the last good rules stay in force, so a typo never opens the gate.
/// </summary>
public sealed class PolicyRulesSource : IDisposable
{
    // Editors save in several steps (truncate, write, rename); wait for the burst of events to settle.
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    private readonly string? path;
    private readonly ILogger logger;
    private readonly FileSystemWatcher? watcher;
    private readonly ITimer? debounceTimer;
    private volatile PolicyRules current;
    private long version;

    /// <summary>Loads <paramref name="path"/> (null or empty: no rules) and watches it for changes.</summary>
    public PolicyRulesSource(string? path, TimeProvider timeProvider, ILogger<PolicyRulesSource> logger)
    {
        this.logger = logger;
        if (string.IsNullOrWhiteSpace(path))
        {
            current = PolicyRules.Empty;
            return;
        }

        this.path = Path.GetFullPath(path);
        if (!File.Exists(this.path))
        {
            throw new FileNotFoundException($"The policy rules file '{this.path}' (Scoring:Policy:RulesFile) does not exist.", this.path);
        }

        // The first load must succeed: starting without the configured rules would be silent fail-open.
        current = PolicyRules.Parse(File.ReadAllText(this.path));
        version = 1;
        ScoringLog.PolicyRulesLoaded(logger, this.path, current.BlockedAccounts.Count + current.BlockedDevices.Count
            + current.BlockedMerchants.Count + current.BlockedIps.Count, current.AmountLimitsMinor.Count);

        debounceTimer = timeProvider.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        watcher = new FileSystemWatcher(Path.GetDirectoryName(this.path)!, Path.GetFileName(this.path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += OnChanged;
        watcher.Created += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>The rules in force.</summary>
    public PolicyRules Current => current;

    /// <summary>Number of successful loads so far (1 after start with a file); lets callers see a reload happen.</summary>
    public long Version => Interlocked.Read(ref version);

    /// <summary>Raised after the rules were reloaded successfully.</summary>
    public event Action? Reloaded;

    private void OnChanged(object sender, FileSystemEventArgs e) => debounceTimer?.Change(Debounce, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        try
        {
            current = PolicyRules.Parse(File.ReadAllText(path!));
            Interlocked.Increment(ref version);
            ScoringLog.PolicyRulesLoaded(logger, path!, current.BlockedAccounts.Count + current.BlockedDevices.Count
                + current.BlockedMerchants.Count + current.BlockedIps.Count, current.AmountLimitsMinor.Count);
            Reloaded?.Invoke();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            ScoringLog.PolicyRulesRejected(logger, path!, e.Message);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        watcher?.Dispose();
        debounceTimer?.Dispose();
    }
}
