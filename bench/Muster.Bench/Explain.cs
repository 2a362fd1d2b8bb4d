using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Muster.Data;

namespace Muster.Bench;

/// <summary>
/// Catches the SQL that the app runs for one request of each list scenario (through EF's
/// diagnostic events) and prints the database's plan for it: EXPLAIN QUERY PLAN on SQLite,
/// EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL.
/// </summary>
public static class Explain
{
    public static async Task PrintAsync(IServiceProvider services, HttpClient http, IEnumerable<Scenario> scenarios, Random random, TextWriter output)
    {
        using var capture = new Capture();
        foreach (var scenario in scenarios.Where(s => s.IsList))
        {
            var url = scenario.Url(random);
            capture.Commands.Clear();
            capture.On = true;
            (await http.GetAsync(url)).EnsureSuccessStatusCode();
            capture.On = false;
            await output.WriteLineAsync($"\n### {scenario.Name}: GET {Uri.UnescapeDataString(url)}");
            foreach (var command in capture.Commands.ToArray())
                await PlanAsync(services, command, output);
        }
    }

    private static async Task PlanAsync(IServiceProvider services, Captured command, TextWriter output)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        await db.Database.OpenConnectionAsync();
        await using var explain = db.Database.GetDbConnection().CreateCommand();
        explain.CommandText = (db.IsPostgres ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN QUERY PLAN ") + command.Text;
        foreach (var (name, type, value) in command.Parameters)
        {
            var p = explain.CreateParameter();
            p.ParameterName = name;
            if (type != DbType.Object)
                p.DbType = type;
            p.Value = value ?? DBNull.Value;
            explain.Parameters.Add(p);
        }
        await output.WriteLineAsync("```sql\n" + command.Text.Trim() + "\n-- " +
            string.Join(", ", command.Parameters.Select(p => $"{p.Name}={Show(p.Value)}")) + "\n```\n```");
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            await output.WriteLineAsync(db.IsPostgres ? reader.GetString(0) : $"{reader.GetValue(0)} {reader.GetValue(1)} {reader.GetString(3)}");
        await output.WriteLineAsync("```");
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        Array a => "[" + string.Join(",", a.Cast<object>()) + "]",
        _ => value.ToString() ?? "",
    };

    private sealed record Captured(string Text, IReadOnlyList<(string Name, DbType Type, object? Value)> Parameters);

    private sealed class Capture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly IDisposable all;
        private readonly List<IDisposable> subscriptions = [];

        public Capture() => all = DiagnosticListener.AllListeners.Subscribe(this);

        public volatile bool On;

        public System.Collections.Concurrent.ConcurrentQueue<Captured> Commands { get; } = new();

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                lock (subscriptions)
                    subscriptions.Add(value.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (On && value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data
                && data.Command.CommandText.Contains("\"Incidents\"", StringComparison.Ordinal))
            {
                Commands.Enqueue(new Captured(data.Command.CommandText,
                    data.Command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.DbType, (object?)p.Value)).ToList()));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            all.Dispose();
            lock (subscriptions)
                subscriptions.ForEach(s => s.Dispose());
        }
    }
}
