using System.Net.Http.Json;
using System.Text.Json;
using FraudEx.AppHost.Tests.Infrastructure;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// The app host as a developer runs it, with real redis-server and PostgreSQL and a stand-in service in the place of
/// the feature service: start order, the environment a service is given, restart after a crash, and Ctrl+C.
/// </summary>
public sealed class AppHostOrchestrationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly Dictionary<string, string> StandIn = new()
    {
        ["Resources:features:ProjectPath"] = TestPaths.TestServiceProject,
        ["Resources:alerts:Enabled"] = "false",
        ["Resources:scoring:Enabled"] = "false",
    };

    private static AppHostProcess StartWithStandIn(string name) => AppHostProcess.Start(name, StandIn);

    [Fact]
    public async Task Start_RedisPostgresAndService_AllHealthyAndServiceGivenConventions()
    {
        await using var host = StartWithStandIn("env");

        var resources = await host.WaitAllHealthyAsync(Timeout);

        Assert.Equal(["redis", "postgres", "alertsdb", "features"], resources.Where(r => r.State == "Running").Select(r => r.Name));
        using var service = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Ports["features"]}"), Timeout = Timeout };
        var env = await service.GetFromJsonAsync<Dictionary<string, string>>("/env").WaitAsync(Timeout);
        Assert.Equal($"127.0.0.1:{host.Ports["redis"]}", env!["ConnectionStrings__redis"]);
        Assert.Equal($"http://127.0.0.1:{host.Ports["features"]}", env["ASPNETCORE_URLS"]);
        Assert.Equal($"http://127.0.0.1:{host.Ports["otlp"]}", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", env["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("features", env["OTEL_SERVICE_NAME"]);
        Assert.Contains("service.instance.id=features", env["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Contains("FraudEx app host: dashboard", host.Output);
        Assert.Contains($"features   http://127.0.0.1:{host.Ports["features"]}", host.Output);

        // The stand-in exports its spans over the OTLP endpoint it was given: they reach the dashboard.
        using var work = await service.PostAsync("/work", null).WaitAsync(Timeout);
        work.EnsureSuccessStatusCode();
        var traces = await host.Http.GetFromJsonAsync<JsonElement>("/api/traces?service=features&search=TestService/Work").WaitAsync(Timeout);
        var traceId = traces.EnumerateArray().First().GetProperty("traceId").GetString();
        var trace = await host.Http.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}").WaitAsync(Timeout);
        Assert.Equal(["TestService/Work", "step.one", "step.two"], trace.GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task ServiceCrashes_RestartedAndHealthyAgain()
    {
        await using var host = StartWithStandIn("restart");
        var before = (await host.WaitAllHealthyAsync(Timeout)).Single(r => r.Name == "features");
        using var service = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Ports["features"]}"), Timeout = Timeout };

        using var crash = await service.PostAsync("/crash", null).WaitAsync(Timeout);
        using var cts = new CancellationTokenSource(Timeout);
        AppHostProcess.ResourceDto after;
        do
        {
            await Task.Delay(200, cts.Token);
            after = (await host.GetResourcesAsync(cts.Token)).Single(r => r.Name == "features");
        }
        while (!(after.Restarts == 1 && after.State == "Running" && after.Health == "Healthy"));

        Assert.NotEqual(before.Pid, after.Pid);
        var console = await host.Http.GetFromJsonAsync<JsonElement>("/api/resources/features/console").WaitAsync(Timeout);
        Assert.Contains(console.EnumerateArray(), l => l.GetProperty("text").GetString()!.Contains("exited with code 3"));
    }

    [Fact]
    public async Task SigInt_StopsEverythingItStarted_NoProcessLeftBehind()
    {
        var host = StartWithStandIn("sigint");
        await using var _ = host;
        var resources = await host.WaitAllHealthyAsync(Timeout);
        var groups = resources.Where(r => r.Pid is not null).Select(r => r.Pid!.Value).ToList();
        Assert.Equal(3, groups.Count); // redis-server, postgres, the service
        Assert.NotEmpty(host.LeftoverProcesses(groups));

        var exitCode = await host.InterruptAsync(Timeout);

        Assert.Equal(0, exitCode);
        Assert.Contains("Stopping resources", host.Output);
        Assert.Empty(host.LeftoverProcesses(groups));
    }

    [Fact]
    public async Task AppHostKilled_NextRunStopsItsLeftoversAndStarts()
    {
        var first = StartWithStandIn("killed");
        first.KeepDataDirectory = true;
        var groups = (await first.WaitAllHealthyAsync(Timeout)).Where(r => r.Pid is not null).Select(r => r.Pid!.Value).ToList();
        await first.KillAsync(Timeout);
        await first.DisposeAsync();
        Assert.NotEmpty(first.LeftoverProcesses(groups));

        await using var second = AppHostProcess.StartAgain(first, StandIn);
        var resources = await second.WaitAllHealthyAsync(Timeout);

        Assert.Contains("left running by an earlier run", second.Output);
        Assert.DoesNotContain(second.LeftoverProcesses(groups), p => groups.Any(g => p.Contains($"(pgid {g})", StringComparison.Ordinal)));
        Assert.All(resources.Where(r => r.Pid is not null), r => Assert.DoesNotContain(r.Pid!.Value, groups));
    }
}
