using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Muster.Data;

/// <summary>
/// Writes for work that touches thousands of rows in one transaction (10,000 escalations due at
/// once), where a tracked SaveChanges costs a statement and its bookkeeping per row. The columns
/// and value conversions come from the EF model, so the rows are the ones SaveChanges would write.
/// </summary>
public static class BulkWrites
{
    // Below SQLite's 32,766 variables a statement and PostgreSQL's 65,535.
    private const int MaxParameters = 30_000;

    /// <summary>
    /// Inserts new rows with multi-row INSERT statements in the current transaction. Keys the
    /// database generates (identity columns) are left to it and not read back.
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

    private static object? ProviderValue(IProperty column, object row)
    {
        var value = column.PropertyInfo?.GetValue(row) ?? column.FieldInfo?.GetValue(row);
        var converter = column.GetTypeMapping().Converter;
        return value is null || converter is null ? value : converter.ConvertToProvider(value);
    }
}
