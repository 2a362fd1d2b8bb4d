using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Components;

/// <summary>
/// A component that renders beside others on one page and reads the database: it takes a context
/// of its own, because a DbContext allows one operation at a time and siblings initialise together.
/// </summary>
public abstract class OwnDbComponent : ComponentBase, IAsyncDisposable
{
    private MusterDb? db;

    [Inject] private IDbContextFactory<MusterDb> Contexts { get; set; } = default!;

    protected MusterDb Db => db ??= Contexts.CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        if (db is not null)
            await db.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
