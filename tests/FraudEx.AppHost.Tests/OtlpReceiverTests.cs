using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FraudEx.AppHost.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FraudEx.AppHost.Tests;

/// <summary>
/// The app host's OTLP/HTTP receiver fed by the real OpenTelemetry .NET exporter (http/protobuf), read back through
/// the dashboard's JSON API. The app host runs with no resources, as a telemetry sink only.
/// </summary>
public sealed class OtlpReceiverTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private AppHostProcess _host = null!;

    public async Task InitializeAsync()
    {
        _host = AppHostProcess.Start("otlp", new Dictionary<string, string>
        {
            ["Resources:redis:Enabled"] = "false",
            ["Resources:postgres:Enabled"] = "false",
            ["Resources:alertsdb:Enabled"] = "false",
            ["Resources:features:Enabled"] = "false",
            ["Resources:alerts:Enabled"] = "false",
            ["Resources:scoring:Enabled"] = "false",
        });
        try
        {
            await _host.WaitAllHealthyAsync(Timeout);
        }
        catch
        {
            // xUnit does not dispose a fixture whose initialisation failed: stop the app host and remove its directory here.
            await _host.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Uri Otlp(string signal) => new($"http://127.0.0.1:{_host.Ports["otlp"]}/v1/{signal}");

    [Fact]
    public async Task ExportTraces_ParentAndChildren_TraceShowsWaterfallAndLatencyRows()
    {
        var sourceName = "FraudEx.AppHost.Tests." + Guid.NewGuid().ToString("N")[..8];
        using var source = new ActivitySource(sourceName);
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .ConfigureResource(r => r.AddService("otlp-test"))
            .AddOtlpExporter(o => { o.Endpoint = Otlp("traces"); o.Protocol = OtlpExportProtocol.HttpProtobuf; o.ExportProcessorType = ExportProcessorType.Simple; })
            .Build();

        string traceId;
        using (var root = source.StartActivity("fraudex.v1.ScoringService/Score", ActivityKind.Server)!)
        {
            traceId = root.TraceId.ToHexString();
            root.SetTag("rpc.system", "grpc");
            using (source.StartActivity("features", ActivityKind.Client)) { }
            using (var onnx = source.StartActivity("onnx.run"))
            {
                onnx!.SetStatus(ActivityStatusCode.Error, "bad input");
            }
        }
        Assert.True(provider.ForceFlush(10_000));

        var trace = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}").WaitAsync(Timeout);
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(3, spans.Count);
        Assert.Equal("fraudex.v1.ScoringService/Score", spans[0].GetProperty("name").GetString());
        Assert.Equal(0, spans[0].GetProperty("depth").GetInt32());
        Assert.Equal("otlp-test", spans[0].GetProperty("service").GetString());
        Assert.Equal("Server", spans[0].GetProperty("kind").GetString());
        Assert.Equal("grpc", spans[0].GetProperty("attributes").GetProperty("rpc.system").GetString());
        Assert.All(spans.Skip(1), s => Assert.Equal(1, s.GetProperty("depth").GetInt32()));
        var onnxSpan = spans.Single(s => s.GetProperty("name").GetString() == "onnx.run");
        Assert.Equal("Error", onnxSpan.GetProperty("status").GetString());
        Assert.Equal("bad input", onnxSpan.GetProperty("statusMessage").GetString());

        var list = await _host.Http.GetFromJsonAsync<JsonElement>("/api/traces?service=otlp-test").WaitAsync(Timeout);
        Assert.Contains(list.EnumerateArray(), t => t.GetProperty("traceId").GetString() == traceId && t.GetProperty("hasError").GetBoolean());

        var latency = await _host.Http.GetFromJsonAsync<JsonElement>("/api/latency").WaitAsync(Timeout);
        var operations = latency.GetProperty("operations").EnumerateArray()
            .Where(o => o.GetProperty("service").GetString() == "otlp-test").Select(o => o.GetProperty("operation").GetString()).ToList();
        Assert.Contains("fraudex.v1.ScoringService/Score", operations);
        Assert.Contains("onnx.run", operations);
    }

    [Fact]
    public async Task ExportLogs_StructuredLog_ShowsMessageSeverityAndTrace()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("log-test"));
            o.IncludeFormattedMessage = true;
            o.AddProcessor(new SimpleLogRecordExportProcessor(new OtlpLogExporter(new OtlpExporterOptions { Endpoint = Otlp("logs"), Protocol = OtlpExportProtocol.HttpProtobuf })));
        }));
        var marker = Guid.NewGuid().ToString("N");

        loggerFactory.CreateLogger("FraudEx.Test").LogWarning("Decision {Marker} took {Ms} ms", marker, 12);
        loggerFactory.Dispose();

        var logs = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/logs?service=log-test&search={marker}").WaitAsync(Timeout);
        var log = Assert.Single(logs.EnumerateArray());
        Assert.Equal($"Decision {marker} took 12 ms", log.GetProperty("message").GetString());
        Assert.Equal(13, log.GetProperty("severityNumber").GetInt32());
        Assert.Equal("FraudEx.Test", log.GetProperty("category").GetString());
    }

    [Fact]
    public async Task ExportMetrics_CounterAndHistogram_LatestPointsListed()
    {
        var meterName = "FraudEx.AppHost.Tests.Metrics." + Guid.NewGuid().ToString("N")[..8];
        using var meter = new Meter(meterName);
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .ConfigureResource(r => r.AddService("metric-test"))
            .AddOtlpExporter((o, reader) =>
            {
                o.Endpoint = Otlp("metrics");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000;
            })
            .Build();
        var counter = meter.CreateCounter<long>("fraudex.test.decisions");
        var histogram = meter.CreateHistogram<double>("fraudex.test.duration", "ms");

        counter.Add(3, new KeyValuePair<string, object?>("decision", "DECLINE"));
        histogram.Record(2.5);
        histogram.Record(7.5);
        Assert.True(provider.ForceFlush(10_000));

        var metrics = (await _host.Http.GetFromJsonAsync<JsonElement>("/api/metrics?service=metric-test").WaitAsync(Timeout)).EnumerateArray().ToList();
        var decisions = metrics.Single(m => m.GetProperty("name").GetString() == "fraudex.test.decisions");
        Assert.Equal("counter", decisions.GetProperty("type").GetString());
        Assert.Equal(3, decisions.GetProperty("value").GetDouble());
        Assert.Equal("DECLINE", decisions.GetProperty("attributes").GetProperty("decision").GetString());
        var duration = metrics.Single(m => m.GetProperty("name").GetString() == "fraudex.test.duration");
        Assert.Equal(2UL, duration.GetProperty("histogram").GetProperty("count").GetUInt64());
        Assert.Equal(10, duration.GetProperty("histogram").GetProperty("sum").GetDouble());
    }

    [Fact]
    public async Task Post_JsonOrGarbage_RefusedWithPreciseStatus()
    {
        using var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var garbage = new ByteArrayContent([0x0a, 0xff, 0xff, 0xff]);
        garbage.Headers.ContentType = new("application/x-protobuf");

        using var jsonResponse = await _host.Http.PostAsync(Otlp("traces"), json).WaitAsync(Timeout);
        using var garbageResponse = await _host.Http.PostAsync(Otlp("traces"), garbage).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, jsonResponse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, garbageResponse.StatusCode);
    }
}
