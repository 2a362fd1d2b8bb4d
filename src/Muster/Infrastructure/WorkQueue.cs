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
    /// less messages wait. What it read may change before the transaction: the handler checks
    /// what matters and hands such items back to run again.
    /// </summary>
    Task PrepareAsync(MusterDb db, IReadOnlyList<WorkItem> items, CancellationToken ct);

    /// <summary>Does the work of the items still held (a subset of those prepared) in the runner's transaction.</summary>
    Task<BatchOutcome> HandleAsync(MusterDb db, IReadOnlyList<WorkItem> items, CancellationToken ct);
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
/// short and renewed while their items run, and on SQLite (one process per data directory) the
/// leases left by a killed process are given back at start-up.
/// </summary>
public sealed class WorkRunner(IServiceScopeFactory scopes, TimeProvider time, WorkSignal signal, Features.Intake.SqliteWriteGate gate, IConfiguration configuration,
    ILogger<WorkRunner> logger) : BackgroundService
{
    /// <summary>How long a claim holds an item; renewed every <see cref="Heartbeat"/> while it runs.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>How many claimed items run at once.</summary>
    public const int Concurrency = 8;

    /// <summary>How many items of a batch kind (escalations) share one transaction (<c>Muster:Work:BatchSize</c>).</summary>
    public int BatchSize { get; } = configuration.GetValue("Muster:Work:BatchSize", 1000);

    private const int SingleClaim = 100;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(20);
    private readonly string owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

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
        await Task.WhenAll(LaneAsync(batches: true, stoppingToken), LaneAsync(batches: false, stoppingToken));
    }

    private async Task LaneAsync(bool batches, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunLaneAsync(batches, stoppingToken) > 0)
                    continue;
                await signal.WaitAsync(await UntilNextDueAsync(batches, stoppingToken), stoppingToken, batches ? 1 : 0);
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
    /// How long an idle lane sleeps: until its next item falls due, and at most a poll. A step due
    /// at an instant then starts at that instant, not at the next poll up to a second later.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(bool batches, CancellationToken ct)
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
        var wait = next.Value - now;
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
        List<WorkItem> claimed;
        var now = time.GetUtcNow().UtcDateTime;
        var until = now + Lease;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var batchKinds = scope.ServiceProvider.GetServices<IBatchWorkHandler>().Select(h => h.Kind).ToList();
            if (batches && batchKinds.Count == 0)
                return 0;
            if (!db.IsPostgres)
                await gate.WaitAsync(ct);
            try
            {
                claimed = await ClaimAsync(db, batchKinds, batches, batches ? 2 * BatchSize : SingleClaim, until, now, ct);
            }
            finally
            {
                if (!db.IsPostgres)
                    gate.Release();
            }
        }
        if (claimed.Count == 0)
            return 0;
        using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = HeartbeatAsync(running.Token);
        try
        {
            if (batches)
            {
                foreach (var kind in claimed.GroupBy(i => i.Kind))
                    foreach (var chunk in kind.Chunk(BatchSize))
                        await RunBatchAsync(kind.Key, chunk, ct);
            }
            else
            {
                // The items are independent (each has its own key and its own DbContext) and most of
                // a message's time is the vendor's answer, so several run at once. Items of one
                // incident that collide on its concurrency token fail and are retried with the usual backoff.
                await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
                    async (item, token) => await RunAsync(item, token));
            }
        }
        finally
        {
            await running.CancelAsync();
            await heartbeat;
        }
        return claimed.Count;
    }

    private async Task<List<WorkItem>> ClaimAsync(MusterDb db, List<string> kinds, bool batch, int limit, DateTime until, DateTime now, CancellationToken ct)
    {
        var parameters = new List<object> { owner, until, now };
        var kindFilter = "";
        if (kinds.Count > 0)
        {
            var names = string.Join(", ", kinds.Select((_, i) => $"{{{i + 3}}}"));
            kindFilter = $"AND \"Kind\" {(batch ? "" : "NOT ")}IN ({names})";
            parameters.AddRange(kinds);
        }
        var sql = $$"""
            UPDATE "WorkItems" SET "LeaseOwner" = {0}, "LeaseUntil" = {1}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (SELECT "Id" FROM "WorkItems" WHERE "DueAt" <= {2} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {2}) {{kindFilter}}
                   ORDER BY "DueAt" LIMIT {{limit}}{{(db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")}})
            RETURNING *
            """;
        return await db.WorkItems.FromSqlRaw(sql, [.. parameters]).AsNoTracking().ToListAsync(ct);
    }

    /// <summary>Renews this process's leases while its items run, so that a lease can be short.</summary>
    private async Task HeartbeatAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Heartbeat, ct);
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
                var until = time.GetUtcNow().UtcDateTime + Lease;
                if (!db.IsPostgres)
                    await gate.WaitAsync(ct);
                try
                {
                    await db.WorkItems.Where(w => w.LeaseOwner == owner).ExecuteUpdateAsync(s => s.SetProperty(w => w.LeaseUntil, until), ct);
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
    /// Runs many items of a batch kind in one transaction: the rows still leased to this process are
    /// locked and loaded, the handler does their work, and every item it did not reschedule is
    /// removed in the same commit. When the batch fails, each item runs alone, so one bad item
    /// fails (and backs off) by itself.
    /// </summary>
    private async Task RunBatchAsync(string kind, IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        try
        {
            await RunBatchOnceAsync(kind, items, ct);
        }
        catch (Exception e) when (items.Count > 1 && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            logger.LogWarning(e, "A batch of {Count} {Kind} work items failed; running them one at a time.", items.Count, kind);
            foreach (var item in items)
                await RunBatchAsync(kind, [item], ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await using var scope = scopes.CreateAsyncScope();
            await RetryLaterAsync(scope.ServiceProvider.GetRequiredService<MusterDb>(), items[0], e);
        }
    }

    private async Task RunBatchOnceAsync(string kind, IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var handler = scope.ServiceProvider.GetServices<IBatchWorkHandler>().First(h => h.Kind == kind);
        var gated = !db.IsPostgres;
        var started = Stopwatch.GetTimestamp();
        await handler.PrepareAsync(db, items, ct);
        var prepared = Stopwatch.GetElapsedTime(started);
        int done;
        if (gated)
            await gate.WaitAsync(ct);
        db.HoldsWriteGate = gated;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var ids = items.Select(i => i.Id).ToList();
            // Locks the rows still leased to this process until the commit: on PostgreSQL another
            // process's claim skips them, and an acknowledgement that cancels one waits for it.
            await db.WorkItems.Where(w => ids.Contains(w.Id) && w.LeaseOwner == owner)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.LeaseUntil, w => w.LeaseUntil), ct);
            var held = await db.WorkItems.AsNoTracking().Where(w => ids.Contains(w.Id) && w.LeaseOwner == owner).ToListAsync(ct);
            done = held.Count;
            if (held.Count > 0)
            {
                var outcome = await handler.HandleAsync(db, held, ct);
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
        for (var i = 0; i < done; i++)
            MusterMetrics.WorkDone(kind);
        logger.LogInformation("Ran {Count} {Kind} work items in one transaction in {Ms:F0} ms ({Prepare:F0} ms of reads before it).", done, kind,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, prepared.TotalMilliseconds);
        if (done > 0)
            signal.Notify();
    }

    private async Task RetryLaterAsync(MusterDb db, WorkItem item, Exception e)
    {
        MusterMetrics.WorkFailed(item.Kind);
        var retryAt = time.GetUtcNow().UtcDateTime + Backoff(item.Attempts);
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

    private static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(attempts, 9))));
}
