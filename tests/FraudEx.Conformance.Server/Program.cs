var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(defaultPort: 5199);
var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
