using Aspire.Hosting.ApplicationModel;

namespace FraudEx.Hosting;

/// <summary>
/// A PostgreSQL server from the machine's binaries, running a cluster under a data directory that outlives the run;
/// the cluster is made by a one-shot initdb resource on first start. Local trust authentication on loopback only.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The superuser the cluster is created with (initdb -U).</summary>
    public const string SuperUser = "postgres";

    /// <summary>The cluster's directory (PGDATA).</summary>
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The server's TCP endpoint.</summary>
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>Npgsql's form, to the server's maintenance database.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={SuperUser}");

    internal Dictionary<string, string> Databases { get; } = new(StringComparer.Ordinal);
}

/// <summary>A database in a <see cref="LocalPostgresResource"/>, created when the server is first ready.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    /// <summary>The server.</summary>
    public LocalPostgresResource Parent { get; } = parent;

    /// <summary>The database's name in the server.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The server's connection string with <c>Database=</c> this one.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
