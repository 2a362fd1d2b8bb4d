using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>The hand-written migrations must build exactly the schema the model describes.</summary>
public sealed class SchemaTests
{
    [Fact]
    public async Task The_migrated_schema_equals_the_models()
    {
        using var migrated = new TestDatabase();
        using var created = new TestDatabase();
        await using (var db = Open(migrated))
            await db.Database.MigrateAsync();
        await using (var db = Open(created))
            await db.Database.EnsureCreatedAsync();

        var fromMigrations = await DescribeAsync(migrated);
        var fromModel = await DescribeAsync(created);

        Assert.NotEmpty(fromModel);
        Assert.Contains(fromModel, line => line.StartsWith("column Incidents.Impact_AffectedUsers", StringComparison.Ordinal));
        Assert.Equal(fromModel, fromMigrations);
    }

    private static MusterDb Open(TestDatabase database)
    {
        var options = new DbContextOptionsBuilder<MusterDb>();
        options.UseMuster(database.Provider, database.ConnectionString);
        return new MusterDb(options.Options);
    }

    /// <summary>Tables, columns (type, nullability, default), keys, foreign keys and indexes, one line each, sorted.</summary>
    private static async Task<List<string>> DescribeAsync(TestDatabase database)
    {
        await using var db = Open(database);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var lines = database.Provider == "postgres" ? await PostgresAsync(connection) : await SqliteAsync(connection);
        return lines.Where(l => !l.Contains("__EFMigrations", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> SqliteAsync(DbConnection connection)
    {
        var lines = new List<string>();
        var tables = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        foreach (var table in tables.Select(t => t[0]))
        {
            lines.Add($"table {table}");
            foreach (var c in await QueryAsync(connection, $"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"))
                lines.Add($"column {table}.{c[0]} {c[1]} notnull={c[2]} default={c[3]} pk={c[4]}");
            foreach (var f in await QueryAsync(connection, $"SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
                lines.Add($"fk {table}.{f[0]} -> {f[1]}.{f[2]} on delete {f[3]}");
            foreach (var i in await QueryAsync(connection, $"SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin = 'c'"))
            {
                var columns = await QueryAsync(connection, $"SELECT name FROM pragma_index_info('{i[0]}') ORDER BY seqno");
                lines.Add($"index {table}.{i[0]} unique={i[1]} ({string.Join(", ", columns.Select(c => c[0]))})");
            }
            var sql = (await QueryAsync(connection, $"SELECT sql FROM sqlite_master WHERE name = '{table}'"))[0][0];
            lines.Add($"autoincrement {table} {sql.Contains("AUTOINCREMENT", StringComparison.Ordinal)}");
        }
        return lines;
    }

    private static async Task<List<string>> PostgresAsync(DbConnection connection)
    {
        var lines = new List<string>();
        foreach (var c in await QueryAsync(connection, """
            SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), is_identity, coalesce(character_maximum_length::text, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            """))
            lines.Add($"column {c[0]}.{c[1]} {c[2]}({c[6]}) nullable={c[3]} default={c[4]} identity={c[5]}");
        foreach (var i in await QueryAsync(connection, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"))
            lines.Add($"index {i[0]}.{i[1]} {i[2]}");
        foreach (var f in await QueryAsync(connection, """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace
            """))
            lines.Add($"constraint {f[0]}.{f[1]} {f[2]}");
        return lines;
    }

    private static async Task<List<string[]>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!).ToArray());
        return rows;
    }
}
