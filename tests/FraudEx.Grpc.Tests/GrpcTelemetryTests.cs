using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudEx.Grpc.Tests.Infrastructure;
using FraudEx.Testing.V1;

namespace FraudEx.Grpc.Tests;

public sealed class GrpcTelemetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
    private ActivityListener _listener = null!;
    private MeterListener _meterListener = null!;
    private GrpcTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "FraudEx.Grpc",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "FraudEx.Grpc")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _meterListener.Start();
        _server = await GrpcTestServer.StartAsync();
        _channel = _server.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _listener.Dispose();
        _meterListener.Dispose();
    }

    [Fact]
    public async Task UnaryCall_ServerSpanContinuesClientTrace()
    {
        using var parent = new Activity("test-parent").SetIdFormat(ActivityIdFormat.W3C).Start();
        parent.TraceStateString = "fraudex=1";

        await _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest()).WaitAsync(Timeout);
        parent.Stop();

        var client = await WaitForSpanAsync(a => a.Kind == ActivityKind.Client && a.TraceId == parent.TraceId);
        var server = await WaitForSpanAsync(a => a.Kind == ActivityKind.Server && a.TraceId == parent.TraceId);
        Assert.Equal("fraudex.testing.v1.ConformanceService/Unary", client.DisplayName);
        Assert.Equal("fraudex.testing.v1.ConformanceService/Unary", server.DisplayName);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal("fraudex=1", server.TraceStateString);
        Assert.Equal("grpc", server.GetTagItem("rpc.system"));
        Assert.Equal("fraudex.testing.v1.ConformanceService", server.GetTagItem("rpc.service"));
        Assert.Equal("Unary", server.GetTagItem("rpc.method"));
        Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(0, client.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task StreamingCall_DoesNotLeaveItsSpanAsCurrent()
    {
        using var parent = new Activity("test-parent").SetIdFormat(ActivityIdFormat.W3C).Start();

        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream, new ServerStreamRequest { Count = 2 });

        Assert.Same(parent, Activity.Current);
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
        {
        }

        var client = await WaitForSpanAsync(a => a.Kind == ActivityKind.Client && a.TraceId == parent.TraceId);
        Assert.Equal(parent.SpanId, client.ParentSpanId);
    }

    [Fact]
    public async Task FailedCall_SpansCarryStatusCode()
    {
        using var parent = new Activity("test-parent").SetIdFormat(ActivityIdFormat.W3C).Start();

        await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { FailWith = new StatusSpec { Code = (int)StatusCode.Internal, Message = "boom" } }).WaitAsync(Timeout));
        parent.Stop();

        var client = await WaitForSpanAsync(a => a.Kind == ActivityKind.Client && a.TraceId == parent.TraceId);
        var server = await WaitForSpanAsync(a => a.Kind == ActivityKind.Server && a.TraceId == parent.TraceId);
        Assert.Equal((int)StatusCode.Internal, client.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, client.Status);
        Assert.Equal(ActivityStatusCode.Error, server.Status);
    }

    [Fact]
    public async Task Calls_RecordDurationHistograms()
    {
        await _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest()).WaitAsync(Timeout);

        // Listeners are process-wide and other test classes run calls in parallel: look for this call's method.
        static bool IsUnary((string Instrument, double Value, KeyValuePair<string, object?>[] Tags) m, string instrument) =>
            m.Instrument == instrument && m.Tags.Any(t => t.Key == "rpc.method" && (string?)t.Value == "Unary");
        var until = DateTime.UtcNow + Timeout;
        while (!(_measurements.Any(m => IsUnary(m, "rpc.server.duration")) && _measurements.Any(m => IsUnary(m, "rpc.client.duration"))))
        {
            Assert.True(DateTime.UtcNow < until, "No rpc.server.duration / rpc.client.duration measurement for Unary.");
            await Task.Delay(10);
        }

        var server = _measurements.First(m => IsUnary(m, "rpc.server.duration"));
        Assert.InRange(server.Value, 0, 30);
        Assert.Contains(server.Tags, t => t.Key == "rpc.service" && (string?)t.Value == "fraudex.testing.v1.ConformanceService");
        Assert.Contains(server.Tags, t => t.Key == "rpc.system" && (string?)t.Value == "grpc");
        Assert.Contains(server.Tags, t => t.Key == "rpc.grpc.status_code");
    }

    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match)
    {
        var until = DateTime.UtcNow + Timeout;
        while (true)
        {
            var found = _activities.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < until, "Span not recorded.");
            await Task.Delay(10);
        }
    }
}
