using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>Does one kind of work item. Must be idempotent: a crash after the work and before the
/// delete runs it again. A handler that removes its own item in its last save sets the item's
/// LeaseOwner to null, and the runner then leaves the row alone.</summary>
public interface IWorkHandler
{
    string Kind { get; }

    Task HandleAsync(WorkItem item, CancellationToken ct);
}

/// <summary>
/// Does many due items of one kind in one transaction: the runner opens it, hands over the items it
/// still holds, and after the handler removes every item the handler did not hand back, puts the
/// next items in their place, in the same commit as the handler's own writes. A crash therefore
/// either keeps the items with none of their effects or removes them with all of them.
/// </summary>
public interface IBatchWorkHandler
{
    string Kind { get; }

    /// <summary>
    /// Reads what the items will need, before the runner takes the write gate and opens the
    /// transaction: on SQLite every writer waits for the gate, so the less a batch holds it, the
    /// less messages wait. The runner may read items up to a few seconds before <paramref name="at"/>,
    /// the instant they run. What was read may change before the transaction: the handler checks
    /// what matters and hands such items back to run again.
    /// </summary>
    Task PrepareAsync(MusterDb db, IReadOnlyList<WorkItem> items, DateTime at, CancellationToken ct);

    /// <summary>Does the work of the items still held (a subset of those prepared) in the runner's transaction.</summary>
    Task<BatchOutcome> HandleAsync(MusterDb db, IReadOnlyList<WorkItem> items, CancellationToken ct);
}

/// <summary>
/// Does many claimed items of one kind together, outside any transaction of the runner's: the
/// work is mostly waiting on others (a vendor's answer), so the handler overlaps it and records the
/// outcomes of many items in few commits of its own. It removes or reschedules every item it
/// finishes in those commits and clears their LeaseOwner; the runner deletes any item it leaves
/// leased. When the whole call fails, the runner runs the items again one at a time, so one bad
/// item backs off alone.
/// </summary>
public interface IManyWorkHandler
{
    string Kind { get; }

    Task HandleAsync(IReadOnlyList<WorkItem> items, CancellationToken ct);
}

/// <summary>
/// What a batch leaves: <paramref name="Next"/>, new items under some of the finished items' keys
/// (the next firing of an escalation), and <paramref name="Again"/>, items to run again at once
/// because what they read changed before the commit.
/// </summary>
public sealed record BatchOutcome(IReadOnlyList<WorkItem> Next, IReadOnlyList<WorkItem> Again);

/// <summary>Wakes the runner when work is due soon, so it need not wait for the next poll.</summary>
public sealed class WorkSignal : IDisposable
{
    // One per lane of the runner (escalations; everything else): a notification wakes both.
    private readonly SemaphoreSlim[] lanes = [new(0, 1), new(0, 1)];

