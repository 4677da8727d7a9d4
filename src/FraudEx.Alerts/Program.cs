using FraudEx.Alerts;
using FraudEx.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
// Telemetry, health, Kestrel h2c endpoints; 127.0.0.1:5102 unless ASPNETCORE_URLS / --urls say otherwise.
builder.AddServiceDefaults(defaultPort: ServicePorts.Alerts);
// Postgres, migrations, stores, live feed, label forwarding, webhooks.
builder.AddAlertServices();

var app = builder.Build();
app.MapGrpcService<AlertGrpcService>();
app.MapDefaultEndpoints();
app.Run();
