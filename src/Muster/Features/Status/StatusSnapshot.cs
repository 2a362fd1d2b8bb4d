using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Status;
using Muster.Infrastructure;

namespace Muster.Features.Status;

public sealed record SnapshotComponent(
    string Id, string NameZh, string NameEn, string? DescriptionZh, string? DescriptionEn, string? Group, int Order,
    ComponentState State, UptimeSummary Uptime)
{
    public string Name(bool zh) => zh ? NameZh : NameEn;

    public string? Description(bool zh) => zh ? DescriptionZh : DescriptionEn;
}

public sealed record SnapshotUpdate(string Id, string Status, string TextZh, string TextEn, DateTime PublishedAt)
{
    public string Text(bool zh) => zh ? TextZh : TextEn;
}

/// <summary>A post as the public sees it: only its published updates, newest first.</summary>
public sealed record SnapshotPost(
    string Id, string Kind, string TitleZh, string TitleEn, IReadOnlyList<string> ComponentIds,
    DateTime? StartsAt, DateTime? EndsAt, DateTime CreatedAt, DateTime? ResolvedAt, IReadOnlyList<SnapshotUpdate> Updates)
{
    public string Title(bool zh) => zh ? TitleZh : TitleEn;

    public DateTime FirstPublishedAt => Updates[^1].PublishedAt;

    public DateTime LastPublishedAt => Updates[0].PublishedAt;
}

