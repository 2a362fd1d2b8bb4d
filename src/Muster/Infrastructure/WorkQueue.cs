using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>Does one kind of work item. Must be idempotent: a crash after the work and before the
/// delete runs it again.</summary>
public interface IWorkHandler
{
    string Kind { get; }

    Task HandleAsync(WorkItem item, CancellationToken ct);
}

/// <summary>Wakes the runner when work is due soon, so it need not wait for the next poll.</summary>
public sealed class WorkSignal : IDisposable
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public void Notify()
    {
        if (signal.CurrentCount == 0)
        {
            try { signal.Release(); }
            catch (SemaphoreFullException) { }
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => signal.WaitAsync(timeout, ct);

    public void Dispose() => signal.Dispose();
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
/// died) is claimed again; on PostgreSQL, SKIP LOCKED divides the rows among processes.
/// </summary>
public sealed class WorkRunner(IServiceScopeFactory scopes, TimeProvider time, WorkSignal signal, Features.Intake.SqliteWriteGate gate, ILogger<WorkRunner> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    /// <summary>How many claimed items run at once.</summary>
    public const int Concurrency = 8;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly string owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunDueAsync(stoppingToken) > 0)
                    continue;
                await signal.WaitAsync(Poll, stoppingToken);
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

    /// <summary>Runs what is due now; returns how many items were claimed.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct = default)
    {
        List<WorkItem> claimed;
        var now = time.GetUtcNow().UtcDateTime;
        var until = now + Lease;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            if (!db.IsPostgres)
                await gate.WaitAsync(ct);
            try
            {
                claimed = await db.WorkItems.FromSqlRaw(db.IsPostgres ? ClaimSql.Replace("LIMIT 100", "LIMIT 100 FOR UPDATE SKIP LOCKED") : ClaimSql, owner, until, now)
                    .AsNoTracking().ToListAsync(ct);
            }
            finally
            {
                if (!db.IsPostgres)
                    gate.Release();
            }
        }
        // Items are independent (each has its own key and its own DbContext); most of the time of a
        // message is the vendor's answer, so several run at once. Items of one incident that collide
        // on its concurrency token fail and are retried with the usual backoff.
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
            async (item, token) => await RunAsync(item, until, token));
        return claimed.Count;
    }

    private const string ClaimSql = """
                UPDATE "WorkItems" SET "LeaseOwner" = {0}, "LeaseUntil" = {1}, "Attempts" = "Attempts" + 1
                WHERE "Id" IN (SELECT "Id" FROM "WorkItems" WHERE "DueAt" <= {2} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {2})
                       ORDER BY "DueAt" LIMIT 100)
        RETURNING *
        """;

    private async Task RunAsync(WorkItem item, DateTime leaseUntil, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        try
        {
            var handler = scope.ServiceProvider.GetServices<IWorkHandler>().FirstOrDefault(h => h.Kind == item.Kind)
                ?? throw new InvalidOperationException($"No handler for work of kind '{item.Kind}'.");
            await handler.HandleAsync(item, ct);
            // A handler that rescheduled its own key cleared the lease, so this deletes nothing.
            if (!db.IsPostgres)
                await gate.WaitAsync(ct);
            try
            {
                await db.WorkItems.Where(w => w.Id == item.Id && w.LeaseOwner == owner && w.LeaseUntil == leaseUntil).ExecuteDeleteAsync(ct);
            }
            finally
            {
                if (!db.IsPostgres)
                    gate.Release();
            }
            MusterMetrics.WorkDone(item.Kind);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            MusterMetrics.WorkFailed(item.Kind);
            var retryAt = time.GetUtcNow().UtcDateTime + Backoff(item.Attempts);
            logger.LogWarning(e, "Work {Kind} {Key} failed (attempt {Attempt}); retrying at {RetryAt:O}.", item.Kind, item.Key, item.Attempts, retryAt);
            await db.WorkItems.Where(w => w.Id == item.Id && w.LeaseOwner == owner).ExecuteUpdateAsync(s => s
                .SetProperty(w => w.DueAt, retryAt)
                .SetProperty(w => w.LeaseOwner, (string?)null)
                .SetProperty(w => w.LeaseUntil, (DateTime?)null)
                .SetProperty(w => w.LastError, e.Message), CancellationToken.None);
        }
    }

    private static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(attempts, 9))));
}
