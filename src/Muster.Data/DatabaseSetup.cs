using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Muster.Data;

public static class DatabaseSetup
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static DbContextOptionsBuilder UseMuster(this DbContextOptionsBuilder options, string provider, string connectionString)
    {
        if (provider == Postgres)
            options.UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(MusterDb).Assembly.GetName().Name));
        else
            options.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.Instance);
        // Migrations are written by hand with no model snapshot; the schema test guards drift.
        return options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }

    /// <summary>
    /// WAL with synchronous=FULL: a commit is on disk before a client hears it was accepted,
    /// which is what survives kill -9 and power loss.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();
        private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
