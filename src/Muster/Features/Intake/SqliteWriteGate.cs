namespace Muster.Features.Intake;

/// <summary>
/// One SQLite writer at a time within the process, queued in memory: SQLite allows one writer, and
/// a writer that finds the file locked sleeps in its busy handler (up to 100 ms a try) instead of
/// being handed the lock the moment it is free. Every save to the main database on SQLite passes
/// through it; intake does not, since it writes to a journal of its own (<see cref="IntakeJournal"/>).
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public Task WaitAsync(CancellationToken ct) => gate.WaitAsync(ct);

    public void Wait() => gate.Wait();

    public void Release() => gate.Release();

    public void Dispose() => gate.Dispose();
}
