using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// One Score call's trace in the Aspire dashboard, read back through the dashboard's telemetry API (what the services
/// exported over OTLP and the dashboard kept) and shown on its trace page in headless Chromium.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardTests(AppHostFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ScoreCall_OneTraceAcrossScoringRedisAndAlertsInTheDashboard()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transactionId = "apphost-trace-" + Guid.NewGuid().ToString("N");
        var scorerKey = await system.EnvironmentOfAsync("console", "Console__ScorerKey");

        // The caller's span (not exported: the test has no OpenTelemetry SDK) gives the call a trace id known here;
        // the client sends it as traceparent.
        string traceId;
        using (var caller = new Activity("gateway Score call").SetIdFormat(ActivityIdFormat.W3C))
        {
            caller.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            caller.Start();
            traceId = caller.TraceId.ToHexString();
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.ScoringPort}");
            var response = await new ScoringService.ScoringServiceClient(channel).ScoreAsync(
                new ScoreRequest { Transaction = WholeSystemTests.Transaction(transactionId, "acct-" + transactionId, system.BlockedDevice) },
                new Metadata { { "authorization", "Bearer " + scorerKey } }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cts.Token);
            Assert.Equal(Decision.Decline, response.Decision);
        }

        using var http = new HttpClient { BaseAddress = system.DashboardUrl };
        http.DefaultRequestHeaders.Add("x-api-key", system.DashboardApiKey);
        IReadOnlyList<Span> trace = [];
        IReadOnlyList<Span> handOff = [];
        while (!Complete(trace) || !Stored(handOff))
        {
            await Task.Delay(500, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            if (cts.IsCancellationRequested)
            {
                Assert.Fail($"trace {traceId} in the dashboard after {Timeout.TotalSeconds} s: " +
                    string.Join(", ", trace.Select(s => $"{s.Service}/{s.Name}")) +
                    " | hand-off: " + string.Join(", ", handOff.Select(s => $"{s.Service}/{s.Name}")));
            }

            trace = await SpansAsync(http, $"/api/telemetry/traces/{traceId}", cts.Token);
            // The decision's hand-off joins this trace when its batch held only this call's decision; a batch shared
            // with other calls is a trace of its own that links here.
            handOff = trace;
            if (!Stored(trace))
            {
                var ship = (await SpansAsync(http, "/api/telemetry/spans?resource=scoring&limit=2000", cts.Token))
                    .FirstOrDefault(s => s.Name == "decisions.ship" && s.LinkedTraceIds.Contains(traceId));
                handOff = ship is null ? [] : await SpansAsync(http, $"/api/telemetry/traces/{ship.TraceId}", cts.Token);
            }
        }

        // The scorer's server span, its pipeline spans and Redis commands (the feature store runs in process).
        Assert.Contains(trace, s => s.Service == "scoring" && s.Name.Contains("ScoringService/Score", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Service == "scoring" && s.Name == "scoring.onnx_run");
        Assert.Contains(trace, s => s.Service == "scoring" && s.Scope.Contains("StackExchangeRedis", StringComparison.Ordinal));

        // Where the hand-off lands in the browser: the dashboard's own trace page.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ConsoleBrowserTests.ChromiumPath,
            Headless = true,
            Args = ConsoleBrowserTests.ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        page.SetDefaultTimeout(30_000);
        // The testing builder's dashboard asks for its browser token: the URL it hands out logs the browser in.
        await page.GotoAsync(system.DashboardUrl.ToString());
        await page.GotoAsync(new Uri(system.DashboardUrl, $"/traces/detail/{traceId}").ToString());
        var screenshot = Path.Combine(RepositoryPaths.Artifacts("apphost"), "dashboard-score-trace.png");
        try
        {
            await page.GetByText("scoring.onnx_run").First.WaitForAsync();
            if (ReferenceEquals(handOff, trace))
            {
                await page.GetByText("RecordDecisions").First.WaitForAsync();
            }
        }
        finally
        {
            // Also on failure: what the page showed instead.
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        }
    }

    /// <summary>The scorer's side of the call has arrived.</summary>
    private static bool Complete(IReadOnlyList<Span> trace) =>
        trace.Any(s => s.Service == "scoring" && s.Name == "scoring.onnx_run")
        && trace.Any(s => s.Service == "scoring" && s.Scope.Contains("StackExchangeRedis", StringComparison.Ordinal));

    /// <summary>The hand-off reached the alert service and its database: ship span, RecordDecisions, PostgreSQL.</summary>
    private static bool Stored(IReadOnlyList<Span> spans) =>
        spans.Any(s => s.Service == "scoring" && s.Name == "decisions.ship")
        && spans.Any(s => s.Service == "alerts" && s.Name == "RecordDecisions")
        && spans.Any(s => s.Service == "alerts" && s.Scope == "Npgsql");

    private static async Task<IReadOnlyList<Span>> SpansAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var spans = new List<Span>();
        foreach (var resource in json.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault() ?? "";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.TryGetProperty("scope", out var s) && s.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var links = span.TryGetProperty("links", out var l)
                        ? l.EnumerateArray().Select(link => link.GetProperty("traceId").GetString()!.ToLowerInvariant()).ToList()
                        : [];
                    spans.Add(new Span(service, scopeName, span.GetProperty("name").GetString()!,
                        span.GetProperty("traceId").GetString()!.ToLowerInvariant(), links));
                }
            }
        }

        return spans;
    }

    private sealed record Span(string Service, string Scope, string Name, string TraceId, IReadOnlyList<string> LinkedTraceIds);
}
