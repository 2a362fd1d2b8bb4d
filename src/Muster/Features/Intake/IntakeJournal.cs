using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// On SQLite, accepted events are written to a file of their own beside the database
/// (<c>muster.db</c> → <c>muster.intake.db</c>), so that an intake commit never waits for the
/// correlator, the work runner or a person's save, which all share the main file's one write lock;
/// and none of them waits for intake. The correlator reads the journal in order, records how far it
/// got (<see cref="CursorKey"/>) in the same main-database commit as what the events did, and the
/// rows it has done are then deleted here. On PostgreSQL, whose row locks let intake and the other
/// writers commit side by side, events go to the <c>AlertEvents</c> table as before (ADR 0018).
/// </summary>
public sealed class IntakeJournal : IDisposable
{
    /// <summary>The main database's setting that holds the last journal sequence number correlated.</summary>
    public const string CursorKey = "intake-journal-cursor";

    private const string Schema = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=FULL;
        CREATE TABLE IF NOT EXISTS Events (
            Seq INTEGER PRIMARY KEY AUTOINCREMENT,
            IntegrationId TEXT NOT NULL,
            ReceivedAt INTEGER NOT NULL,
            Action TEXT NOT NULL,
            DedupKey TEXT NOT NULL,
            Summary TEXT, Source TEXT, Severity TEXT, GroupKey TEXT, Payload TEXT);
        """;

    private readonly Lock writeLock = new();
    private readonly Lock readLock = new();
    private SqliteConnection? readerConnection;
    private readonly string? connectionString;
    private SqliteConnection? writer;
    private SqliteCommand? insert;
    private long forgetUpTo;
    private long forgotten;

    public IntakeJournal(IOptions<MusterOptions> options)
    {
        var current = options.Value;
        if (current.Database.Provider != DatabaseSetup.Sqlite)
            return;
        var main = new SqliteConnectionStringBuilder(current.ConnectionString);
        if (string.IsNullOrEmpty(main.DataSource) || main.DataSource == ":memory:" || main.Mode == SqliteOpenMode.Memory)
            return;
        Path = System.IO.Path.ChangeExtension(System.IO.Path.GetFullPath(main.DataSource), ".intake.db");
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>False on PostgreSQL: events are rows of <c>AlertEvents</c> there.</summary>
    public bool Enabled => connectionString is not null;

    public string? Path { get; }

    private SqliteConnection Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = Schema + "PRAGMA busy_timeout=10000;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Writes the events in one transaction, synced to disk before it returns; the rows the
    /// correlator has finished with are deleted in the same commit. Called by the one intake writer.
    /// </summary>
    public void Append(IEnumerable<AlertEvent> events)
    {
        lock (writeLock)
        {
            if (writer is null)
            {
                writer = Open();
                insert = writer.CreateCommand();
                insert.CommandText = """
                    INSERT INTO Events (IntegrationId, ReceivedAt, Action, DedupKey, Summary, Source, Severity, GroupKey, Payload)
                    VALUES ($i, $r, $a, $d, $su, $so, $se, $g, $p)
                    """;
                foreach (var name in new[] { "$i", "$r", "$a", "$d", "$su", "$so", "$se", "$g", "$p" })
                    insert.Parameters.Add(new SqliteParameter { ParameterName = name });
                insert.Prepare();
            }
            using var transaction = writer.BeginTransaction();
            insert!.Transaction = transaction;
            var p = insert.Parameters;
            foreach (var e in events)
            {
                p[0].Value = e.IntegrationId;
                p[1].Value = e.ReceivedAt.Ticks;
                p[2].Value = e.Action;
                p[3].Value = e.DedupKey;
                p[4].Value = (object?)e.Summary ?? DBNull.Value;
                p[5].Value = (object?)e.Source ?? DBNull.Value;
                p[6].Value = (object?)e.Severity ?? DBNull.Value;
                p[7].Value = (object?)e.GroupKey ?? DBNull.Value;
                p[8].Value = (object?)e.Payload ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }
            ForgetDone(transaction);
            transaction.Commit();
        }
    }

    /// <summary>The correlator has committed every event up to <paramref name="seq"/>: their rows may go.</summary>
    public void Done(long seq)
    {
        if (seq > Interlocked.Read(ref forgetUpTo))
            Interlocked.Exchange(ref forgetUpTo, seq);
    }

    /// <summary>Deletes done rows when intake is quiet (the writer calls this when it has nothing to write).</summary>
    public void Tidy()
    {
        lock (writeLock)
        {
            if (writer is null || Interlocked.Read(ref forgetUpTo) <= forgotten)
                return;
            using var transaction = writer.BeginTransaction();
            ForgetDone(transaction);
            transaction.Commit();
        }
    }

    private void ForgetDone(SqliteTransaction transaction)
    {
        var upTo = Interlocked.Read(ref forgetUpTo);
        if (upTo <= forgotten)
            return;
        using var delete = writer!.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM Events WHERE Seq <= $s";
        delete.Parameters.AddWithValue("$s", upTo);
        delete.ExecuteNonQuery();
        forgotten = upTo;
    }

    /// <summary>Up to <paramref name="max"/> events after <paramref name="after"/>, in order, each with its sequence number.</summary>
    public List<(long Seq, AlertEvent Event)> Read(long after, int max)
    {
        lock (readLock)
            return ReadLocked(after, max);
    }

    private List<(long Seq, AlertEvent Event)> ReadLocked(long after, int max)
    {
        using var command = Reader().CreateCommand();
        command.CommandText = """
            SELECT Seq, IntegrationId, ReceivedAt, Action, DedupKey, Summary, Source, Severity, GroupKey, Payload
            FROM Events WHERE Seq > $after ORDER BY Seq LIMIT $max
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var events = new List<(long, AlertEvent)>();
        while (reader.Read())
        {
            events.Add((reader.GetInt64(0), new AlertEvent
            {
                IntegrationId = reader.GetString(1),
                ReceivedAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Action = reader.GetString(3),
                DedupKey = reader.GetString(4),
                Summary = reader.IsDBNull(5) ? null : reader.GetString(5),
                Source = reader.IsDBNull(6) ? null : reader.GetString(6),
                Severity = reader.IsDBNull(7) ? null : reader.GetString(7),
                GroupKey = reader.IsDBNull(8) ? null : reader.GetString(8),
                Payload = reader.IsDBNull(9) ? null : reader.GetString(9),
            }));
        }
        return events;
    }

    /// <summary>
    /// The highest sequence number the journal has ever given (deleted rows included): a cursor
    /// beyond it means the journal file was replaced, and its new rows must not be skipped.
    /// </summary>
    public long LastSeq()
    {
        lock (readLock)
        {
            using var command = Reader().CreateCommand();
            command.CommandText = "SELECT seq FROM sqlite_sequence WHERE name = 'Events'";
            return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>How many events wait for the correlator.</summary>
    public long Backlog(long after)
    {
        lock (readLock)
        {
            using var command = Reader().CreateCommand();
            command.CommandText = "SELECT count(*) FROM Events WHERE Seq > $after";
            command.Parameters.AddWithValue("$after", after);
            return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
    }

    private SqliteConnection Reader() => readerConnection ??= Open();

    public void Dispose()
    {
        lock (writeLock)
        {
            insert?.Dispose();
            writer?.Dispose();
            writer = null;
        }
        lock (readLock)
        {
            readerConnection?.Dispose();
            readerConnection = null;
        }
    }
}
