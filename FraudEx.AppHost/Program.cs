using FraudEx.AppHost.Hosting;

// FraudEx's local system as a wiring diagram: each resource named once, each service given what it references and
// started only once what it waits for is healthy. Ports, data directory and external servers come from
// configuration (docs/apphost.md).
var builder = DistributedApplicationBuilder.Create(args);

var redis = builder.AddRedis("redis");
var alertsdb = builder.AddPostgres("postgres").AddDatabase("alertsdb");

var features = builder.AddProject("features", "src/FraudEx.Features", defaultPort: 5101)
    .WithReference(redis).WaitFor(redis);

var alerts = builder.AddProject("alerts", "src/FraudEx.Alerts", defaultPort: 5102)
    .WithReference(alertsdb).WaitFor(alertsdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(features);

builder.AddProject("scoring", "src/FraudEx.Scoring", defaultPort: 5100)
    .WithReference(redis).WaitFor(redis)
    .WithReference(features).WaitFor(features)
    .WithReference(alerts).WaitFor(alerts)
    // The decision spool is per process: each run keeps its own under the data directory.
    .WithEnvironment("DecisionSpool__Directory", run => Path.Combine(run.DataDirectory, "scoring", "decision-spool"));

await using var app = builder.Build();
await app.RunAsync();
