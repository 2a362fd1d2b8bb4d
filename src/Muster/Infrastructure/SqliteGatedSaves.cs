using Microsoft.EntityFrameworkCore.Diagnostics;
using Muster.Data;
using Muster.Features.Intake;

namespace Muster.Infrastructure;

/// <summary>
/// On SQLite, every save that is not already inside the write gate's hold (intake's group commit
/// and the correlator take it for their whole transaction) waits for the gate, so that the work
/// runner's items, the pages and the API queue for the one writer in memory rather than sleeping
/// on the file lock.
/// </summary>
public sealed class SqliteGatedSaves(SqliteWriteGate gate) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (NeedsGate(eventData.Context) is { } db)
        {
            gate.Wait();
            db.SaveHoldsWriteGate = true;
        }
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (NeedsGate(eventData.Context) is { } db)
        {
            await gate.WaitAsync(cancellationToken);
            db.SaveHoldsWriteGate = true;
        }
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    // A concurrency conflict is reported here and not as a failed save.
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(ConcurrencyExceptionEventData eventData, InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    // A save inside a caller's own transaction leaves the gate to that caller: taking it here could
    // wait on a holder that is waiting on this transaction.
    private static MusterDb? NeedsGate(Microsoft.EntityFrameworkCore.DbContext? context) =>
        context is MusterDb { HoldsWriteGate: false, SaveHoldsWriteGate: false } db && db.Database.CurrentTransaction is null ? db : null;

    private void Release(Microsoft.EntityFrameworkCore.DbContext? context)
    {
        if (context is MusterDb { SaveHoldsWriteGate: true } db)
        {
            db.SaveHoldsWriteGate = false;
            gate.Release();
        }
    }
}
