using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Infrastructure;
using Npgsql;

namespace Muster.Features.Room;

/// <summary>
/// Who is watching which incident in this process, and a way to tell them it changed. Every save
/// that touches an incident publishes its id (see <see cref="IncidentChangeCapture"/>); on
/// PostgreSQL the id also goes out by NOTIFY so that other processes' watchers hear it
/// (<see cref="IncidentChangeListener"/>). See ADR 0010.
/// </summary>
public sealed class IncidentChanges
{
    public const string PgChannel = "muster_incidents";

    /// <summary>This process, so that it ignores its own NOTIFYs (it told its watchers already).</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N")[..12];

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<bool>, byte>> watchers = new();

    public int Watching => watchers.Values.Sum(w => w.Count);

    /// <summary>Tells everyone watching this incident in this process that it changed.</summary>
    public void Publish(string incidentId)
    {
        if (watchers.TryGetValue(incidentId, out var set))
            foreach (var channel in set.Keys)
                channel.Writer.TryWrite(true);
    }

    /// <summary>
    /// The changes of one incident as they happen, until <paramref name="ct"/> ends. The first item
    /// (false) comes as soon as the watch is registered, so nothing after it is missed; after that a
    /// quiet period yields false (time for a keep-alive).
    /// </summary>
    public async IAsyncEnumerable<bool> WatchAsync(string incidentId, TimeSpan keepAlive, [EnumeratorCancellation] CancellationToken ct)
    {
        // One pending signal is enough: a burst of changes is one refetch.
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var set = watchers.GetOrAdd(incidentId, _ => new());
        set[channel] = 0;
        try
        {
            yield return false;
            while (!ct.IsCancellationRequested)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quiet.CancelAfter(keepAlive);
                bool changed;
                try
                {
                    changed = await channel.Reader.WaitToReadAsync(quiet.Token) && channel.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    changed = false;
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                yield return changed;
            }
        }
        finally
        {
            set.TryRemove(channel, out _);
            if (set.IsEmpty)
                watchers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Channel<bool>, byte>>(incidentId, set));
        }
    }
}

/// <summary>
/// Notes which incidents a save touches (the incident, its timeline, tasks, roles, messages,
/// notifications, alerts, reports, links) and, once saved, publishes them: to this process's
/// watchers at once, and on PostgreSQL by one <c>pg_notify</c> per save, delivered at commit.
/// </summary>
public sealed class IncidentChangeCapture(IncidentChanges changes) : SaveChangesInterceptor
{
    private static readonly ConditionalWeakTable<DbContext, HashSet<string>> Pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (Take(eventData.Context) is { } ids)
        {
            if (eventData.Context is MusterDb { IsPostgres: true } db)
                Notify(db, ids).GetAwaiter().GetResult();
            Publish(ids);
        }
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (Take(eventData.Context) is { } ids)
        {
            if (eventData.Context is MusterDb { IsPostgres: true } db)
                await Notify(db, ids);
            Publish(ids);
        }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Take(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Take(eventData.Context);
        return Task.CompletedTask;
    }

    private static void Collect(DbContext? context)
    {
        if (context is null)
            return;
        var ids = new HashSet<string>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
                continue;
            switch (entry.Entity)
            {
                case Incident i: ids.Add(i.Id); break;
                case TimelineEntry t: ids.Add(t.IncidentId); break;
                case IncidentTask t: ids.Add(t.IncidentId); break;
                case IncidentRoleAssignment r: ids.Add(r.IncidentId); break;
                case IncidentMessage m: ids.Add(m.IncidentId); break;
                case IncidentLink l: ids.Add(l.IncidentId); ids.Add(l.OtherId); break;
                case Notification { IncidentId: { } n }: ids.Add(n); break;
                case Alert { IncidentId: { } a }: ids.Add(a); break;
                case Report { IncidentId: { } r }: ids.Add(r); break;
            }
        }
        ids.Remove("");
        if (ids.Count > 0)
            Pending.AddOrUpdate(context, ids);
    }

    private static HashSet<string>? Take(DbContext? context) =>
        context is not null && Pending.TryGetValue(context, out var ids) && Pending.Remove(context) ? ids : null;

    private void Publish(HashSet<string> ids)
    {
        foreach (var id in ids)
            changes.Publish(id);
    }

    /// <summary>One statement per save, inside its transaction when there is one: PostgreSQL delivers it at commit, or not at all on rollback.</summary>
    private async Task Notify(MusterDb db, HashSet<string> ids)
    {
        var payloads = ids.Select(id => $"{changes.Origin}:{id}").ToArray();
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_notify('{IncidentChanges.PgChannel}', p) FROM unnest({{0}}::text[]) AS p", [payloads]);
    }
}

/// <summary>
/// On PostgreSQL, listens for other processes' incident changes and tells this process's
/// watchers. One connection; it reconnects after a failure.
/// </summary>
public sealed class IncidentChangeListener(IncidentChanges changes, IOptions<MusterOptions> options, ILogger<IncidentChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Database.Provider != DatabaseSetup.Postgres)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.Value.ConnectionString) { KeepAlive = 30 }.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    var parts = e.Payload.Split(':', 2);
                    if (parts.Length == 2 && parts[0] != changes.Origin)
                        changes.Publish(parts[1]);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {IncidentChanges.PgChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Listening for incident changes failed; trying again in 2 s.");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }
}
