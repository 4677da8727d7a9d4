// FraudEx.Scoring: fraudex.v1.ScoringService, the product's front door.
using FraudEx.ServiceDefaults;
using FraudEx.ServiceDefaults.Security;

// `FraudEx.Scoring new-api-key <id> <role>[,<role>]` prints a new key and the configuration that accepts it.
if (args is ["new-api-key", var id, var roles])
{
    var (key, entry) = ApiKeyAuthenticator.CreateKey(id, roles.Split(','));
    Console.WriteLine($"key: {key}");
    Console.WriteLine($"Auth__Keys__0__Id={entry.Id}");
    Console.WriteLine($"Auth__Keys__0__Salt={entry.Salt}");
    Console.WriteLine($"Auth__Keys__0__Hash={entry.Hash}");
    for (var i = 0; i < entry.Roles.Count; i++)
    {
        Console.WriteLine($"Auth__Keys__0__Roles__{i}={entry.Roles[i]}");
    }

    return 0;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(defaultPort: ServicePorts.Scoring);
builder.AddScoringServices();

var app = builder.Build();
app.MapGrpcService<FraudEx.Scoring.Grpc.ScoringGrpcService>();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
