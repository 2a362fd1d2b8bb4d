using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Features.Intake;

/// <summary>
/// The integration behind an intake secret, remembered for a few seconds: a monitoring system sends
/// thousands of requests a second with the same few secrets, and a database read for each cost more
/// than the rest of the request. The endpoints that add, enable, disable or rotate an integration
/// forget them all at once; other processes (PostgreSQL) see such a change within <see cref="Fresh"/>.
/// </summary>
public sealed class IntakeIntegrations(IDbContextFactory<MusterDb> contexts)
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);

    private sealed record Known(Integration? Integration, long At);

    private readonly ConcurrentDictionary<(string Type, string Secret), Known> known = new();

    /// <summary>The enabled integration of this type with this secret; null says nothing more to the sender.</summary>
    public async ValueTask<Integration?> FindAsync(string? secret, string type, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 200)
            return null;
        var now = Environment.TickCount64;
        if (known.TryGetValue((type, secret), out var hit) && now - hit.At < Fresh.TotalMilliseconds)
            return hit.Integration;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.Secret == secret && i.Enabled && i.Type == type, ct);
        // Unknown secrets are remembered too, so a misconfigured sender costs no more than a known one;
        // the table stays small because a full one starts again.
        if (known.Count > 10_000)
            known.Clear();
        known[(type, secret)] = new Known(integration, now);
        return integration;
    }

    public void Forget() => known.Clear();
}
