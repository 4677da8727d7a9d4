using Npgsql;

namespace FraudEx.Hosting.Internal;

/// <summary>The shell and SQL behind the local PostgreSQL resources.</summary>
internal static class PostgresCommands
{
    /// <summary>setpriv's prefix that runs a program as the postgres user with its groups.</summary>
    public static readonly string[] SetprivAsPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"];

    /// <summary>Where Debian 12's postgresql package puts the binaries.</summary>
    public const string DebianBinDirectory = "/usr/lib/postgresql/15/bin";

    /// <summary>Installs Debian's postgresql package (root only); its own system cluster is left alone.</summary>
    public const string AptInstallScript =
        "set -e; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql";

    /// <summary>
    /// The init resource's script ($1 the cluster directory, $2 the binaries): reuses a cluster that exists, else runs
    /// initdb (trust on loopback: the server listens on 127.0.0.1 only and has no socket directory).
    /// </summary>
    public static string InitScript(bool asRoot)
    {
        var prefix = asRoot ? "setpriv " + string.Join(' ', SetprivAsPostgres) + " " : "";
        var own = asRoot ? "chown postgres:postgres \"$1\" && " : "";
        return "set -e; mkdir -p \"$1\"; " + own + "chmod 700 \"$1\"; " +
               "if [ -f \"$1/PG_VERSION\" ]; then echo \"reusing the cluster in $1\"; exit 0; fi; " +
               "echo \"creating a cluster in $1\"; " +
               "exec " + prefix + "\"$2/initdb\" -D \"$1\" -U postgres --auth=trust --encoding=UTF8 --no-locale";
    }

    public static async Task CreateDatabaseIfMissingAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(maintenanceConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.AddWithValue(database);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }
        }
        // CREATE DATABASE takes no parameters: the name is quoted as an identifier.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
