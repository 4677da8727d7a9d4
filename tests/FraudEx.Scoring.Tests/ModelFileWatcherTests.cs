using FraudEx.Scoring.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Scoring.Tests;

public sealed class ModelFileWatcherTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("fraudex-models-").FullName;
    private readonly ModelHost host = new(new FakeCatalog(), TimeProvider.System, NullLogger<ModelHost>.Instance);

    public void Dispose()
    {
        host.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>The file holds "version|schema"; loading it makes a fake model with those.</summary>
    private static IScoringModel Load(string path)
    {
        var parts = File.ReadAllText(path).Trim().Split('|');
        return new FakeModel(parts[0], parts.Length > 1 ? parts[1] : "fx-test");
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    [Fact]
    public async Task ModelFileReplaced_NewModelInServiceWithoutRestart()
    {
        var path = Write("fraud.onnx", "fraud-1");
        using var watcher = new ModelFileWatcher(path, null, Load, host, TimeProvider.System, NullLogger<ModelFileWatcher>.Instance);
        Assert.Equal("fraud-1", host.Current.Champion.Version);

        Write("fraud.onnx", "fraud-2");
        await Wait.UntilAsync(() => host.Current.Champion.Version == "fraud-2", "the new model");
        Assert.Equal(1, watcher.Reloads);
    }

    [Fact]
    public async Task ModelOnOtherSchema_RefusedAndOldKept()
    {
        var path = Write("fraud.onnx", "fraud-1");
        using var watcher = new ModelFileWatcher(path, null, Load, host, TimeProvider.System, NullLogger<ModelFileWatcher>.Instance);
        Write("fraud.onnx", "fraud-9|fx-other");
        await Task.Delay(800);
        Assert.Equal("fraud-1", host.Current.Champion.Version);
        Assert.Equal(0, watcher.Reloads);

        Write("fraud.onnx", "fraud-3");
        await Wait.UntilAsync(() => host.Current.Champion.Version == "fraud-3", "the fixed model");
    }

    [Fact]
    public async Task Challenger_LoadedBesideChampionAndReloaded()
    {
        var champion = Write("fraud.onnx", "fraud-1");
        var challenger = Write("challenger.onnx", "fraud-2");
        using var watcher = new ModelFileWatcher(champion, challenger, Load, host, TimeProvider.System, NullLogger<ModelFileWatcher>.Instance);
        Assert.Equal("fraud-2", host.Current.Challenger!.Version);
        Write("challenger.onnx", "fraud-3");
        await Wait.UntilAsync(() => host.Current.Challenger!.Version == "fraud-3", "the new challenger");
        Assert.Equal("fraud-1", host.Current.Champion.Version);
    }

    [Fact]
    public void UnloadableChampionAtStart_Throws()
    {
        var path = Write("fraud.onnx", "fraud-1|fx-other");
        Assert.Throws<InvalidDataException>(() => new ModelFileWatcher(path, null, Load, host, TimeProvider.System, NullLogger<ModelFileWatcher>.Instance));
        Assert.False(host.IsLoaded);
    }

    [Fact]
    public async Task ReplacedModel_DisposedAfterGrace()
    {
        var path = Write("fraud.onnx", "fraud-1");
        using var watcher = new ModelFileWatcher(path, null, Load, host, TimeProvider.System, NullLogger<ModelFileWatcher>.Instance);
        var first = (FakeModel)host.Current.Champion;
        Write("fraud.onnx", "fraud-2");
        await Wait.UntilAsync(() => host.Current.Champion.Version == "fraud-2", "the new model");
        Assert.False(first.Disposed);
    }
}
