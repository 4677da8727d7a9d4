// FraudEx.Scoring: fraudex.v1.ScoringService, the product's front door.
using FraudEx.Grpc;
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(defaultPort: 5100);
builder.AddScoringServices();

var app = builder.Build();
app.MapGrpcService<FraudEx.Scoring.Grpc.ScoringGrpcService>();
app.MapDefaultEndpoints();
app.Run();
