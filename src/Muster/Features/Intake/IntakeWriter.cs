using System.Threading.Channels;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Group commit: every intake request hands its events to this one writer, which commits what has
/// queued up in a single transaction and only then lets the requests answer 2xx. The queue is
/// bounded: when it is full the request gets 429 at once instead of everyone slowing down.
/// </summary>
public sealed class IntakeWriter(IServiceScopeFactory scopes, Correlator correlator, SqliteWriteGate gate, ILogger<IntakeWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1_000;

    private sealed record Pending(IReadOnlyList<AlertEvent> Events, TaskCompletionSource Committed);

    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(5_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Queues the events; the task completes when they are committed. Null when the queue is full.</summary>
    public Task? TryAccept(IReadOnlyList<AlertEvent> events)
    {
        var pending = new Pending(events, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return queue.Writer.TryWrite(pending) ? pending.Committed.Task : null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            var count = 0;
            while (count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                count += pending.Events.Count;
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                db.AlertEvents.AddRange(batch.SelectMany(p => p.Events));
                var gated = !db.IsPostgres;
                if (gated)
                    await gate.WaitAsync(CancellationToken.None);
                db.HoldsWriteGate = gated;
                try
                {
                    await db.SaveChangesAsync(CancellationToken.None);
                }
                finally
                {
                    if (gated)
                        gate.Release();
                }
                foreach (var pending in batch)
                    pending.Committed.TrySetResult();
                MusterMetrics.EventsAccepted(count);
                correlator.Notify();
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not commit {Count} intake events; their senders are told to retry.", count);
                foreach (var pending in batch)
                    pending.Committed.TrySetException(e);
            }
        }
    }
}

/// <summary>
/// SQLite has one writer at a time. The intake writer and the correlator queue here for it instead
/// of meeting at SQLite's lock, where the loser polls in the busy handler with sleeps of up to
/// 100 ms: under load that left intake commits sleeping most of the time. Other writers still rely
/// on busy_timeout. Not used on PostgreSQL, whose row locks do not block these inserts.
/// </summary>
/// <summary>
/// One SQLite writer at a time within the process, queued in memory: SQLite allows one writer, and
/// a writer that finds the file locked sleeps in its busy handler (up to 100 ms a try) instead of
/// being handed the lock the moment it is free. Every save on SQLite passes through it.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public Task WaitAsync(CancellationToken ct) => gate.WaitAsync(ct);

    public void Wait() => gate.Wait();

    public void Release() => gate.Release();

    public void Dispose() => gate.Dispose();
}
