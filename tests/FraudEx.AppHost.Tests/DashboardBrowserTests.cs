using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FraudEx.AppHost.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Playwright;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// The whole system under the app host (real Redis, PostgreSQL and the three services) and the dashboard in a real
/// headless Chromium: resources healthy, a Score call from python3-grpcio traced through its child spans (the feature service's, ONNX Runtime's, the policy's), the
/// latency table filled by a burst of generated traffic. Saves artifacts/apphost/dashboard.png.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    [Fact]
    public async Task Dashboard_WholeSystem_ResourcesHealthyScoreTraceAndLatency()
    {
        await using var host = AppHostProcess.Start("browser", new Dictionary<string, string>
        {
            // The scoring service's 20 ms feature budget guards production latency; on a loaded 2-core test machine
            // it would degrade calls at random, and a degraded call's trace lacks the feature service's spans.
            ["Resources:scoring:Environment:Scoring__FeatureBudget"] = "00:00:02",
        });
        await host.WaitAllHealthyAsync(StartTimeout);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);

        // Every resource shows healthy.
        await page.GotoAsync(host.DashboardUrl + "/#resources");
        await page.WaitForFunctionAsync(
            "() => { const rows = [...document.querySelectorAll('#resource-table tbody tr')];" +
            " return rows.length === 6 && rows.every(r => r.dataset.state === 'Running' && r.dataset.health === 'Healthy'); }");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.ArtifactsDirectory, "resources.png") });

        // A burst of generated traffic through the dashboard's own control.
        await page.FillAsync("#traffic-count", "60");
        await page.ClickAsync("#send-traffic");
        await page.WaitForFunctionAsync("() => /scored/.test(document.querySelector('#traffic-result').textContent)");
        var burst = await page.InnerTextAsync("#traffic-result");
        Assert.StartsWith("60/60 scored", burst);
        var flagged = System.Text.RegularExpressions.Regex.Matches(burst, @"(\d+) (review|decline)").Sum(m => int.Parse(m.Groups[1].Value));

        // Each REVIEW and DECLINE opens an alert, which the live feed (WatchAlerts, relayed over SSE) shows.
        await page.GotoAsync(host.DashboardUrl + "/#alerts");
        await page.WaitForFunctionAsync("() => /watching/.test(document.querySelector('#alert-status').textContent)");
        if (flagged > 0)
        {
            await page.WaitForSelectorAsync("#alert-table tbody tr");
        }

        // A Score call from another gRPC implementation, starting a trace whose id the test chose; the burst before it
        // has warmed the services, so it is not the cold first call that the feature budget may degrade.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var response = await ScoreFromPythonAsync(host.Ports["scoring"], traceId);
        Assert.NotEqual(Decision.Unspecified, response.Decision);
        Assert.False(response.Degraded, "the Score call was degraded: " + response.DegradedReason);

        // The python call's trace, with the spans of each step beneath the Score call.
        var spanNames = await WaitForTraceSpansAsync(host, traceId);
        await page.GotoAsync(host.DashboardUrl + "/#traces");
        await page.ClickAsync($"#trace-table tr[data-trace='{traceId}']");
        await page.WaitForSelectorAsync("#waterfall tr.span-row");
        var shown = await page.EvalOnSelectorAllAsync<string[]>("#waterfall tr.span-row",
            "rows => rows.map(r => (r.dataset.service + ' ' + r.dataset.name).toLowerCase())");
        Assert.Equal(spanNames.Count, shown.Length);
        Assert.StartsWith("scoring fraudex.v1.scoringservice/score", shown[0]);
        Assert.Contains(shown, s => s.StartsWith("features "));
        Assert.Contains(shown, s => s.Contains("onnx"));
        Assert.Contains(shown, s => s.Contains("policy"));
        var scoringRow = page.Locator("#waterfall tr.span-row").First;
        await scoringRow.ClickAsync();
        await page.WaitForSelectorAsync("#span-attrs .attrs");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.ArtifactsDirectory, "dashboard.png") });

        // The latency table fills with the operations of the burst.
        await page.GotoAsync(host.DashboardUrl + "/#latency");
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('#latency-table tbody tr[data-operation]')].some(r => /score/i.test(r.dataset.operation))");
        var rows = await page.Locator("#latency-table tbody tr[data-operation]").CountAsync();
        Assert.True(rows >= 5, $"only {rows} operations in the latency table");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.ArtifactsDirectory, "latency.png") });
    }

    /// <summary>Polls the dashboard API until the trace holds the spans of the feature service, ONNX and the policy.</summary>
    private static async Task<IReadOnlyList<string>> WaitForTraceSpansAsync(AppHostProcess host, string traceId)
    {
        using var cts = new CancellationTokenSource(Timeout);
        List<string> names = [];
        while (!cts.IsCancellationRequested)
        {
            using var response = await host.Http.GetAsync($"/api/traces/{traceId}", cts.Token);
            if (response.IsSuccessStatusCode)
            {
                var trace = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
                names = trace.GetProperty("spans").EnumerateArray()
                    .Select(s => (s.GetProperty("service").GetString() + " " + s.GetProperty("name").GetString()).ToLowerInvariant()).ToList();
                if (new[] { "features ", "onnx", "policy" }.All(k => names.Any(n => n.Contains(k))))
                {
                    return names;
                }
            }
            await Task.Delay(300, CancellationToken.None);
        }
        throw new TimeoutException($"trace {traceId} did not show its child spans; it has: {string.Join(", ", names)}");
    }

    private static async Task<ScoreResponse> ScoreFromPythonAsync(int port, string traceId)
    {
        var request = new ScoreRequest
        {
            Transaction = new Transaction
            {
                TransactionId = "py-" + Guid.NewGuid().ToString("N"),
                AccountId = "acct-py-1",
                MerchantId = "m-001",
                MerchantCategoryCode = "5411",
                AmountMinor = 4_250,
                Currency = "EUR",
                Timestamp = Timestamp.FromDateTime(DateTime.UtcNow),
                Channel = Channel.Pos,
                CardPresent = true,
                Country = "DE",
                MerchantCountry = "DE",
            },
        };
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "tests", "FraudEx.AppHost.Tests", "python", "score.py"));
        info.ArgumentList.Add($"127.0.0.1:{port}");
        info.ArgumentList.Add(Convert.ToHexString(request.ToByteArray()));
        info.ArgumentList.Add($"00-{traceId}-{spanId}-01");
        using var python = Process.Start(info)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(python.ExitCode == 0, "python3-grpcio Score failed: " + await stderr);
        return ScoreResponse.Parser.ParseFrom(Convert.FromHexString((await stdout).Trim()));
    }
}
