using FraudEx.Hosting;
using FraudEx.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace FraudEx.Hosting.Tests;

public sealed class ApiKeyTests
{
    [Fact]
    public void Create_KeyInScorersFormat_AcceptedByItsAuthenticatorWithTheRole()
    {
        var key = ApiKey.Create("console-scorer", "scorer");
        var authenticator = Authenticator(key);

        Assert.StartsWith("console-scorer.", key.Key, StringComparison.Ordinal);
        Assert.Equal(43, key.Key.Length - "console-scorer.".Length);
        Assert.Equal(AuthOutcome.Allowed, authenticator.Authenticate("Bearer " + key.Key, ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Forbidden, authenticator.Authenticate("Bearer " + key.Key, ApiRole.Analyst).Outcome);
        Assert.Equal(AuthOutcome.Invalid, authenticator.Authenticate("Bearer " + key.Key[..^1] + "x", ApiRole.Scorer).Outcome);
    }

    [Fact]
    public void RunKeys_EachRunNewKeys_NeverPrintedByToString()
    {
        var a = new RunKeys();
        var b = new RunKeys();

        Assert.NotEqual(a.ConsoleAnalyst.Key, b.ConsoleAnalyst.Key);
        Assert.NotEqual(a.ConsoleAnalyst.Salt, b.ConsoleAnalyst.Salt);
        Assert.DoesNotContain(a.Admin.Key, a.Admin.ToString(), StringComparison.Ordinal);
        Assert.Equal(["scoring-service"], a.ScoringService.Roles);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void WriteKeysFile_OwnerOnly_HoldsThePlaintextKeys()
    {
        var keys = new RunKeys();
        var path = Path.Combine(Path.GetTempPath(), "fraudex-keys-" + Guid.NewGuid().ToString("N"), "keys.env");
        try
        {
            keys.WriteKeysFile(path);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Contains("FRAUDEX_SCORER_KEY=" + keys.ConsoleScorer.Key, File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Create_IdWithDot_Refused() => Assert.Throws<ArgumentException>(() => ApiKey.Create("a.b", "scorer"));

    private static ApiKeyAuthenticator Authenticator(ApiKey key) =>
        new(new StaticOptions(new ApiKeyOptions
        {
            Keys = [new ApiKeyEntry { Id = key.Id, Salt = key.Salt, Hash = key.Hash, Roles = [.. key.Roles] }],
        }));

    private sealed class StaticOptions(ApiKeyOptions value) : IOptionsMonitor<ApiKeyOptions>
    {
        public ApiKeyOptions CurrentValue => value;

        public ApiKeyOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ApiKeyOptions, string?> listener) => null;
    }
}
