using FraudEx.Grpc.Tests.Infrastructure;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudEx.Grpc.Tests;

public sealed class GrpcHealthServiceTests : IAsyncLifetime
{
    private const string Check = "/grpc.health.v1.Health/Check";
    private const string Watch = "/grpc.health.v1.Health/Watch";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ToggleHealthCheck _toggle = new();
    private GrpcTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync(
            o => o.HealthWatchInterval = TimeSpan.FromMilliseconds(50),
            s => s.AddHealthChecks().AddCheck("toggle", _toggle, tags: ["fraudex.testing.v1.ConformanceService"]));
        _channel = _server.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Check_OverallAndMappedService_Serving()
    {
        var overall = await _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(Check, new HealthCheckRequest()).WaitAsync(Timeout);
        var service = await _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(Check,
            new HealthCheckRequest { Service = "fraudex.testing.v1.ConformanceService" }).WaitAsync(Timeout);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, service.Status);
    }

    [Fact]
    public async Task Check_UnhealthyCheck_NotServing()
    {
        _toggle.Healthy = false;

        var response = await _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(Check,
            new HealthCheckRequest { Service = "fraudex.testing.v1.ConformanceService" }).WaitAsync(Timeout);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(Check,
            new HealthCheckRequest { Service = "no.Such" }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Watch_StatusChange_IsStreamed()
    {
        using var call = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(Watch,
            new HealthCheckRequest { Service = "fraudex.testing.v1.ConformanceService" });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, call.ResponseStream.Current.Status);
        _toggle.Healthy = false;
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Watch_UnknownService_ServiceUnknown()
    {
        using var call = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(Watch, new HealthCheckRequest { Service = "no.Such" });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Watch_ServerStopping_ReportsNotServingAndEnds()
    {
        using var call = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(Watch, new HealthCheckRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));

        var stopping = _server.App.StopAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, call.ResponseStream.Current.Status);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        await stopping.WaitAsync(Timeout);
    }

    private sealed class ToggleHealthCheck : IHealthCheck
    {
        public volatile bool Healthy = true;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("toggled off"));
    }
}
