using FraudEx.AppHost.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace FraudEx.AppHost.Hosting;

/// <summary>Declares the resources of a local run, in Aspire's manner: each named once, wired with references.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    private DistributedApplicationBuilder(string[] args)
    {
        Host = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
    }

    public static DistributedApplicationBuilder Create(string[] args) => new(args);

    /// <summary>The app host's own web host (dashboard, OTLP receiver); its configuration is the app host's.</summary>
    internal WebApplicationBuilder Host { get; }

    public IConfiguration Configuration => Host.Configuration;

    public IReadOnlyList<Resource> Resources => _resources;

    public ResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name))
        {
            throw new ArgumentException($"A resource named '{resource.Name}' is already declared.", nameof(resource));
        }
        resource.Enabled = Configuration.GetValue($"Resources:{resource.Name}:Enabled", true);
        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    /// <summary>A Redis-compatible server; ConnectionStrings:&lt;name&gt; points at an external one instead.</summary>
    public ResourceBuilder<RedisResource> AddRedis(string name, int defaultPort = 16379) =>
        AddResource(new RedisResource(name, Configuration.GetValue($"Resources:{name}:Port", defaultPort),
            Configuration.GetConnectionString(name)));

    /// <summary>A local PostgreSQL cluster under the data directory.</summary>
    public ResourceBuilder<PostgresServerResource> AddPostgres(string name, int defaultPort = 15432) =>
        AddResource(new PostgresServerResource(name, Configuration.GetValue($"Resources:{name}:Port", defaultPort)));

    /// <summary>
    /// A service project run from its build output. The port comes from Resources:&lt;name&gt;:Port, the project
    /// folder from Resources:&lt;name&gt;:ProjectPath when set.
    /// </summary>
    public ResourceBuilder<ProjectResource> AddProject(string name, string projectDirectory, int defaultPort) =>
        AddResource(new ProjectResource(name,
            Configuration[$"Resources:{name}:ProjectPath"] ?? projectDirectory,
            Configuration.GetValue($"Resources:{name}:Port", defaultPort)));

    public DistributedApplication Build() => new(Host, _resources);
}

public static class PostgresBuilderExtensions
{
    /// <summary>
    /// A database in the server, created on first start. When ConnectionStrings:&lt;name&gt; is configured the database
    /// is that external one, and the local server is not started.
    /// </summary>
    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> server, string name)
    {
        var external = server.ApplicationBuilder.Configuration.GetConnectionString(name);
        if (external is not null)
        {
            server.Resource.Enabled = false;
            return server.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, null, external));
        }
        var database = server.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, server.Resource, null));
        return database.WaitFor(server);
    }
}
