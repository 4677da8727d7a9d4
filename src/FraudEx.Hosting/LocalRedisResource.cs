using Aspire.Hosting.ApplicationModel;

namespace FraudEx.Hosting;

/// <summary>
/// A Redis-compatible server run from the machine (redis-server, or Garnet as a dotnet tool): an executable resource
/// with a fixed loopback port and a connection string in StackExchange.Redis's form (<c>127.0.0.1:16379</c>).
/// </summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The server's TCP endpoint.</summary>
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>
    /// <c>127.0.0.1:&lt;port&gt;</c>: the server binds IPv4 loopback only, so the address is spelled out rather than
    /// "localhost" (which a client may try on ::1 first).
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