    public void Notify()
    {
        foreach (var lane in lanes)
        {
            if (lane.CurrentCount == 0)
            {
                try { lane.Release(); }
                catch (SemaphoreFullException) { }
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct, int lane = 0) => lanes[lane].WaitAsync(timeout, ct);

    public void Dispose()
    {
        foreach (var lane in lanes)
            lane.Dispose();
    }
}

public static class WorkTable
{
    /// <summary>
    /// Puts a work item due at <paramref name="dueAt"/> under <paramref name="key"/>, replacing the
    /// one already there (and its lease), as part of the caller's next SaveChanges.
    /// </summary>
    public static async Task ScheduleAsync(this MusterDb db, string kind, string key, DateTime dueAt, string? payload, DateTime now, CancellationToken ct = default)
    {
        var item = db.WorkItems.Local.FirstOrDefault(w => w.Key == key) ?? await db.WorkItems.FirstOrDefaultAsync(w => w.Key == key, ct);
        Put(db, item, kind, key, dueAt, payload, now);
    }

    /// <summary>Adds the item, or moves the one already under the key to its new instant and payload, lease and attempts cleared.</summary>
    private static void Put(MusterDb db, WorkItem? item, string kind, string key, DateTime dueAt, string? payload, DateTime now)
    {
        if (item is null)
        {
            db.WorkItems.Add(new WorkItem { Kind = kind, Key = key, DueAt = dueAt, Payload = payload, CreatedAt = now });
            return;
        }
        // Cancelled earlier in this unit of work and scheduled again: keep the row.
        if (db.Entry(item).State == EntityState.Deleted)
            db.Entry(item).State = EntityState.Modified;
        item.Kind = kind;
        item.DueAt = dueAt;
        item.Payload = payload;
        item.LeaseOwner = null;
        item.LeaseUntil = null;
        item.Attempts = 0;
    }

    /// <summary>
    /// <see cref="ScheduleAsync"/> for many keys, with one read of the rows already there: a batch of
    /// re-sent alerts moves hundreds of expiries at once.
    /// </summary>
    public static async Task ScheduleManyAsync(this MusterDb db, string kind, IReadOnlyList<(string Key, DateTime DueAt, string? Payload)> items, DateTime now,
        CancellationToken ct = default)
    {
        if (items.Count == 0)
            return;
        var keys = items.Select(i => i.Key).ToList();
        var existing = db.WorkItems.Local.Where(w => keys.Contains(w.Key)).ToDictionary(w => w.Key);
        var unseen = keys.Where(k => !existing.ContainsKey(k)).ToList();
        foreach (var chunk in unseen.Chunk(500))
        {
            foreach (var item in await db.WorkItems.Where(w => chunk.Contains(w.Key)).ToListAsync(ct))
                existing[item.Key] = item;
        }
        foreach (var (key, dueAt, payload) in items)
            Put(db, existing.GetValueOrDefault(key), kind, key, dueAt, payload, now);
    }

    public static async Task CancelAsync(this MusterDb db, string key, CancellationToken ct = default)
    {
        var item = db.WorkItems.Local.FirstOrDefault(w => w.Key == key) ?? await db.WorkItems.FirstOrDefaultAsync(w => w.Key == key, ct);
        if (item is not null)
            db.WorkItems.Remove(item);
    }
}

/// <summary>
/// Claims due work items with a lease and runs their handlers. A lease that expires (the process
/// died) is claimed again; on PostgreSQL, SKIP LOCKED divides the rows among processes. Leases are
/// short and renewed while this process holds their items, and on SQLite (one process per data
/// directory) the leases left by a killed process are given back at start-up.
/// </summary>
public sealed class WorkRunner(IServiceScopeFactory scopes, TimeProvider time, WorkSignal signal, Features.Intake.SqliteWriteGate gate,
    Microsoft.Extensions.Options.IOptions<MusterOptions> options, ILogger<WorkRunner> logger) : BackgroundService
{
    /// <summary>How long a claim holds an item; renewed every <see cref="Heartbeat"/> while this process holds it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far ahead the escalation lane claims and reads its items: ten thousand steps due at one
    /// instant are read before it, and only written at it. A change to a schedule in the last
    /// seconds before a step fires is therefore not seen; a change to the incident is.
    /// </summary>
    public static readonly TimeSpan Lookahead = TimeSpan.FromSeconds(10);

    /// <summary>Items whose due instants lie this close together are written in one batch, at the last of them.</summary>
    private static readonly TimeSpan BatchSpan = TimeSpan.FromMilliseconds(50);

    /// <summary>How many claimed items run at once.</summary>
    public const int Concurrency = 8;

    /// <summary>How many items of a batch kind (escalations) share one transaction (<c>Muster:Work:BatchSize</c>).</summary>
    public int BatchSize { get; } = options.Value.Work.BatchSize;

    /// <summary>
    /// How many items the other lane claims at once: enough that ten thousand messages due together
    /// leave in a few handfuls of batches (an <see cref="IManyWorkHandler"/> takes them all).
    /// </summary>
    private const int SingleClaim = 2_000;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(20);
    private readonly string owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Escalation batches due and not yet written: while there are any, the other lane claims nothing new.</summary>
    private int batchesDue;

    /// <summary>The items this process holds now, whose leases the heartbeat renews.</summary>
    private readonly ConcurrentDictionary<long, byte> holding = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var released = await ReleaseOrphanedLeasesAsync(stoppingToken);
            if (released > 0)
                logger.LogInformation("Gave back {Count} work items leased by a process that stopped.", released);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not give back the leases of a stopped process; they expire within {Seconds} s.", Lease.TotalSeconds);
        }
        // Two lanes that do not wait for each other: escalations in batches, and everything else
        // (messages above all), so that neither queues behind the other.
        await Task.WhenAll(BatchLaneAsync(stoppingToken), SingleLaneAsync(stoppingToken), HeartbeatAsync(stoppingToken));
    }

