using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Muster.Data;

/// <summary>
/// Writes for work that touches thousands of rows in one transaction (10,000 escalations due at
/// once), where a tracked SaveChanges costs a statement and its bookkeeping per row. The columns
/// and value conversions come from the EF model, so the rows are the ones SaveChanges would write.
/// Each database gets the shape it writes fastest: on SQLite one prepared statement run once per
/// row, on PostgreSQL multi-row statements (docs/decisions/0017-escalations-read-ahead-and-written-in-bulk.md).
/// </summary>
public static class BulkWrites
{
    // PostgreSQL allows 65,535 parameters to a statement.
    private const int MaxParameters = 30_000;

    /// <summary>
    /// Inserts new rows in the current transaction. Keys the database generates (identity columns)
    /// are left to it and not read back.
    /// </summary>
    public static async Task InsertManyAsync<T>(this MusterDb db, IReadOnlyCollection<T> rows, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        if (entity.GetComplexProperties().Any())
            throw new NotSupportedException($"{typeof(T).Name} has complex properties, which a bulk insert does not write.");
        var columns = entity.GetProperties().Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd)).ToList();
        var head = $"INSERT INTO \"{entity.GetTableName()}\" ({string.Join(", ", columns.Select(c => $"\"{c.GetColumnName()}\""))}) VALUES ";
        if (!db.IsPostgres)
        {
            var one = head + "(" + string.Join(", ", columns.Select((_, i) => $"@p{i}")) + ")";
            ExecuteEach(db, one, rows.Select(row => columns.Select(c => ProviderValue(c, row)).ToArray()));
            return;
        }
        foreach (var chunk in rows.Chunk(MaxParameters / columns.Count))
        {
            var sql = new StringBuilder(head);
            var values = new List<object?>(chunk.Length * columns.Count);
            foreach (var row in chunk)
            {
                sql.Append(values.Count == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    sql.Append(c == 0 ? "{" : ", {").Append(values.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
                    values.Add(ProviderValue(columns[c], row));
                }
                sql.Append(')');
            }
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), values!, ct);
        }
    }

    /// <summary>
    /// Sets <paramref name="properties"/> of existing rows, found by their primary key, to the values
    /// the objects carry, in the current transaction: the outcomes of a thousand messages sent are
    /// one commit, not a thousand tracked updates. A row that no longer exists is skipped.
    /// </summary>
    public static async Task UpdateManyAsync<T>(this MusterDb db, IReadOnlyCollection<T> rows, IReadOnlyList<string> properties, CancellationToken ct = default)
        where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var key = entity.FindPrimaryKey()?.Properties.SingleOrDefault() ?? throw new NotSupportedException($"{typeof(T).Name} has no single-column key.");
        var columns = properties.Select(p => entity.FindProperty(p) ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {p}.")).ToList();
        var table = entity.GetTableName();
        if (!db.IsPostgres)
        {
            var one = $"UPDATE \"{table}\" SET {string.Join(", ", columns.Select((c, i) => $"\"{c.GetColumnName()}\" = @p{i}"))} WHERE \"{key.GetColumnName()}\" = @p{columns.Count}";
            ExecuteEach(db, one, rows.Select(row => columns.Append(key).Select(c => ProviderValue(c, row)).ToArray()));
            return;
        }
        // One statement per chunk: UPDATE ... FROM (VALUES ...). Each value is cast to its column's
        // type, since a parameter that is null in the first row would otherwise be read as text.
        var all = columns.Prepend(key).ToList();
        var names = string.Join(", ", all.Select(c => $"\"{c.GetColumnName()}\""));
        var set = string.Join(", ", columns.Select(c => $"\"{c.GetColumnName()}\" = v.\"{c.GetColumnName()}\""));
        foreach (var chunk in rows.Chunk(MaxParameters / all.Count))
        {
            var sql = new StringBuilder($"UPDATE \"{table}\" AS t SET {set} FROM (VALUES ");
            var values = new List<object?>(chunk.Length * all.Count);
            foreach (var row in chunk)
            {
                sql.Append(values.Count == 0 ? "(" : ", (");
                for (var c = 0; c < all.Count; c++)
                {
                    sql.Append(c == 0 ? "CAST({" : ", CAST({").Append(values.Count.ToString(CultureInfo.InvariantCulture)).Append("} AS ").Append(all[c].GetColumnType()).Append(')');
                    values.Add(ProviderValue(all[c], row));
                }
                sql.Append(')');
            }
            sql.Append($") AS v({names}) WHERE t.\"{key.GetColumnName()}\" = v.\"{key.GetColumnName()}\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), values!, ct);
        }
    }

    /// <summary>
    /// Runs one statement (parameters <c>@p0</c>, <c>@p1</c>...) once for each row of values, prepared
    /// once, in the current transaction: on SQLite the fastest way to write many rows. SQLite binds
    /// a statement's parameters by name, so one statement with thousands of them binds in quadratic
    /// time (1,000 notifications in one statement took 2 s). Microsoft.Data.Sqlite runs the async
    /// forms synchronously anyway, so this saves a task a row.
    /// </summary>
    private static void ExecuteEach(MusterDb db, string sql, IEnumerable<object?[]> rows)
    {
        using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        DbParameter[]? parameters = null;
        foreach (var row in rows)
        {
            if (parameters is null)
            {
                parameters = new DbParameter[row.Length];
                for (var i = 0; i < row.Length; i++)
                {
                    parameters[i] = command.CreateParameter();
                    parameters[i].ParameterName = $"@p{i.ToString(CultureInfo.InvariantCulture)}";
                    command.Parameters.Add(parameters[i]);
                }
                command.Prepare();
            }
            for (var i = 0; i < row.Length; i++)
                parameters[i].Value = row[i] ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
    }

    private static object? ProviderValue(IProperty column, object row)
    {
        var value = column.PropertyInfo?.GetValue(row) ?? column.FieldInfo?.GetValue(row);
        var converter = column.GetTypeMapping().Converter;
        return value is null || converter is null ? value : converter.ConvertToProvider(value);
    }
}
