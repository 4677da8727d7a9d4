using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// Stand-in for a FraudEx service under the app host: reports the environment it was given, exports spans over the
// OTLP endpoint from OTEL_* variables, and exits with code 3 on POST /crash so the restart path can be tested.
var builder = WebApplication.CreateBuilder(args);
var source = new ActivitySource("FraudEx.AppHost.TestService");
using var tracing = Sdk.CreateTracerProviderBuilder()
    .AddSource(source.Name)
    .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "test-service"))
    .AddOtlpExporter()
    .Build();

var app = builder.Build();
app.MapGet("/health", () => "Healthy");
app.MapGet("/env", () => Environment.GetEnvironmentVariables().Keys.Cast<string>()
    .Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("services__", StringComparison.Ordinal)
        || k.StartsWith("OTEL_", StringComparison.Ordinal) || k == "ASPNETCORE_URLS")
    .ToDictionary(k => k, k => Environment.GetEnvironmentVariable(k)));
app.MapPost("/crash", () =>
{
    _ = Task.Run(async () =>
    {
        await Task.Delay(100);
        Environment.Exit(3);
    });
    return "crashing";
});
app.MapPost("/work", () =>
{
    // ASP.NET Core's own request activity is not sampled here: start a trace of our own.
    Activity.Current = null;
    using (var root = source.StartActivity("TestService/Work", ActivityKind.Server))
    {
        using (source.StartActivity("step.one"))
        {
            Thread.Sleep(2);
        }
        using (source.StartActivity("step.two"))
        {
            Thread.Sleep(1);
        }
        root?.SetTag("work.id", Guid.NewGuid().ToString("N"));
    }
    tracing.ForceFlush(5000);
    return "done";
});
app.Run();