/// <summary>Everything the public pages show, read from the database at once; pages render from this alone.</summary>
public sealed record StatusSnapshot(
    string Version, DateTime BuiltAt, TimeZoneInfo Zone,
    IReadOnlyList<SnapshotComponent> Components, ComponentState Overall,
    IReadOnlyList<SnapshotPost> Active, IReadOnlyList<SnapshotPost> Maintenance, IReadOnlyList<SnapshotPost> Past,
    IReadOnlyDictionary<string, SnapshotPost> Posts)
{
    public const int Days = 90;
    public const int PastDays = 14;

    /// <summary>The newest published change, for Last-Modified and the feed's updated.</summary>
    public DateTime LastChange { get; init; }

    public static async Task<StatusSnapshot> BuildAsync(MusterDb db, string version, DateTime now, TimeZoneInfo zone, CancellationToken ct)
    {
        var components = await db.StatusComponents.AsNoTracking().OrderBy(c => c.Order).ThenBy(c => c.NameEn).ToListAsync(ct);
        var mappings = await db.StatusComponentServices.AsNoTracking().ToListAsync(ct);
        var serviceIds = mappings.Select(m => m.ServiceId).Distinct().ToList();
        var since = now.AddDays(-(Days + 1));
        var incidents = await db.Incidents.AsNoTracking()
            .Where(i => serviceIds.Contains(i.ServiceId) && !i.Drill && (i.ResolvedAt == null || i.ResolvedAt > since))
            .Select(i => new { i.ServiceId, i.SeverityRank, i.Impact.Condition, i.StartedAt, i.MitigatedAt, i.ResolvedAt })
            .ToListAsync(ct);
        var postsSince = now.AddDays(-365);
        var posts = await db.StatusPosts.AsNoTracking()
            .Where(p => p.ResolvedAt == null || p.ResolvedAt > postsSince).ToListAsync(ct);
        var postIds = posts.Select(p => p.Id).ToList();
        var updates = (await db.StatusUpdates.AsNoTracking()
                .Where(u => postIds.Contains(u.PostId) && u.State == StatusStates.Published).ToListAsync(ct))
            .ToLookup(u => u.PostId);

        var publicPosts = posts
            .Where(p => updates[p.Id].Any())
            .Select(p => new SnapshotPost(p.Id, p.Kind, p.TitleZh, p.TitleEn, SplitIds(p.ComponentIds), p.StartsAt, p.EndsAt, p.CreatedAt, p.ResolvedAt,
                [.. updates[p.Id].OrderByDescending(u => u.PublishedAt).ThenByDescending(u => u.Id)
                    .Select(u => new SnapshotUpdate(u.Id, u.Status, u.TextZh, u.TextEn, u.PublishedAt ?? u.CreatedAt))]))
            .ToList();
        var maintenance = publicPosts.Where(p => p.Kind == StatusKinds.Maintenance).ToList();

        var built = new List<SnapshotComponent>(components.Count);
        foreach (var component in components)
        {
            var services = mappings.Where(m => m.ComponentId == component.Id).Select(m => m.ServiceId).ToHashSet();
            var mine = incidents.Where(i => services.Contains(i.ServiceId)).ToList();
            var open = mine.Where(i => i.ResolvedAt is null).Select(i => new IncidentSignal(i.SeverityRank, i.Condition));
            var windows = maintenance.Where(p => p.ComponentIds.Contains(component.Id) && p.StartsAt is not null && p.EndsAt is not null).ToList();
            var inMaintenance = windows.Any(p => p.ResolvedAt is null && StatusPostRules.InWindow(p.StartsAt!.Value, p.EndsAt!.Value, now));
            var state = ComponentStatus.Derive(open, inMaintenance);
            var spans = mine.Select(i =>
                {
                    var restored = i.MitigatedAt is { } m && (i.ResolvedAt is null || m < i.ResolvedAt) ? m : i.ResolvedAt;
                    return new StateSpan(i.StartedAt, restored, ComponentStatus.ForIncident(new IncidentSignal(i.SeverityRank, i.Condition)));
                })
                .Concat(windows.Select(p => new StateSpan(p.StartsAt!.Value,
                    p.ResolvedAt is { } r && r < p.EndsAt!.Value ? r : p.EndsAt!.Value, ComponentState.Maintenance)));
            built.Add(new SnapshotComponent(component.Id, component.NameZh, component.NameEn, component.DescriptionZh, component.DescriptionEn,
                component.Group, component.Order, state, Uptime.Compute(spans, now, zone, Days)));
        }

        var active = publicPosts.Where(p => p.Kind == StatusKinds.Incident && p.ResolvedAt is null).OrderByDescending(p => p.LastPublishedAt).ToList();
        var upcoming = maintenance.Where(p => p.ResolvedAt is null && p.EndsAt > now).OrderBy(p => p.StartsAt).ToList();
        var pastSince = now.AddDays(-PastDays);
        var past = publicPosts.Where(p => p.ResolvedAt is { } r && r > pastSince).OrderByDescending(p => p.ResolvedAt).ToList();
        var lastChange = publicPosts.Select(p => p.LastPublishedAt).Concat(components.Select(c => c.UpdatedAt)).DefaultIfEmpty(now).Max();
        return new StatusSnapshot(version, now, zone, built, ComponentStatus.Overall(built.Select(c => c.State)), active, upcoming, past,
            publicPosts.ToDictionary(p => p.Id))
        {
            LastChange = lastChange,
        };
    }

    public static IReadOnlyList<string> SplitIds(string? ids) =>
        string.IsNullOrWhiteSpace(ids) ? [] : ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public static class StatusKinds
{
    public const string Incident = "incident";
    public const string Maintenance = "maintenance";
}

public static class StatusStates
{
    public const string Pending = "pending";
    public const string Published = "published";
    public const string Rejected = "rejected";
}

/// <summary>Settings under <c>Muster:Status</c>.</summary>
public sealed class StatusOptions
{
    /// <summary>How often a request may look at the database for changes made by another process, in seconds.</summary>
    public double CheckSeconds { get; set; } = 2;

    /// <summary>The least time between two rebuilds after changes, in seconds: a burst of updates rebuilds once.</summary>
    public double MinRebuildSeconds { get; set; } = 1;

    /// <summary>Rebuilt at least this often even without changes, for today's bar and maintenance windows that start or end.</summary>
    public double MaxAgeSeconds { get; set; } = 30;

    /// <summary>The Cache-Control max-age of the public pages, in seconds.</summary>
    public int CacheSeconds { get; set; } = 10;
}

/// <summary>
/// Holds the snapshot the public pages render from, and the pages rendered from it. A request
/// reads memory only; one request every few seconds asks the database whether anything changed
/// (a version a write bumps, and the incidents' latest change), and rebuilds if it did. While one
/// request rebuilds, the others are served the previous snapshot rather than wait.
/// </summary>
public sealed class StatusCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<MusterOptions> options, IOptions<StatusOptions> statusOptions, ILogger<StatusCache> logger) : IDisposable
{
    public const string VersionKey = "status-version";
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile Entry? current;
    private volatile bool dirty;
    private long lastCheck;

