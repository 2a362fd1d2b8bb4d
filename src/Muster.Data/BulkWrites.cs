using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Muster.Data;

/// <summary>
/// Writes for work that touches thousands of rows in one transaction (10,000 escalations due at
/// once), where a tracked SaveChanges costs a statement and its bookkeeping per row. The columns
/// and value conversions come from the EF model, so the rows are the ones SaveChanges would write.
/// One statement writes many rows: on SQLite from a JSON array (one parameter), on PostgreSQL as
/// multi-row VALUES (docs/decisions/0017-escalations-read-ahead-and-written-in-bulk.md).
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
        var insert = $"INSERT INTO \"{entity.GetTableName()}\" ({string.Join(", ", columns.Select(c => $"\"{c.GetColumnName()}\""))})";
        if (!db.IsPostgres)
        {
            // One statement and one parameter for the lot: SQLite takes the rows apart from a JSON
            // array of arrays. SQLite finds each parameter of a statement by a search of their names,
            // so many parameters bind in quadratic time (1,000 notifications in one statement: 2 s).
            var select = string.Join(", ", columns.Select((_, i) => $"value ->> {i.ToString(CultureInfo.InvariantCulture)}"));
            var sql = $"{insert} SELECT {select} FROM json_each({{0}})";
            await db.Database.ExecuteSqlRawAsync(sql, [SqliteRows(columns, rows)], ct);
            return;
        }
        foreach (var chunk in rows.Chunk(MaxParameters / columns.Count))
        {
            var sql = new StringBuilder(insert).Append(" VALUES ");
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

    /// <summary>The rows as a JSON array of arrays, each value as Microsoft.Data.Sqlite would bind it.</summary>
    private static string SqliteRows<T>(IReadOnlyList<IProperty> columns, IEnumerable<T> rows) where T : class
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                foreach (var column in columns)
                {
                    switch (ProviderValue(column, row))
                    {
                        case null: json.WriteNullValue(); break;
                        case string text: json.WriteStringValue(text); break;
                        case DateTime time: json.WriteStringValue(time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
                        case bool flag: json.WriteNumberValue(flag ? 1 : 0); break;
                        case int number: json.WriteNumberValue(number); break;
                        case long number: json.WriteNumberValue(number); break;
                        case double number: json.WriteNumberValue(number); break;
                        case var other: throw new NotSupportedException($"{typeof(T).Name}.{column.Name} is a {other.GetType().Name}, which a bulk insert on SQLite does not write.");
                    }
                }
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static object? ProviderValue(IProperty column, object row)
    {
        var value = column.PropertyInfo?.GetValue(row) ?? column.FieldInfo?.GetValue(row);
        var converter = column.GetTypeMapping().Converter;
        return value is null || converter is null ? value : converter.ConvertToProvider(value);
    }
}
