using FraudEx.Scoring.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Scoring.Tests;

public sealed class PolicyRulesSourceTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("fraudex-rules-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task FileChanged_RulesReloaded()
    {
        var path = Path.Combine(dir, "rules.json");
        await File.WriteAllTextAsync(path, """{ "blockedAccounts": ["a1"] }""");
        using var source = new PolicyRulesSource(path, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);
        Assert.Contains("a1", (IReadOnlySet<string>)source.Current.BlockedAccounts);

        await File.WriteAllTextAsync(path, """{ "blockedAccounts": ["a2"] }""");
        await Wait.UntilAsync(() => source.Current.BlockedAccounts.Contains("a2"), "the rules to reload");
        Assert.DoesNotContain("a1", (IReadOnlySet<string>)source.Current.BlockedAccounts);
    }

    [Fact]
    public async Task FileReplacedByRename_RulesReloaded()
    {
        var path = Path.Combine(dir, "rules.json");
        await File.WriteAllTextAsync(path, """{ "blockedMerchants": ["m1"] }""");
        using var source = new PolicyRulesSource(path, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);

        var temp = Path.Combine(dir, "rules.json.tmp");
        await File.WriteAllTextAsync(temp, """{ "blockedMerchants": ["m2"] }""");
        File.Move(temp, path, overwrite: true);
        await Wait.UntilAsync(() => source.Current.BlockedMerchants.Contains("m2"), "the rules to reload");
    }

    [Fact]
    public async Task InvalidEdit_KeepsLastGoodRules()
    {
        var path = Path.Combine(dir, "rules.json");
        await File.WriteAllTextAsync(path, """{ "blockedAccounts": ["a1"] }""");
        using var source = new PolicyRulesSource(path, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);

        await File.WriteAllTextAsync(path, """{ "blockedAccounts": [ """);
        await Task.Delay(400);
        Assert.Contains("a1", (IReadOnlySet<string>)source.Current.BlockedAccounts);
        Assert.Equal(1, source.Version);

        await File.WriteAllTextAsync(path, """{ "blockedAccounts": ["a3"] }""");
        await Wait.UntilAsync(() => source.Current.BlockedAccounts.Contains("a3"), "the fixed rules to load");
    }

    [Fact]
    public void MissingConfiguredFile_FailsAtStart() =>
        Assert.Throws<FileNotFoundException>(() => new PolicyRulesSource(Path.Combine(dir, "absent.json"), TimeProvider.System, NullLogger<PolicyRulesSource>.Instance));

    [Fact]
    public void NoFileConfigured_NoRules()
    {
        using var source = new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance);
        Assert.Same(PolicyRules.Empty, source.Current);
    }
}
