using FraudEx.Scoring.Internal;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Pipeline;

/// <summary>
/// Loads the champion (and optional challenger) model files into a <see cref="ModelHost"/> and loads them again when
/// either file or its manifest changes, without a restart. A file that fails to load or was trained on another
/// feature schema is logged and refused; the models in service stay. Deploy a model by writing it beside the old
/// one and renaming it over it (atomic on one file system), manifest first.
/// </summary>
public sealed class ModelFileWatcher : IDisposable
{
    // A model is written as two files (manifest, .onnx); wait for both writes to settle before loading.
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly string championPath;
    private readonly string? challengerPath;
    private readonly Func<string, IScoringModel> loader;
    private readonly ModelHost host;
    private readonly ILogger logger;
    private readonly List<FileSystemWatcher> watchers = [];
    private readonly ITimer timer;
    private readonly Lock gate = new();
    private long reloads;

    /// <summary>Loads the models now (throwing when the champion cannot be loaded) and starts watching them.</summary>
    public ModelFileWatcher(string championPath, string? challengerPath, Func<string, IScoringModel> loader, ModelHost host,
        TimeProvider timeProvider, ILogger<ModelFileWatcher> logger)
    {
        this.championPath = Path.GetFullPath(championPath);
        this.challengerPath = string.IsNullOrWhiteSpace(challengerPath) ? null : Path.GetFullPath(challengerPath);
        this.loader = loader;
        this.host = host;
        this.logger = logger;
        var champion = loader(this.championPath);
        IScoringModel? challenger = null;
        try
        {
            challenger = this.challengerPath is null ? null : loader(this.challengerPath);
            host.Swap(champion, challenger);
        }
        catch
        {
            champion.Dispose();
            challenger?.Dispose();
            throw;
        }

        timer = timeProvider.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var directory in new[] { this.championPath, this.challengerPath }.OfType<string>().Select(Path.GetDirectoryName).Distinct())
        {
            var watcher = new FileSystemWatcher(directory!)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += OnChanged;
            watcher.Created += OnChanged;
            watcher.Renamed += OnChanged;
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }
    }

    /// <summary>Successful reloads since start.</summary>
    public long Reloads => Interlocked.Read(ref reloads);

    private bool Watched(string path)
    {
        var full = Path.GetFullPath(path);
        return Matches(full, championPath) || (challengerPath is not null && Matches(full, challengerPath));

        static bool Matches(string candidate, string model) =>
            candidate == model || candidate == Path.ChangeExtension(model, ".manifest.json");
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (Watched(e.FullPath))
        {
            timer.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void Reload()
    {
        lock (gate)
        {
            IScoringModel? champion = null;
            IScoringModel? challenger = null;
            var path = championPath;
            try
            {
                champion = loader(championPath);
                path = challengerPath ?? championPath;
                challenger = challengerPath is null ? null : loader(challengerPath);
                host.Swap(champion, challenger);
                Interlocked.Increment(ref reloads);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                champion?.Dispose();
                challenger?.Dispose();
                ScoringLog.ModelRejected(logger, path, e);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var watcher in watchers)
        {
            watcher.Dispose();
        }

        timer.Dispose();
    }
}
