using FraudEx.Features.Bench;
using FraudEx.Features.Grpc;
using FraudEx.ServiceDefaults;

// `dotnet run -c Release --project src/FraudEx.Features -- bench [options]` measures the store against a local Redis.
if (args is ["bench", .. var benchArgs])
{
    return await FeatureBenchmark.RunAsync(benchArgs);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(defaultPort: ServicePorts.Features);
builder.AddFeatureServices();

var app = builder.Build();
app.MapGrpcService<FeatureGrpcService>();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
