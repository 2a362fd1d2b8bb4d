using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Infrastructure;

namespace Muster.Bench;

/// <summary>What the loader put in the database, for the scenarios to pick from.</summary>
public sealed record Dataset(IReadOnlyList<string> ServiceIds, IReadOnlyList<string> IncidentIds, int Incidents, long TimelineEntries, TimeSpan LoadTime, bool Loaded);

/// <summary>
/// Loads incidents through the domain (<see cref="Incident.Declare"/> and its transitions, so
/// every row and timeline entry is one the app could have written) and EF in batches with change
/// tracking off.
/// </summary>
public static class Loader
{
    public const int ServiceCount = 40;
    private const int BatchSize = 2_000;

    /// <summary>Words the titles are made of; the text-search scenario searches for these.</summary>
    public static readonly string[] SearchWords = ["timeout", "database", "latency", "certificate", "支付", "登录", "证书", "disk"];

    /// <summary>A word no title holds: the search must read every row to say so.</summary>
    public const string MissingWord = "zebra";

    private static readonly string[] Symptoms =
    [
        "payment timeout 支付超时", "login failures 登录失败", "database connection pool exhausted", "数据库主从延迟",
        "latency spike on checkout", "接口延迟升高", "certificate expired 证书过期", "disk full on log volume", "磁盘空间不足",
        "5xx rate above threshold", "消息队列积压", "DNS resolution errors", "短信通道发送失败", "cache stampede after deploy",
        "支付回调丢失", "扫码支付失败 QR payment declined", "search index stale", "打印机离线 printer offline",
    ];

    private static readonly string[] Places = ["北京", "上海", "深圳", "杭州", "成都", "eu-west", "us-east", "华东机房", "华南机房"];

    private static readonly string[] Notes =
    [
        "回滚到上一个版本后恢复。", "Rolled back the last deploy.", "已联系供应商，等待回复。", "Failover to the standby done.",
        "扩容两台实例。", "Customer support informed.",
    ];

    public static async Task<Dataset> LoadAsync(IServiceProvider services, BenchOptions options, TextWriter log, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        List<string> serviceIds;
        string versionId;
        PlanDefinition plan;
        int existing;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            existing = await db.Incidents.CountAsync(ct);
            versionId = await db.Plans.Where(p => p.Key == PlanCatalog.DefaultKey).Select(p => p.ActiveVersionId).FirstAsync(ct)
                ?? throw new InvalidOperationException("The default plan has no active version.");
            plan = await scope.ServiceProvider.GetRequiredService<PlanCatalog>().GetAsync(db, versionId, ct);
            serviceIds = await db.Services.Where(s => s.Name.StartsWith("bench-")).OrderBy(s => s.Name).Select(s => s.Id).ToListAsync(ct);
            if (serviceIds.Count == 0)
            {
                var now = DateTime.UtcNow.AddYears(-1).AddDays(-1);
                for (var s = 0; s < ServiceCount; s++)
                {
                    var service = new Service { Name = $"bench-{s:00} {Places[s % Places.Length]}", CreatedAt = now };
                    db.Services.Add(service);
                    serviceIds.Add(service.Id);
                }
                await db.SaveChangesAsync(ct);
            }
        }

