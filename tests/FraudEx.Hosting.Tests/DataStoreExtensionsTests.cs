using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using FraudEx.Hosting;
using FraudEx.Hosting.Internal;
using FraudEx.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudEx.Hosting.Tests;

/// <summary>The resources the app host declares, checked in the model and against the machine's real servers.</summary>
public sealed class DataStoreExtensionsTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "fraudex-hosting-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void AddFraudExRedis_NoContainers_LocalServerOnLoopbackWithHealthCheck()
    {
        var builder = Builder("--AppHost:Containers=never", "--Ports:redis=16999");
        var run = LocalRun.From(builder);

        var redis = builder.AddFraudExRedis(run);

        var local = Assert.IsType<LocalRedisResource>(redis.Resource);
        // The port is resolved only once DCP allocated the endpoint; the expression names it.
        Assert.Equal("127.0.0.1:{redis.bindings.tcp.port}", local.ConnectionStringExpression.ValueExpression);
        var endpoint = Assert.Single(local.Annotations.OfType<EndpointAnnotation>());
        Assert.False(endpoint.IsProxied);
        Assert.Equal(16999, endpoint.Port);
        Assert.Single(local.Annotations.OfType<HealthCheckAnnotation>());
        Assert.True(Directory.Exists(Path.Combine(run.DataDirectory, "redis")));
    }

    [Fact]
    public void AddFraudExRedis_ContainersAlways_AspiresOwnRedis()
    {
        var builder = Builder("--AppHost:Containers=always");

        var redis = builder.AddFraudExRedis(LocalRun.From(builder));

        Assert.IsType<Aspire.Hosting.ApplicationModel.RedisResource>(redis.Resource);
    }

    [Fact]
    public void AddFraudExPostgresDatabase_NoContainers_DatabaseInLocalServerAfterOneShotInit()
    {
        var builder = Builder("--AppHost:Containers=never", "--Ports:postgres=15999");

        var alertsdb = builder.AddFraudExPostgresDatabase(LocalRun.From(builder));

        var database = Assert.IsType<LocalPostgresDatabaseResource>(alertsdb.Resource);
        Assert.Equal("{postgres.connectionString};Database=alertsdb", database.ConnectionStringExpression.ValueExpression);
        Assert.Equal("Host=127.0.0.1;Port={postgres.bindings.tcp.port};Username=postgres", database.Parent.ConnectionStringExpression.ValueExpression);
        Assert.Equal(15999, database.Parent.Annotations.OfType<EndpointAnnotation>().Single().Port);
        var server = database.Parent;
        Assert.Equal(Path.Combine(_data, "postgres"), server.DataDirectory);
        var wait = Assert.Single(server.Annotations.OfType<WaitAnnotation>());
        Assert.Equal("postgres-init", wait.Resource.Name);
        Assert.Equal(WaitType.WaitForCompletion, wait.WaitType);
    }

    [Fact]
    public async Task InitScript_RunTwice_CreatesTheClusterOnceThenReusesIt()
    {
        var bin = Tools.PostgresBinDirectory();
        Assert.NotNull(bin);
        var cluster = Path.Combine(_data, "pg");
        Directory.CreateDirectory(_data);

        var first = await ChildProcess.RunAsync("/bin/sh", ["-c", PostgresCommands.InitScript(Tools.IsRoot), "postgres-init", cluster, bin!], TimeSpan.FromMinutes(2));
        var second = await ChildProcess.RunAsync("/bin/sh", ["-c", PostgresCommands.InitScript(Tools.IsRoot), "postgres-init", cluster, bin!], TimeSpan.FromMinutes(1));

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(File.Exists(Path.Combine(cluster, "PG_VERSION")));
        Assert.Contains("creating a cluster", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("reusing the cluster", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisPingHealthCheck_RealServerThenStopped_HealthyThenUnhealthy()
    {
        await using var server = await RedisServer.StartAsync();
        var check = new RedisPingHealthCheck("127.0.0.1", server.Port);

        var up = await check.CheckHealthAsync(new HealthCheckContext());
        await server.StopAsync();
        var down = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, up.Status);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
    }

    [Theory]
    [InlineData("http://127.0.0.1:18888", true)]
    [InlineData("http://localhost:18888;http://[::1]:18888", true)]
    [InlineData("http://0.0.0.0:18888", false)]
    [InlineData("http://127.0.0.1:18888;http://10.0.0.5:18888", false)]
    public void AllLoopback_DashboardAddresses(string urls, bool expected) => Assert.Equal(expected, StartupReport.AllLoopback(urls));

    private IDistributedApplicationBuilder Builder(params string[] args) =>
        DistributedApplication.CreateBuilder([$"--AppHost:DataDirectory={_data}", $"--AppHost:RepoRoot={RepositoryPaths.Root}", .. args]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cluster made as the postgres user may not be removable by this user; it is under /tmp.
        }
    }
}
