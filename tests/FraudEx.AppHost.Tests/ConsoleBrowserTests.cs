using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;

namespace FraudEx.AppHost.Tests;

/// <summary>FraudEx.Console in a real headless Chromium: alerts list → alert detail → confirm fraud.</summary>
[Collection(AppHostCollection.Name)]
public sealed class ConsoleBrowserTests(AppHostFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Debian's chromium; Playwright's own browser download is not reachable here.</summary>
    internal const string ChromiumPath = "/usr/bin/chromium";

    internal static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [Fact]
    public async Task Console_ListDetailConfirmFraud_AlertConfirmedAndLabelled()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transactionId = "apphost-browser-" + Guid.NewGuid().ToString("N");
        var account = "acct-" + transactionId;
        var scorerKey = await system.EnvironmentOfAsync("console", "Console__ScorerKey");
        using var scoringChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.ScoringPort}");
        await new ScoringService.ScoringServiceClient(scoringChannel).ScoreAsync(
            new ScoreRequest { Transaction = WholeSystemTests.Transaction(transactionId, account, system.BlockedDevice) },
            new Metadata { { "authorization", "Bearer " + scorerKey } }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cts.Token);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);

        // List: filter by account until the new alert is there (the hand-off to the alert service is asynchronous).
        await page.GotoAsync(system.ConsoleUrl + "/");
        await page.FillAsync("input[name=account]", account);
        while (await page.Locator("#alert-table tbody tr[data-id]").Filter(new() { HasText = account }).CountAsync() == 0)
        {
            await page.ClickAsync("#filters button[type=submit]");
            await Task.Delay(300, cts.Token);
        }
        var alertId = await page.EvalOnSelectorAsync<string>(
            "#alert-table tbody tr[data-id]", "tr => tr.dataset.id");

        // Detail: the transaction, the score, the rule that fired.
        await page.Locator($"#alert-table tbody tr[data-id='{alertId}']").ClickAsync();
        await page.WaitForURLAsync($"**/alert.html?id={alertId}");
        await page.WaitForSelectorAsync("#rules");
        Assert.Contains("RULE_BLOCKED_DEVICE", await page.InnerTextAsync("#rules"));
        Assert.Contains("OPEN", await page.InnerTextAsync("h2"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryPaths.Artifacts("apphost"), "console-alert-detail.png"), FullPage = true });

        // Confirm fraud: the status changes and the page says the label went out.
        await page.ClickAsync("#confirm-fraud");
        await page.WaitForFunctionAsync("() => document.querySelector('h2 .pill')?.textContent === 'CONFIRMED FRAUD'");
        Assert.Contains("label reported", await page.InnerTextAsync("#message"), StringComparison.Ordinal);

        // What the service holds, asked directly.
        var analystKey = await system.EnvironmentOfAsync("console", "Console__AnalystKey");
        using var alertsChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.AlertsPort}");
        var stored = await new AlertService.AlertServiceClient(alertsChannel).GetAlertAsync(new GetAlertRequest { AlertId = alertId },
            new Metadata { { "authorization", "Bearer " + analystKey } }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cts.Token);
        Assert.Equal(AlertStatus.ConfirmedFraud, stored.Alert.Status);
        Assert.True(stored.Alert.Version > 1, $"version {stored.Alert.Version}");
    }
}