    public sealed class Entry(StatusSnapshot snapshot, string signature, long builtTicks)
    {
        public StatusSnapshot Snapshot { get; } = snapshot;
        public string Signature { get; } = signature;
        public long BuiltTicks { get; } = builtTicks;

        /// <summary>Pages rendered from this snapshot, by path and language.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, StatusRendered> Pages { get; } = new();
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Called after a write in this process: the next request rebuilds.</summary>
    public void Invalidate() => dirty = true;

    public async Task<Entry> GetAsync(CancellationToken ct)
    {
        var entry = current;
        var settings = statusOptions.Value;
        var nowTicks = Stopwatch.GetTimestamp();
        if (entry is null)
        {
            await gate.WaitAsync(ct);
            try
            {
                return current ??= await BuildAsync(null, ct);
            }
            finally
            {
                gate.Release();
            }
        }
        var sinceCheck = Stopwatch.GetElapsedTime(Interlocked.Read(ref lastCheck), nowTicks).TotalSeconds;
        var sinceBuild = Stopwatch.GetElapsedTime(entry.BuiltTicks, nowTicks).TotalSeconds;
        var due = (dirty && sinceBuild >= settings.MinRebuildSeconds) || sinceCheck >= settings.CheckSeconds || sinceBuild >= settings.MaxAgeSeconds;
        if (!due || !gate.Wait(0, ct))
            return entry;
        try
        {
            entry = current!;
            Interlocked.Exchange(ref lastCheck, Stopwatch.GetTimestamp());
            var wasDirty = dirty;
            dirty = false;
            var signature = await SignatureAsync(ct);
            if (wasDirty || signature != entry.Signature || Stopwatch.GetElapsedTime(entry.BuiltTicks).TotalSeconds >= settings.MaxAgeSeconds)
                current = entry = await BuildAsync(signature, ct);
            return entry;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The page stays up on the last snapshot while the database is away.
            logger.LogWarning(e, "The status snapshot could not be refreshed; serving the one from {BuiltAt:O}.", entry.Snapshot.BuiltAt);
            return entry;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<string> SignatureAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        return await SignatureAsync(db, ct);
    }

    private static async Task<string> SignatureAsync(MusterDb db, CancellationToken ct)
    {
        var version = await db.Settings.AsNoTracking().Where(s => s.Key == VersionKey).Select(s => s.Value).FirstOrDefaultAsync(ct) ?? "0";
        var incidents = await db.Incidents.AsNoTracking().MaxAsync(i => (DateTime?)i.UpdatedAt, ct);
        // Two changes within one clock tick leave the latest time alone: the open incidents' count and levels tell those apart.
        var open = await db.Incidents.AsNoTracking().Where(i => i.ResolvedAt == null)
            .GroupBy(_ => 1).Select(g => new { Count = g.Count(), Ranks = g.Sum(i => i.SeverityRank) }).FirstOrDefaultAsync(ct);
        return $"{version}/{incidents?.Ticks}/{open?.Count}/{open?.Ranks}";
    }

    private async Task<Entry> BuildAsync(string? signature, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        signature ??= await SignatureAsync(db, ct);
        var snapshot = await StatusSnapshot.BuildAsync(db, signature, time.GetUtcNow().UtcDateTime, options.Value.Zone, ct);
        Interlocked.Exchange(ref lastCheck, Stopwatch.GetTimestamp());
        return new Entry(snapshot, signature, Stopwatch.GetTimestamp());
    }

    /// <summary>Marks the status page changed as part of the caller's next save, so every process rebuilds.</summary>
    public static async Task BumpAsync(MusterDb db, CancellationToken ct = default)
    {
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == VersionKey, ct);
        if (row is null)
            db.Settings.Add(new Setting { Key = VersionKey, Value = Ids.New() });
        else
            row.Value = Ids.New();
    }
}

/// <summary>A rendered page: the bytes, their ETag and the time they last changed.</summary>
public sealed record StatusRendered(byte[] Body, string ContentType, string ETag, DateTime LastModified);
