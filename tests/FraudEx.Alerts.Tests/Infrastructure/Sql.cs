using Npgsql;

namespace FraudEx.Alerts.Tests.Infrastructure;

public static class Sql
{
    public static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(timeout.Token), System.Globalization.CultureInfo.InvariantCulture);
    }
}
