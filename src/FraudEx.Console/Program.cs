// FraudEx.Console: the analysts' screen. http://127.0.0.1:5180 unless ASPNETCORE_URLS / --urls say otherwise.
using FraudEx.Console.Extensions;

var builder = WebApplication.CreateBuilder(args);
// Telemetry over OTLP, health checks, service discovery of alerts and scoring (Aspire's conventions).
builder.AddConsoleDefaults(defaultUrl: "http://127.0.0.1:5180");
// gRPC clients with the analyst and scorer keys, the live alert feed, the traffic generator.
builder.AddConsoleServices();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapConsoleApi();
app.MapConsoleHealth();
app.Run();