        var loaded = false;
        if (existing == 0)
        {
            await InsertAsync(services, options.Incidents, serviceIds, versionId, plan, random, log, ct);
            loaded = true;
        }
        else if (existing != options.Incidents)
        {
            throw new InvalidOperationException($"The database holds {existing} incidents, not {options.Incidents}; give an empty one.");
        }
        else
        {
            log.WriteLine($"Reusing the {existing} incidents already in the database.");
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            // On PostgreSQL, what autovacuum does soon after a bulk load anyway (statistics, and the
            // visibility map that index-only scans need), done now so that it does not run mid-measurement.
            if (options.AnalyzeOrDefault)
                await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "VACUUM ANALYZE" : "ANALYZE", ct);
            var ids = await db.Incidents.Select(i => i.Id).ToListAsync(ct);
            var entries = await db.TimelineEntries.LongCountAsync(ct);
            return new Dataset(serviceIds, ids, ids.Count, entries, clock.Elapsed, loaded);
        }
    }

    private static async Task InsertAsync(
        IServiceProvider services, int count, List<string> serviceIds, string versionId, PlanDefinition plan, Random random, TextWriter log, CancellationToken ct)
    {
        // Declared times spread over the year before now, oldest first, as numbers grow.
        var end = DateTime.UtcNow.AddMinutes(-5);
        var start = end.AddYears(-1);
        var span = (end - start).Ticks;
        var times = new long[count];
        for (var i = 0; i < count; i++)
            times[i] = start.Ticks + random.NextInt64(span);
        Array.Sort(times);

        var actors = Enumerable.Range(1, 12).Select(n => new Actor($"bench-person-{n}", $"值班员 {n}")).ToArray();
        var watch = Stopwatch.StartNew();
        for (var offset = 0; offset < count; offset += BatchSize)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var batch = new List<Incident>(BatchSize);
            for (var i = offset; i < Math.Min(count, offset + BatchSize); i++)
                batch.Add(Make(i, new DateTime(times[i], DateTimeKind.Utc), end, serviceIds, versionId, plan, actors, random));
            db.Incidents.AddRange(batch);
            await db.SaveChangesAsync(ct);
            if ((offset / BatchSize) % 10 == 9 || offset + BatchSize >= count)
                log.WriteLine($"  loaded {Math.Min(count, offset + BatchSize),7} incidents, {watch.Elapsed.TotalSeconds:F0} s");
        }

        await using (var scope = services.CreateAsyncScope())
        {
            // The next incident declared through the API takes the number after the last one loaded.
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            db.Counters.Add(new Counter { Name = "incident", Value = 1000 + count });
            await db.SaveChangesAsync(ct);
        }
    }

    private static Incident Make(
        int i, DateTime declared, DateTime end, List<string> serviceIds, string versionId, PlanDefinition plan, Actor[] actors, Random random)
    {
        var place = Places[random.Next(Places.Length)];
        var symptom = Symptoms[random.Next(Symptoms.Length)];
        var title = random.Next(3) switch
        {
            0 => $"{place} {symptom}",
            1 => $"{symptom} ({place})",
            _ => symptom,
        };
        var description = random.Next(10) < 3 ? $"{symptom}: {Notes[random.Next(Notes.Length)]} 影响范围：{place}。" : null;
        var impact = random.Next(100) switch
        {
            < 8 => new ImpactFacts { Condition = "down" },
            < 35 => new ImpactFacts { AffectedUsers = 3000 + random.Next(7000) },
            < 60 => new ImpactFacts { Condition = "partial", AffectedUsers = random.Next(3000) },
            _ => new ImpactFacts { Condition = "minor" },
        };
        var by = actors[random.Next(actors.Length)];
        var incident = Incident.Declare(
            Ids.New(), 1001 + i, title, description, serviceIds[random.Next(serviceIds.Count)], versionId, plan, impact,
            declared.AddMinutes(-random.Next(30)), drill: random.Next(100) < 5, by, declared);

        // Old incidents are almost all finished; the last week's are anywhere in their lifecycle.
        var recent = end - declared < TimeSpan.FromDays(7);
        var target = recent || random.Next(100) < 2
            ? (IncidentStatus)random.Next((int)IncidentStatus.Closed + 1)
            : (IncidentStatus)(5 + random.Next(3));
        var at = declared;
        foreach (var step in Enum.GetValues<IncidentStatus>())
        {
            if (step == IncidentStatus.Triggered || step > target || (step != target && step is not (IncidentStatus.Acknowledged or IncidentStatus.Resolved) && random.Next(2) == 0))
                continue;
            at = at.AddMinutes(1 + random.Next(step >= IncidentStatus.Resolved ? 600 : 60));
            if (at >= end)
                break;
            if (random.Next(5) == 0)
                incident.AddNote(Notes[random.Next(Notes.Length)], by, at);
            incident.MoveTo(step, by, at, null);
        }
        return incident;
    }
}
