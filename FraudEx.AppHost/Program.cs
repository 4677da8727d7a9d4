using FraudEx.Hosting;

// FraudEx's local system as a wiring diagram: each resource named once; WithReference hands a resource's address or
// connection string to the one that uses it, WaitFor holds a start until what it cannot work without is healthy.
var builder = DistributedApplication.CreateBuilder(args);
var run = LocalRun.From(builder);
var keys = new RunKeys();

// Redis and PostgreSQL: Aspire's containers where a container runtime answers, else the machine's servers.
var redis = builder.AddFraudExRedis(run);
var alertsdb = builder.AddFraudExPostgresDatabase(run);

var features = builder.AddProject<Projects.FraudEx_Features>("features")
    .WithServiceGcBudget()
    .WithLoopbackEndpoint(ServiceExtensions.GrpcEndpoint, run.PortOf("features", 5101))
    .WithHttpHealthCheck("/health", endpointName: ServiceExtensions.GrpcEndpoint)
    .WithReference(redis).WaitFor(redis)
    .WithAcceptedApiKeys(keys.ScoringService, keys.AlertsService, keys.ConsoleAnalyst, keys.Admin);

// Alerts runs its migrations at start, so it waits for its database; labels reach the feature service through an
// outbox, so features may come later.
var alerts = builder.AddProject<Projects.FraudEx_Alerts>("alerts")
    .WithServiceGcBudget()
    .WithLoopbackEndpoint(ServiceExtensions.GrpcEndpoint, run.PortOf("alerts", 5102))
    .WithHttpHealthCheck("/health", endpointName: ServiceExtensions.GrpcEndpoint)
    .WithReference(alertsdb).WaitFor(alertsdb)
    .WithReference(features)
    .WithAcceptedApiKeys(keys.ScoringService, keys.ConsoleAnalyst, keys.Admin)
    .WithClientApiKey(keys.AlertsService);

// The scorer waits for nothing: without Redis or the feature service it answers degraded scores, and decisions wait
// in its spool (one directory per run) until the alert service takes them.
var scoring = builder.AddProject<Projects.FraudEx_Scoring>("scoring")
    .WithServiceGcBudget()
    .WithLoopbackEndpoint(ServiceExtensions.GrpcEndpoint, run.PortOf("scoring", 5100))
    .WithHttpHealthCheck("/health", endpointName: ServiceExtensions.GrpcEndpoint)
    .WithReference(redis)
    .WithReference(features)
    .WithReference(alerts)
    .WithEnvironment("DecisionSpool__Directory", Path.Combine(run.RunDirectory, "scoring-spool"))
    .WithAcceptedApiKeys(keys.ConsoleScorer, keys.ConsoleAnalyst, keys.Admin)
    .WithClientApiKey(keys.ScoringService);

// The analysts' web app: alerts, case work, live feed, demo traffic.
builder.AddProject<Projects.FraudEx_Console>("console")
    .WithLoopbackEndpoint("http", run.PortOf("console", 5180), http2: false)
    .WithHttpHealthCheck("/health", endpointName: "http")
    .WithReference(alerts)
    .WithReference(scoring)
    .WithEnvironment("Console__AnalystKey", keys.ConsoleAnalyst.Key)
    .WithEnvironment("Console__ScorerKey", keys.ConsoleScorer.Key)
    .WithTrafficCommands();

builder.AddStartupReport(run, keys);
await builder.Build().RunAsync();
