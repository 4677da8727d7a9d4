using FraudEx.ServiceDefaults.Security;

namespace FraudEx.Scoring.Tests;

public sealed class ApiKeyAuthenticatorTests
{
    private static (ApiKeyAuthenticator Auth, string Scorer, string Analyst, string Admin, TestOptionsMonitor<ApiKeyOptions> Options) Create()
    {
        var scorer = ApiKeyAuthenticator.CreateKey("gw", "scorer");
        var analyst = ApiKeyAuthenticator.CreateKey("jane", "analyst");
        var admin = ApiKeyAuthenticator.CreateKey("ops", "admin");
        var options = new TestOptionsMonitor<ApiKeyOptions>(new ApiKeyOptions { Keys = [scorer.Entry, analyst.Entry, admin.Entry] });
        return (new ApiKeyAuthenticator(options), scorer.Key, analyst.Key, admin.Key, options);
    }

    [Fact]
    public void ScorerKey_MayScore()
    {
        var (auth, scorer, _, _, _) = Create();
        Assert.Equal(new AuthResult(AuthOutcome.Allowed, "gw"), auth.Authenticate("Bearer " + scorer, ApiRole.Scorer));
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate(scorer, ApiRole.Scorer).Outcome);
    }

    [Fact]
    public void MissingKey_IsMissing()
    {
        var (auth, _, _, _, _) = Create();
        Assert.Equal(AuthOutcome.Missing, auth.Authenticate(null, ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Missing, auth.Authenticate("  ", ApiRole.Scorer).Outcome);
    }

    [Fact]
    public void WrongOrTamperedKey_IsInvalid()
    {
        var (auth, scorer, _, _, _) = Create();
        Assert.Equal(AuthOutcome.Invalid, auth.Authenticate("Bearer gw.wrong", ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Invalid, auth.Authenticate("Bearer nobody." + scorer.Split('.')[1], ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Invalid, auth.Authenticate("Bearer " + scorer + "x", ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Invalid, auth.Authenticate("nodot", ApiRole.Scorer).Outcome);
    }

    [Fact]
    public void AnalystKey_MayNotScore()
    {
        var (auth, _, analyst, _, _) = Create();
        Assert.Equal(new AuthResult(AuthOutcome.Forbidden, "jane"), auth.Authenticate("Bearer " + analyst, ApiRole.Scorer));
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate("Bearer " + analyst, ApiRole.Analyst).Outcome);
    }

    [Fact]
    public void AdminKey_MayDoEverything()
    {
        var (auth, _, _, admin, _) = Create();
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate("Bearer " + admin, ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate("Bearer " + admin, ApiRole.Admin).Outcome);
    }

    [Fact]
    public void StoredEntry_HoldsNoKeyMaterial()
    {
        var (key, entry) = ApiKeyAuthenticator.CreateKey("gw", "scorer");
        var secret = key.Split('.')[1];
        Assert.DoesNotContain(secret, entry.Hash + entry.Salt);
        Assert.Equal(32, Convert.FromBase64String(entry.Hash).Length);
    }

    /// <summary>The format operators, the app host and the test suites rely on (docs/security.md, the auth
    /// contract): key = "&lt;id&gt;.&lt;base64url of 32 random bytes&gt;", salt 16 random bytes, hash SHA-256(salt ‖ UTF-8 key),
    /// both base64. The suites make their keys with CreateKey, so this pins what they would no longer notice.</summary>
    [Fact]
    public void CreateKey_FollowsTheDocumentedFormat()
    {
        var (key, entry) = ApiKeyAuthenticator.CreateKey("gw", "scorer", "analyst");

        Assert.Matches("^gw\\.[A-Za-z0-9_-]{43}$", key);
        var salt = Convert.FromBase64String(entry.Salt);
        Assert.Equal(16, salt.Length);
        Assert.Equal(
            Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData([.. salt, .. System.Text.Encoding.UTF8.GetBytes(key)])),
            entry.Hash);
        Assert.Equal(["scorer", "analyst"], entry.Roles);
    }

    [Fact]
    public void NoKeys_IsDevelopmentMode()
    {
        var auth = new ApiKeyAuthenticator(new TestOptionsMonitor<ApiKeyOptions>(new ApiKeyOptions()));
        Assert.True(auth.DevelopmentMode);
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate(null, ApiRole.Admin).Outcome);
    }

    [Fact]
    public void KeysChangedInConfiguration_TakeEffect()
    {
        var (auth, scorer, _, _, options) = Create();
        var replacement = ApiKeyAuthenticator.CreateKey("gw2", "scorer");
        options.Set(new ApiKeyOptions { Keys = [replacement.Entry] });
        Assert.Equal(AuthOutcome.Invalid, auth.Authenticate(scorer, ApiRole.Scorer).Outcome);
        Assert.Equal(AuthOutcome.Allowed, auth.Authenticate(replacement.Key, ApiRole.Scorer).Outcome);
    }

    [Fact]
    public void BadConfiguration_IsRefused()
    {
        var entry = new ApiKeyEntry { Id = "x", Salt = "not base64!", Hash = "", Roles = ["scorer"] };
        Assert.Throws<FormatException>(() => new ApiKeyAuthenticator(new TestOptionsMonitor<ApiKeyOptions>(new ApiKeyOptions { Keys = [entry] })));
        var role = ApiKeyAuthenticator.CreateKey("y", "superuser").Entry;
        Assert.Throws<FormatException>(() => new ApiKeyAuthenticator(new TestOptionsMonitor<ApiKeyOptions>(new ApiKeyOptions { Keys = [role] })));
    }
}
