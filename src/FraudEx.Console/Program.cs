// FraudEx.Console: the analysts' screen. http://127.0.0.1:5180 unless ASPNETCORE_URLS / --urls say otherwise.
using FraudEx.Console.Extensions;
using FraudEx.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
// Telemetry over OTLP, health checks, service discovery: FraudEx's service defaults, for a browser-facing web app.
builder.AddWebAppDefaults(defaultPort: ServicePorts.Console);
// gRPC clients with the analyst and scorer keys, the live alert feed, the traffic generator.
builder.AddConsoleServices();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapConsoleApi();
app.MapWebAppDefaultEndpoints();
app.Run();
