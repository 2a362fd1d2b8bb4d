using Npgsql;

namespace Muster.Tests.Support;

/// <summary>
/// The database the HTTP suite runs against: SQLite by default, PostgreSQL when
/// MUSTER_TEST_DATABASE=postgres and MUSTER_TEST_PG names a server (test.sh starts one).
/// Each test class gets a database of its own.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public string Provider { get; }
    public string ConnectionString { get; }
    public string DataDir { get; }

    private readonly string? pgDatabase;

    public static bool IsPostgres => Environment.GetEnvironmentVariable("MUSTER_TEST_DATABASE") == "postgres";

    public TestDatabase()
    {
        DataDir = Directory.CreateTempSubdirectory("muster-test-").FullName;
        if (IsPostgres)
        {
            var server = Environment.GetEnvironmentVariable("MUSTER_TEST_PG")
                ?? throw new InvalidOperationException("MUSTER_TEST_DATABASE=postgres needs MUSTER_TEST_PG, such as 'Host=127.0.0.1;Port=5432;Username=postgres'; test.sh sets both.");
            pgDatabase = "muster_" + Guid.NewGuid().ToString("N")[..12];
            using (var connection = new NpgsqlConnection(server))
            {
                connection.Open();
                using var command = new NpgsqlCommand($"CREATE DATABASE {pgDatabase}", connection);
                command.ExecuteNonQuery();
            }
            Provider = "postgres";
            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = pgDatabase }.ConnectionString;
        }
        else
        {
            Provider = "sqlite";
            ConnectionString = $"Data Source={Path.Combine(DataDir, "muster.db")}";
        }
    }

    public void Dispose()
    {
        if (pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("MUSTER_TEST_PG"));
            connection.Open();
            using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {pgDatabase} WITH (FORCE)", connection);
            command.ExecuteNonQuery();
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        try { Directory.Delete(DataDir, recursive: true); }
        catch (IOException) { }
    }
}
