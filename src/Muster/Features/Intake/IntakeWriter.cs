using System.Threading.Channels;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Group commit: every intake request hands its events to this one writer, which commits what has
/// queued up in a single transaction and only then lets the requests answer 2xx. The queue is
/// bounded: when it is full the request gets 429 at once instead of everyone slowing down.
/// </summary>
public sealed class IntakeWriter(IServiceScopeFactory scopes, Correlator correlator, ILogger<IntakeWriter> logger) : BackgroundService
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
                await db.SaveChangesAsync(CancellationToken.None);
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
