var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(defaultPort: 5190);
var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
