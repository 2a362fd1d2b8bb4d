using System.Threading.Channels;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Group commit: every intake request hands its events to this one writer, which commits what has
/// queued up in a single transaction and only then lets the requests answer 2xx. The queue is
/// bounded: when it is full the request gets 429 at once instead of everyone slowing down. On
/// SQLite the commit goes to the <see cref="IntakeJournal"/>, a file no other writer touches; on
/// PostgreSQL to <c>AlertEvents</c>.
/// </summary>
public sealed class IntakeWriter(IServiceScopeFactory scopes, IntakeJournal journal, Correlator correlator, ILogger<IntakeWriter> logger) : BackgroundService
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!journal.Enabled)
            return RunAsync(stoppingToken);
        // SQLite writes block while the disk syncs: a thread of its own, not one of the pool's.
        var done = new TaskCompletionSource();
        var thread = new Thread(() =>
        {
            try
            {
                RunJournal(stoppingToken);
                done.TrySetResult();
            }
            catch (OperationCanceledException)
            {
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "muster intake writer" };
        thread.Start();
        return done.Task;
    }

    private void RunJournal(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        // One wait at a time, kept across the idle seconds: a new one each second would pile up waiters.
        Task<bool>? wait = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!queue.Reader.TryPeek(out _))
            {
                journal.Tidy();
                wait ??= queue.Reader.WaitToReadAsync(stoppingToken).AsTask();
                if (!wait.Wait(TimeSpan.FromSeconds(1), stoppingToken))
                    continue;
                var more = wait.Result;
                wait = null;
                if (!more)
                    return;
            }
            var count = Drain(batch);
            try
            {
                journal.Append(batch.SelectMany(p => p.Events));
                Committed(batch, count);
            }
            catch (Exception e)
            {
                Failed(batch, count, e);
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var count = Drain(batch);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                db.AlertEvents.AddRange(batch.SelectMany(p => p.Events));
                await db.SaveChangesAsync(CancellationToken.None);
                Committed(batch, count);
            }
            catch (Exception e)
            {
                Failed(batch, count, e);
            }
        }
    }

    private int Drain(List<Pending> batch)
    {
        batch.Clear();
        var count = 0;
        while (count < MaxBatch && queue.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
            count += pending.Events.Count;
        }
        return count;
    }

    private void Committed(List<Pending> batch, int count)
    {
        foreach (var pending in batch)
            pending.Committed.TrySetResult();
        MusterMetrics.EventsAccepted(count);
        correlator.Notify();
    }

    private void Failed(List<Pending> batch, int count, Exception e)
    {
        logger.LogError(e, "Could not commit {Count} intake events; their senders are told to retry.", count);
        foreach (var pending in batch)
            pending.Committed.TrySetException(e);
    }
}