    private async Task SingleLaneAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Ten thousand steps due at once take about a second to write on two cores; messages
                // sent meanwhile would slow that second, and wait less than it for their turn.
                if (Volatile.Read(ref batchesDue) > 0)
                {
                    await Task.Delay(ShortestWait, stoppingToken);
                    continue;
                }
                if (await RunLaneAsync(batches: false, stoppingToken) > 0)
                    continue;
                await signal.WaitAsync(await UntilNextDueAsync(batches: false, TimeSpan.Zero, stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The work runner failed; it tries again in {Seconds} s.", Poll.TotalSeconds);
                await Task.Delay(Poll, stoppingToken);
            }
        }
    }

    /// <summary>
    /// The escalation lane: claims what falls due within <see cref="Lookahead"/>, reads it at once,
    /// and writes each batch at its due instant, so that at that instant only the writes remain.
    /// </summary>
    private async Task BatchLaneAsync(CancellationToken stoppingToken)
    {
        var waiting = new List<ReadBatch>();
        int? writers = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var claimed = await ClaimLaneAsync(batches: true, Lookahead, stoppingToken);
                    foreach (var (kind, items) in Batches(claimed))
                    {
                        try
                        {
                            waiting.Add(await ReadBatchAsync(kind, items, stoppingToken));
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                        {
                            await FailedAsync(items, e);
                        }
                    }
                    var now = time.GetUtcNow().UtcDateTime;
                    var due = waiting.Where(b => b.DueAt <= now).ToList();
                    Interlocked.Add(ref batchesDue, due.Count);
                    waiting.RemoveAll(due.Contains);
                    // SQLite has one writer; PostgreSQL writes batches side by side.
                    await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = writers ??= await WritersAsync(), CancellationToken = stoppingToken },
                        async (batch, token) =>
                        {
                            try
                            {
                                await RunBatchAsync(batch.Kind, batch.Items, token, batch);
                            }
                            finally
                            {
                                Interlocked.Decrement(ref batchesDue);
                            }
                        });
                    if (claimed.Count > 0 || due.Count > 0)
                        continue;
                    var wait = await UntilNextDueAsync(batches: true, Lookahead, stoppingToken);
                    if (waiting.Count > 0 && waiting.Min(b => b.DueAt) - now is var untilWritten && untilWritten < wait)
                        wait = untilWritten < ShortestWait ? TimeSpan.Zero : untilWritten;
                    await signal.WaitAsync(wait, stoppingToken, lane: 1);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    logger.LogError(e, "The work runner failed; it tries again in {Seconds} s.", Poll.TotalSeconds);
                    await Task.Delay(Poll, stoppingToken);
                }
            }
        }
        finally
        {
            // Batches read and never written: their items run again at once after a restart (SQLite)
            // or when their leases run out (PostgreSQL).
            foreach (var batch in waiting)
            {
                Release(batch.Items);
                await batch.DisposeAsync();
            }
        }
    }

    private async Task<int> WritersAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<MusterDb>().IsPostgres ? Math.Max(2, Environment.ProcessorCount) : 1;
    }

    /// <summary>
    /// How long an idle lane sleeps: until its next unclaimed item comes within <paramref name="ahead"/>
    /// of falling due, and at most a poll. A step due at an instant then starts at that instant, not
    /// at the next poll up to a second later.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(bool batches, TimeSpan ahead, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var kinds = scope.ServiceProvider.GetServices<IBatchWorkHandler>().Select(h => h.Kind).ToList();
        var now = time.GetUtcNow().UtcDateTime;
        var free = db.WorkItems.Where(w => w.LeaseUntil == null || w.LeaseUntil < now);
        var next = await (batches ? free.Where(w => kinds.Contains(w.Kind)) : free.Where(w => !kinds.Contains(w.Kind)))
            .OrderBy(w => w.DueAt).Select(w => (DateTime?)w.DueAt).FirstOrDefaultAsync(ct);
        if (next is null)
            return Poll;
        var wait = next.Value - ahead - now;
        return wait < ShortestWait ? ShortestWait : wait > Poll ? Poll : wait;
    }

    /// <summary>
    /// On SQLite one process serves a data directory, so at start-up every lease belongs to a process
    /// that was killed: its items run again now rather than when the lease runs out. PostgreSQL may
    /// have other live processes, whose leases are theirs: there a dead process's leases expire.
    /// </summary>
    public async Task<int> ReleaseOrphanedLeasesAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        if (db.IsPostgres)
            return 0;
        await gate.WaitAsync(ct);
        try
        {
            return await db.WorkItems.Where(w => w.LeaseOwner != null && w.LeaseOwner != owner).ExecuteUpdateAsync(s => s
                .SetProperty(w => w.LeaseOwner, (string?)null)
                .SetProperty(w => w.LeaseUntil, (DateTime?)null), ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Runs what is due now in both lanes; returns how many items were claimed.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct = default) =>
        (await Task.WhenAll(RunLaneAsync(batches: true, ct), RunLaneAsync(batches: false, ct))).Sum();

    /// <summary>
    /// Claims and runs due items of the batch kinds (<paramref name="batches"/>) or of the other
    /// kinds; returns how many were claimed.
    /// </summary>
    private async Task<int> RunLaneAsync(bool batches, CancellationToken ct)
    {
        var claimed = await ClaimLaneAsync(batches, TimeSpan.Zero, ct);
        try
        {
            if (batches)
            {
                foreach (var (kind, items) in Batches(claimed))
                    await RunBatchAsync(kind, items, ct);
            }
            else
            {
                List<string> many;
                await using (var scope = scopes.CreateAsyncScope())
                    many = scope.ServiceProvider.GetServices<IManyWorkHandler>().Select(h => h.Kind).ToList();
                // Kinds done many at a time (messages) go to their handler whole; the others are
                // independent (each has its own key and its own DbContext), so several run at once.
                // Items of one incident that collide on its concurrency token fail and are retried
                // with the usual backoff.
                var singles = claimed.Where(i => !many.Contains(i.Kind)).ToList();
                await Task.WhenAll(
                    Parallel.ForEachAsync(singles, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
                        async (item, token) => await RunAsync(item, token)),
                    Task.WhenAll(claimed.Where(i => many.Contains(i.Kind)).GroupBy(i => i.Kind).Select(g => RunManyAsync(g.Key, [.. g], ct))));
            }
        }
        finally
        {
            Release(claimed);
        }
        return claimed.Count;
    }

    /// <summary>Claims items of one lane due within <paramref name="ahead"/> from now; this process holds them until <see cref="Release"/>.</summary>
    private async Task<List<WorkItem>> ClaimLaneAsync(bool batches, TimeSpan ahead, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var batchKinds = scope.ServiceProvider.GetServices<IBatchWorkHandler>().Select(h => h.Kind).ToList();
        if (batches && batchKinds.Count == 0)
            return [];
        var now = time.GetUtcNow().UtcDateTime;
        if (!db.IsPostgres)
            await gate.WaitAsync(ct);
        List<WorkItem> claimed;
        try
        {
            claimed = await ClaimAsync(db, batchKinds, batches, batches ? 2 * BatchSize : SingleClaim, now + ahead + Lease, now + ahead, now, ct);
        }
        finally
        {
            if (!db.IsPostgres)
                gate.Release();
        }
        foreach (var item in claimed)
            holding[item.Id] = 0;
        return claimed;
    }

    private void Release(IEnumerable<WorkItem> items)
    {
        foreach (var item in items)
            holding.TryRemove(item.Id, out _);
    }

    /// <summary>The claimed items by kind, in batches of at most <see cref="BatchSize"/> whose due instants lie within <see cref="BatchSpan"/>.</summary>
    private IEnumerable<(string Kind, List<WorkItem> Items)> Batches(IEnumerable<WorkItem> claimed)
    {
        foreach (var kind in claimed.GroupBy(i => i.Kind))
        {
            var batch = new List<WorkItem>();
            foreach (var item in kind.OrderBy(i => i.DueAt))
            {
                if (batch.Count == BatchSize || (batch.Count > 0 && item.DueAt - batch[0].DueAt > BatchSpan))
                {
                    yield return (kind.Key, batch);
                    batch = [];
                }
                batch.Add(item);
            }
            if (batch.Count > 0)
                yield return (kind.Key, batch);
        }
    }

    private async Task<List<WorkItem>> ClaimAsync(MusterDb db, List<string> kinds, bool batch, int limit, DateTime until, DateTime dueBy, DateTime now, CancellationToken ct)
    {
        var parameters = new List<object> { owner, until, dueBy, now };
        var kindFilter = "";
        if (kinds.Count > 0)
        {
            var names = string.Join(", ", kinds.Select((_, i) => $"{{{i + 4}}}"));
            kindFilter = $"AND \"Kind\" {(batch ? "" : "NOT ")}IN ({names})";
            parameters.AddRange(kinds);
        }
        var sql = $$"""
            UPDATE "WorkItems" SET "LeaseOwner" = {0}, "LeaseUntil" = {1}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (SELECT "Id" FROM "WorkItems" WHERE "DueAt" <= {2} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {3}) {{kindFilter}}
                   ORDER BY "DueAt" LIMIT {{limit}}{{(db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")}})
            RETURNING *
            """;
        return await db.WorkItems.FromSqlRaw(sql, [.. parameters]).AsNoTracking().ToListAsync(ct);
    }

    /// <summary>Renews the leases of the items this process holds, so that a lease can be short.</summary>
    private async Task HeartbeatAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Heartbeat, ct);
                var ids = holding.Keys.ToList();
                if (ids.Count == 0)
                    continue;
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
                var until = time.GetUtcNow().UtcDateTime + Lease;
                if (!db.IsPostgres)
                    await gate.WaitAsync(ct);
                try
                {
                    await db.WorkItems.Where(w => ids.Contains(w.Id) && w.LeaseOwner == owner && w.LeaseUntil < until)
                        .ExecuteUpdateAsync(s => s.SetProperty(w => w.LeaseUntil, until), ct);
                }
                finally
                {
                    if (!db.IsPostgres)
                        gate.Release();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not renew the work runner's leases.");
            }
        }
    }

    private async Task RunAsync(WorkItem item, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        try
        {
            var handler = scope.ServiceProvider.GetServices<IWorkHandler>().FirstOrDefault(h => h.Kind == item.Kind)
                ?? throw new InvalidOperationException($"No handler for work of kind '{item.Kind}'.");
            await handler.HandleAsync(item, ct);
            // A handler that rescheduled its own key cleared the lease, so this deletes nothing; one
            // that removed the item in its own save said so by clearing LeaseOwner on it.
            if (item.LeaseOwner == owner)
            {
                if (!db.IsPostgres)
                    await gate.WaitAsync(ct);
                try
                {
                    await db.WorkItems.Where(w => w.Id == item.Id && w.LeaseOwner == owner).ExecuteDeleteAsync(ct);
                }
                finally
                {
                    if (!db.IsPostgres)
                        gate.Release();
                }
            }
            MusterMetrics.WorkDone(item.Kind);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await RetryLaterAsync(db, item, e);
        }
    }

    /// <summary>
    /// Hands many items of one kind to its <see cref="IManyWorkHandler"/>. When the call fails, each
    /// item runs alone, so one bad item fails (and backs off) by itself.
    /// </summary>
    private async Task RunManyAsync(string kind, List<WorkItem> items, CancellationToken ct)
    {
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var handler = scope.ServiceProvider.GetServices<IManyWorkHandler>().First(h => h.Kind == kind);
                await handler.HandleAsync(items, ct);
            }
            // What the handler did not remove itself is done: removed here, like a single item's.
            var left = items.Where(i => i.LeaseOwner == owner).Select(i => i.Id).ToList();
            if (left.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
                if (!db.IsPostgres)
                    await gate.WaitAsync(ct);
                try
                {
                    await db.WorkItems.Where(w => left.Contains(w.Id) && w.LeaseOwner == owner).ExecuteDeleteAsync(ct);
                }
                finally
                {
                    if (!db.IsPostgres)
                        gate.Release();
                }
            }
            foreach (var _ in items)
                MusterMetrics.WorkDone(kind);
        }
        catch (Exception e) when (items.Count > 1 && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            logger.LogWarning(e, "{Count} {Kind} work items failed together; running them one at a time.", items.Count, kind);
            foreach (var item in items)
                await RunManyAsync(kind, [item], ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailedAsync(items, e);
        }
    }

    /// <summary>
    /// A batch of items read by its handler and waiting to be written: its unit of work stays open
    /// until then, so that the handler keeps what it read.
    /// </summary>
    private sealed class ReadBatch(string kind, List<WorkItem> items, AsyncServiceScope scope, IBatchWorkHandler handler, TimeSpan reading) : IAsyncDisposable
    {
        public string Kind => kind;
        public List<WorkItem> Items => items;
        public DateTime DueAt { get; } = items.Max(i => i.DueAt);
        public MusterDb Db => scope.ServiceProvider.GetRequiredService<MusterDb>();
        public IBatchWorkHandler Handler => handler;
        public TimeSpan Reading => reading;

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }

    private async Task<ReadBatch> ReadBatchAsync(string kind, List<WorkItem> items, CancellationToken ct)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var handler = scope.ServiceProvider.GetServices<IBatchWorkHandler>().First(h => h.Kind == kind);
            var started = Stopwatch.GetTimestamp();
            var now = time.GetUtcNow().UtcDateTime;
            var at = items.Max(i => i.DueAt);
            await handler.PrepareAsync(scope.ServiceProvider.GetRequiredService<MusterDb>(), items, at > now ? at : now, ct);
            return new ReadBatch(kind, items, scope, handler, Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs many items of a batch kind in one transaction (read ahead in <paramref name="read"/>, or
    /// now). When the batch fails, each item runs alone, so one bad item fails (and backs off) by itself.
    /// </summary>
    private async Task RunBatchAsync(string kind, List<WorkItem> items, CancellationToken ct, ReadBatch? read = null)
    {
        try
        {
            await using var batch = read ?? await ReadBatchAsync(kind, items, ct);
            read = null;
            await WriteBatchAsync(batch, ct);
        }
        catch (Exception e) when (items.Count > 1 && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            logger.LogWarning(e, "A batch of {Count} {Kind} work items failed; running them one at a time.", items.Count, kind);
            foreach (var item in items)
                await RunBatchAsync(kind, [item], ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailedAsync(items, e);
        }
        finally
        {
            if (read is not null)
                await read.DisposeAsync();
        }
    }

    /// <summary>
    /// The rows still leased to this process are locked and loaded, the handler does their work, and
    /// every item it did not hand back is removed and its successor written, in the same commit.
    /// </summary>
    private async Task WriteBatchAsync(ReadBatch batch, CancellationToken ct)
    {
        var db = batch.Db;
        var gated = !db.IsPostgres;
        var started = Stopwatch.GetTimestamp();
        int done;
        if (gated)
            await gate.WaitAsync(ct);
        var waited = Stopwatch.GetElapsedTime(started);
        db.HoldsWriteGate = gated;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Locks the rows still leased to this process until the commit, and reads them: on
            // PostgreSQL another process's claim skips them, and an acknowledgement that cancels one waits for it.
            var held = await HoldAsync(db, batch.Items, ct);
            done = held.Count;
            if (held.Count > 0)
            {
                var outcome = await batch.Handler.HandleAsync(db, held, ct);
                var again = outcome.Again.Select(i => i.Id).ToList();
                var finished = held.Select(i => i.Id).Except(again).ToList();
                await db.WorkItems.Where(w => finished.Contains(w.Id)).ExecuteDeleteAsync(ct);
                await db.InsertManyAsync(outcome.Next, ct);
                if (again.Count > 0)
                    await db.WorkItems.Where(w => again.Contains(w.Id)).ExecuteUpdateAsync(s => s
                        .SetProperty(w => w.LeaseOwner, (string?)null)
                        .SetProperty(w => w.LeaseUntil, (DateTime?)null), ct);
                done -= again.Count;
            }
            await transaction.CommitAsync(ct);
        }
        finally
        {
            db.HoldsWriteGate = false;
            if (gated)
                gate.Release();
        }
        Release(batch.Items);
        for (var i = 0; i < done; i++)
            MusterMetrics.WorkDone(batch.Kind);
        var late = time.GetUtcNow().UtcDateTime - batch.DueAt;
        logger.LogInformation("Ran {Count} {Kind} work items in one transaction: {Late:F0} ms after the last was due, written in {Ms:F0} ms of which {Waited:F0} ms waiting for the write gate ({Read:F0} ms of reads before).",
            done, batch.Kind, late.TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds, waited.TotalMilliseconds, batch.Reading.TotalMilliseconds);
        if (done > 0)
            signal.Notify();
    }

    private async Task<List<WorkItem>> HoldAsync(MusterDb db, IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToArray();
        // One parameter for the ids: SQLite binds each parameter by a search of its name.
        var sql = db.IsPostgres
            ? """UPDATE "WorkItems" SET "LeaseUntil" = "LeaseUntil" WHERE "LeaseOwner" = {0} AND "Id" = ANY({1}) RETURNING *"""
            : """UPDATE "WorkItems" SET "LeaseUntil" = "LeaseUntil" WHERE "LeaseOwner" = {0} AND "Id" IN (SELECT "value" FROM json_each({1})) RETURNING *""";
        object list = db.IsPostgres ? ids : $"[{string.Join(',', ids)}]";
        return await db.WorkItems.FromSqlRaw(sql, owner, list).AsNoTracking().ToListAsync(ct);
    }

    private async Task FailedAsync(IReadOnlyList<WorkItem> items, Exception e)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        foreach (var item in items)
            await RetryLaterAsync(db, item, e);
        Release(items);
    }

    private async Task RetryLaterAsync(MusterDb db, WorkItem item, Exception e)
    {
        MusterMetrics.WorkFailed(item.Kind);
        // An item read ahead that fails is not retried before it was due.
        var retryAt = time.GetUtcNow().UtcDateTime + Backoff(item.Attempts);
        if (retryAt < item.DueAt)
            retryAt = item.DueAt;
        logger.LogWarning(e, "Work {Kind} {Key} failed (attempt {Attempt}); retrying at {RetryAt:O}.", item.Kind, item.Key, item.Attempts, retryAt);
        if (!db.IsPostgres)
            await gate.WaitAsync(CancellationToken.None);
        try
        {
            await db.WorkItems.Where(w => w.Id == item.Id && w.LeaseOwner == owner).ExecuteUpdateAsync(s => s
                .SetProperty(w => w.DueAt, retryAt)
                .SetProperty(w => w.LeaseOwner, (string?)null)
                .SetProperty(w => w.LeaseUntil, (DateTime?)null)
                .SetProperty(w => w.LastError, e.Message), CancellationToken.None);
        }
        finally
        {
            if (!db.IsPostgres)
                gate.Release();
        }
    }

    /// <summary>How long an item that failed with an error waits before it runs again (its attempts so far: 2 s doubling, at most 5 minutes).</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(attempts, 9))));
}
