using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>
/// One writer's transaction for work that writes many rows at once. On SQLite it holds the write
/// gate for the whole transaction (every writer queues for it in memory, ADR 0007), and the saves
/// inside it do not wait for the gate again; on PostgreSQL it is a plain transaction.
/// </summary>
public sealed class WriteTransactions(Features.Intake.SqliteWriteGate gate)
{
    public async Task RunAsync(MusterDb db, Func<Task> write, CancellationToken ct)
    {
        var gated = !db.IsPostgres;
        if (gated)
            await gate.WaitAsync(ct);
        db.HoldsWriteGate = gated;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await write();
            await transaction.CommitAsync(ct);
        }
        finally
        {
            db.HoldsWriteGate = false;
            if (gated)
                gate.Release();
        }
    }
}
