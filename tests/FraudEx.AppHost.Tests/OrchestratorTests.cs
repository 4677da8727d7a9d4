using FraudEx.AppHost.Hosting;
using FraudEx.AppHost.Internal;

namespace FraudEx.AppHost.Tests;

public sealed class OrchestratorTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(50, 30)]
    public void Backoff_ConsecutiveFailures_DoublesUpToThirtySeconds(int failures, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Orchestrator.Backoff(failures));
    }

    [Fact]
    public void Build_FraudExWiring_StopsDependentsBeforeDependencies()
    {
        var builder = DistributedApplicationBuilder.Create(["--AppHost:RepoRoot=" + Infrastructure.TestPaths.RepoRoot]);
        var redis = builder.AddRedis("redis");
        var db = builder.AddPostgres("postgres").AddDatabase("alertsdb");
        var features = builder.AddProject("features", "src/FraudEx.Features", 5101).WithReference(redis).WaitFor(redis);
        var alerts = builder.AddProject("alerts", "src/FraudEx.Alerts", 5102).WithReference(db).WaitFor(db).WithReference(features);
        builder.AddProject("scoring", "src/FraudEx.Scoring", 5100).WithReference(features).WaitFor(features).WithReference(alerts).WaitFor(alerts);
        var orchestrator = new Orchestrator(builder.Resources, new AppHostContext(builder.Configuration), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Orchestrator>.Instance);

        var order = orchestrator.StopOrder().Select(r => r.Name).ToList();

        Assert.True(order.IndexOf("scoring") < order.IndexOf("alerts"));
        Assert.True(order.IndexOf("alerts") < order.IndexOf("features"));
        Assert.True(order.IndexOf("alerts") < order.IndexOf("alertsdb"));
        Assert.True(order.IndexOf("alertsdb") < order.IndexOf("postgres"));
        Assert.True(order.IndexOf("features") < order.IndexOf("redis"));
    }

    [Fact]
    public void AddDatabase_ExternalConnectionString_DisablesLocalServerAndPassesItThrough()
    {
        const string external = "Host=127.0.0.1;Port=6543;Username=app;Database=alertsdb";
        var builder = DistributedApplicationBuilder.Create(["--ConnectionStrings:alertsdb=" + external]);
        var server = builder.AddPostgres("postgres");

        var db = server.AddDatabase("alertsdb");

        Assert.False(server.Resource.Enabled);
        Assert.True(db.Resource.IsExternal);
        Assert.Contains(new KeyValuePair<string, string>("ConnectionStrings__alertsdb", external), db.Resource.GetReferenceEnvironment());
    }
}
