using System.Security.Cryptography;
using Npgsql;

namespace FraudEx.Alerts.Internal;

/// <summary>Secrets every replica must share (so a page token made by one replica verifies on another). The first
/// replica to ask creates the value; the rest read it.</summary>
internal static class ServiceSecrets
{
    public static async Task<byte[]> GetOrCreateAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH created AS (
                INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
            SELECT value FROM created UNION ALL SELECT value FROM service_secrets WHERE name = $1 LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = RandomNumberGenerator.GetBytes(32) });
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return (byte[])value!;
    }
}
