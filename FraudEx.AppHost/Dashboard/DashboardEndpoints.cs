using System.Text.Json;
using System.Text.Json.Serialization;
using FraudEx.AppHost.Hosting;
using FraudEx.AppHost.Internal;
using FraudEx.AppHost.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FraudEx.AppHost.Dashboard;

/// <summary>The dashboard page (embedded static files) and its JSON APIs under /api.</summary>
public static class DashboardEndpoints
{
    public static IServiceCollection AddDashboardServices(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddSingleton<IAlertWatcher, GrpcAlertWatcher>();
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton<TrafficGenerator>();
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => StaticFile("index.html"));
        endpoints.MapGet("/{file:regex(^[a-z]+\\.(js|css|svg)$)}", (string file) => StaticFile(file));

        var api = endpoints.MapGroup("/api");
        api.MapGet("/resources", (IReadOnlyList<Resource> resources) => resources.Select(ToDto));
        api.MapGet("/resources/{name}/console", (string name, long? after, int? max, IReadOnlyList<Resource> resources) =>
            resources.FirstOrDefault(r => r.Name == name) is { } resource
                ? Results.Ok(resource.Console.Read(after ?? 0, Math.Clamp(max ?? 500, 1, 2000)))
                : Results.NotFound());
        api.MapGet("/traces", (int? limit, string? service, string? search, TelemetryStore store) =>
            store.GetTraces(Math.Clamp(limit ?? 100, 1, 1000), service, search));
        api.MapGet("/traces/{traceId}", (string traceId, TelemetryStore store) =>
            store.GetTrace(traceId) is { } spans ? Results.Ok(TraceView.Layout(spans)) : Results.NotFound());
        api.MapGet("/latency", (TelemetryStore store) => new
        {
            windowSeconds = store.Limits.LatencyWindowSeconds,
            operations = store.GetLatency(),
        });
        api.MapGet("/logs", (long? after, int? max, string? service, string? search, TelemetryStore store) =>
            store.GetLogs(after ?? 0, Math.Clamp(max ?? 200, 1, 2000), service, search));
        api.MapGet("/metrics", (string? service, TelemetryStore store) => store.GetMetrics(service));
        api.MapGet("/summary", (TelemetryStore store, AppHostContext context) => new
        {
            dashboard = context.DashboardUrl,
            otlpEndpoint = context.OtlpEndpoint,
            otlpProtocol = "http/protobuf",
            traces = store.TraceCount,
            spansReceived = store.SpansReceived,
            spansDropped = store.SpansDropped,
            logsReceived = store.LogsReceived,
            metricPointsReceived = store.MetricPointsReceived,
        });
        api.MapGet("/alerts", (AlertFeed feed) => new { connected = feed.Connected, status = feed.Status, alerts = feed.Recent() });
        api.MapGet("/alerts/stream", (HttpContext http, AlertFeed feed) => feed.StreamAsync(http));
        api.MapPost("/traffic", async (int? count, TrafficGenerator traffic, CancellationToken cancellationToken) =>
        {
            var n = count ?? 50;
            if (n is < 1 or > 10_000)
            {
                return Results.BadRequest(new { error = "count must be between 1 and 10000" });
            }
            try
            {
                return Results.Ok(await traffic.SendBurstAsync(n, cancellationToken).ConfigureAwait(false));
            }
            catch (InvalidOperationException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        return endpoints;
    }

    private static object ToDto(Resource r) => new
    {
        name = r.Name,
        kind = r.Kind,
        state = r.State,
        health = r.Health,
        url = r.Url,
        restarts = r.Restarts,
        pid = r.ProcessId,
        exitCode = r.ExitCode,
        message = r.Message,
        startedAt = r.StartedAt,
        lastHealthCheck = r.LastHealthCheck,
        waitsFor = r.WaitsFor.Select(d => d.Name),
        references = r.References.Select(d => d.Name),
    };

    private static readonly Dictionary<string, string> ContentTypes = new()
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private static IResult StaticFile(string name)
    {
        var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("wwwroot/" + name);
        return stream is null
            ? Results.NotFound()
            : Results.Stream(stream, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
    }

    internal static readonly JsonSerializerOptions SseJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}

/// <summary>A trace's spans in waterfall order: each parent followed by its children, with depth and offsets.</summary>
public static class TraceView
{
    public sealed record Row(SpanRecord Span, int Depth, double OffsetMs);

    public static object Layout(IReadOnlyList<SpanRecord> spans)
    {
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .GroupBy(s => s.ParentSpanId!)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartUnixNano).ToList());
        var rows = new List<Row>();
        void Walk(SpanRecord span, int depth)
        {
            rows.Add(new Row(span, depth, (span.StartUnixNano - start) / 1_000_000.0));
            foreach (var child in children.GetValueOrDefault(span.SpanId) ?? [])
            {
                Walk(child, depth + 1);
            }
        }
        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartUnixNano))
        {
            Walk(root, 0);
        }
        return new
        {
            traceId = spans[0].TraceId,
            durationMs = Math.Max(0, end - start) / 1_000_000.0,
            spans = rows.Select(r => new
            {
                spanId = r.Span.SpanId,
                parentSpanId = r.Span.ParentSpanId,
                name = r.Span.Name,
                service = r.Span.Service,
                kind = r.Span.Kind,
                scope = r.Span.Scope,
                status = r.Span.Status,
                statusMessage = r.Span.StatusMessage,
                depth = r.Depth,
                offsetMs = r.OffsetMs,
                durationMs = r.Span.DurationMs,
                attributes = r.Span.Attributes,
                events = r.Span.Events.Select(e => new { e.Name, offsetMs = (e.TimeUnixNano - start) / 1_000_000.0, e.Attributes }),
            }),
        };
    }
}
