using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace FraudEx.Hosting.Internal;

/// <summary>Healthy when <c>SELECT 1</c> runs in the database the connection string names.</summary>
internal sealed class PostgresHealthCheck(string connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Timeout=3;Pooling=false");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
