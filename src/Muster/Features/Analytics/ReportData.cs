using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Domain.Reporting;
using Muster.Features.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.Analytics;

/// <summary>
/// What the reports read: a period and filters. <see cref="From"/> and <see cref="To"/> are UTC,
/// the period is <c>[From, To)</c>.
/// </summary>
public sealed record ReportQuery(DateTime From, DateTime To, bool IncludeDrills = false, string? ServiceId = null, string? DeviceType = null, string? Level = null)
{
    public ReportPeriod Period => new(From, To);

    /// <summary>
    /// Reads <c>from</c> and <c>to</c>: a date (<c>yyyy-MM-dd</c>, midnight in the organisation's
    /// zone) or an ISO 8601 time with an offset. Both missing is the current month; <c>to</c> is
    /// exclusive. A bad value stops the request with a 400 naming the field and the format.
    /// </summary>
    public static ReportQuery Parse(string? from, string? to, bool includeDrills, string? serviceId, string? deviceType, string? level, TimeZoneInfo zone, DateTime now)
    {
        var errors = new Problems.Errors();
        DateTime? f = null, t = null;
        if (!string.IsNullOrWhiteSpace(from))
            errors.Check((f = ParseTime(from, zone)) is not null, "from", Format("from"));
        if (!string.IsNullOrWhiteSpace(to))
            errors.Check((t = ParseTime(to, zone)) is not null, "to", Format("to"));
        errors.ThrowIfAny();
        var local = TimeZoneInfo.ConvertTimeFromUtc(now, zone);
        var month = ReportPeriod.Month(local.Year, local.Month, zone);
        var start = f ?? (t is { } end && end <= month.From ? end.AddDays(-30) : month.From);
        var stop = t ?? (f is null ? month.To : TimeZoneInfo.ConvertTimeToUtc(TimeZoneInfo.ConvertTimeFromUtc(start, zone).AddMonths(1), zone));
        errors.Check(stop > start, "to", "to must be after from; the period is [from, to), so ?from=2026-11-01&to=2026-12-01 is November.")
            .Check(stop - start <= TimeSpan.FromDays(3660), "to", "A period is at most ten years long.")
            .Text(serviceId, "serviceId", 100, required: false)
            .Text(deviceType, "deviceType", 50, required: false)
            .Text(level, "level", 50, required: false)
            .ThrowIfAny();
        return new(start, stop, includeDrills, Blank(serviceId), Blank(deviceType), Blank(level));
    }

    private static string Format(string field) =>
        $"{field} is a date (yyyy-MM-dd, midnight in the organisation's time zone) or a time in ISO 8601 with an offset, such as 2026-11-01T00:00:00+08:00.";

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static DateTime? ParseTime(string value, TimeZoneInfo zone)
    {
        value = value.Trim();
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), zone);
        if (value.Length > 10 && (value.EndsWith('Z') || value[^6] is '+' or '-')
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return at.UtcDateTime;
        return null;
    }

    public string QueryString(bool withDrills = true)
    {
        var q = $"from={Uri.EscapeDataString(Iso(From))}&to={Uri.EscapeDataString(Iso(To))}";
        if (IncludeDrills && withDrills)
            q += "&includeDrills=true";
        if (ServiceId is not null)
            q += "&serviceId=" + Uri.EscapeDataString(ServiceId);
        if (DeviceType is not null)
            q += "&deviceType=" + Uri.EscapeDataString(DeviceType);
        if (Level is not null)
            q += "&level=" + Uri.EscapeDataString(Level);
        return q;
    }

    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

/// <summary>The names the figures are shown with, in the reader's language.</summary>
public sealed record ReportNames(
    IReadOnlyDictionary<string, string> Services, IReadOnlyDictionary<string, string> DeviceTypes,
    IReadOnlyDictionary<string, string> People, IReadOnlyDictionary<string, (string Name, string Color)> Levels)
{
    public string Service(string? id) => id is null ? "" : Services.GetValueOrDefault(id, id);
    public string DeviceType(string? key) => key is null ? "" : DeviceTypes.GetValueOrDefault(key, key);
    public string Person(string id) => People.GetValueOrDefault(id, id);
    public string Level(string key) => Levels.TryGetValue(key, out var l) ? l.Name : key;
}

/// <summary>The summary with the names to show it.</summary>
public sealed record ReportResult(ReportQuery Query, ReportSummary Summary, ReportNames Names);

/// <summary>Loads the facts of a period from the database (only the columns the figures need) and summarises them.</summary>
public static class ReportData
{
    public static IQueryable<Incident> Filtered(MusterDb db, ReportQuery q)
    {
        var query = db.Incidents.AsNoTracking().Where(i => i.DeclaredAt >= q.From && i.DeclaredAt < q.To);
        if (!q.IncludeDrills)
            query = query.Where(i => !i.Drill);
        if (q.ServiceId is { } service)
            query = query.Where(i => i.ServiceId == service);
        if (q.Level is { } level)
            query = query.Where(i => i.SeverityLevel == level);
        if (q.DeviceType is { } type)
            query = query.Where(i => db.Reports.Any(r => r.IncidentId == i.Id && db.Devices.Any(d => d.Id == r.DeviceId && d.Type == type)));
        return query;
    }

    public static async Task<ReportResult> SummarizeAsync(MusterDb db, PlanCatalog plans, ReportQuery q, TimeZoneInfo zone, DateTime now, CancellationToken ct = default)
    {
        var rows = await Filtered(db, q)
            .Select(i => new
            {
                i.Id,
                i.Number,
                i.DeclaredAt,
                i.AcknowledgedAt,
                i.InvestigatingAt,
                i.RepairingAt,
                i.MitigatedAt,
                i.ResolvedAt,
                i.VerifiedAt,
                i.ClosedAt,
                i.SeverityLevel,
                i.SeverityRank,
                i.PlanVersionId,
                i.ServiceId,
                i.Drill,
            })
            .ToListAsync(ct);
        var reopened = (await Filtered(db, q)
            .Where(i => db.TimelineEntries.Any(t => t.IncidentId == i.Id && t.Kind == TimelineKinds.Reopened))
            .Select(i => i.Id).ToListAsync(ct)).ToHashSet();
        var devices = await DevicesAsync(db, q, ct);

        var targets = new Dictionary<(string, string), StageTargets>();
        var levels = new Dictionary<string, (string Name, string Color)>();
        var culture = CultureInfo.CurrentUICulture.Name;
        foreach (var version in rows.Select(r => r.PlanVersionId).Distinct())
        {
            var plan = await plans.GetAsync(db, version, ct);
            foreach (var level in plan.Levels)
            {
                targets[(version, level.Key)] = plan.TargetsFor(level.Key);
                levels.TryAdd(level.Key, (level.Name.In(culture), level.Color));
            }
        }

        var facts = rows.Select(r => new IncidentFacts
        {
            Id = r.Id,
            Number = r.Number,
            DeclaredAt = r.DeclaredAt,
            AcknowledgedAt = r.AcknowledgedAt,
            InvestigatingAt = r.InvestigatingAt,
            RepairingAt = r.RepairingAt,
            MitigatedAt = r.MitigatedAt,
            ResolvedAt = r.ResolvedAt,
            VerifiedAt = r.VerifiedAt,
            ClosedAt = r.ClosedAt,
            Level = r.SeverityLevel,
            Rank = r.SeverityRank,
            Targets = targets.GetValueOrDefault((r.PlanVersionId, r.SeverityLevel), StageTargets.None),
            ServiceId = r.ServiceId,
            Drill = r.Drill,
            Reopened = reopened.Contains(r.Id),
            Devices = devices.TryGetValue(r.Id, out var d) ? d : [],
        }).ToList();

        var fleet = await FleetAsync(db, ct);
        var schedules = await db.Schedules.AsNoTracking().ToListAsync(ct);
        var hours = await OnCallEndpoints.HoursAsync(db, schedules, q.From, q.To, ct);
        var pages = await PagesAsync(db, q, ct);
        var summary = ReportMetrics.Summarize(facts, q.Period, zone, now, q.IncludeDrills, fleet,
            hours.Select(h => new PersonHoursInput(h.Hours.PersonId, h.Hours.TotalHours, h.Hours.NightHours)), pages);
        if (!q.IncludeDrills)
        {
            // The drills were left out in SQL: count them there, so the page can say how many.
            summary = summary with { DrillCount = await Filtered(db, q with { IncludeDrills = true }).CountAsync(i => i.Drill, ct) };
        }

        var people = await ScheduleEndpoints.NamesAsync(db, summary.OnCall.Select(o => o.PersonId).ToList(), ct);
        var names = new ReportNames(
            (await db.Services.AsNoTracking().Select(s => new { s.Id, s.Name }).ToListAsync(ct)).ToDictionary(s => s.Id, s => s.Name),
            (await Devices.DeviceTypes.ListAsync(db, ct)).ToDictionary(t => t.Key, t => t.Name),
            people, levels);
        return new ReportResult(q, summary, names);
    }

    /// <summary>The devices each incident of the period names through its reports, first reported first.</summary>
    public static async Task<Dictionary<string, List<DeviceRef>>> DevicesAsync(MusterDb db, ReportQuery q, CancellationToken ct)
    {
        var incidents = Filtered(db, q);
        var pairs = await (from r in db.Reports.AsNoTracking()
                           where r.DeviceId != null && incidents.Any(i => i.Id == r.IncidentId)
                           join d in db.Devices.AsNoTracking() on r.DeviceId equals d.Id
                           orderby r.ReceivedAt
                           select new { r.IncidentId, d.Id, d.Code, d.Type, d.Site, d.Building }).ToListAsync(ct);
        var result = new Dictionary<string, List<DeviceRef>>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            var list = result.TryGetValue(p.IncidentId!, out var l) ? l : result[p.IncidentId!] = [];
            if (list.All(x => x.Id != p.Id))
                list.Add(new DeviceRef(p.Id, p.Code, p.Type, Place(p.Site, p.Building)));
        }
        return result;
    }

    /// <summary>A device's place for the counts: its site and building, as far as they are known.</summary>
    public static string? Place(string? site, string? building)
    {
        var parts = new[] { site, building }.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()).ToArray();
        return parts.Length == 0 ? null : string.Join(" · ", parts);
    }

    /// <summary>Devices in service per type, counted in SQL, with each type's target.</summary>
    public static async Task<List<DeviceFleet>> FleetAsync(MusterDb db, CancellationToken ct)
    {
        var counts = await db.Devices.AsNoTracking().Where(d => d.Status == "in_service")
            .GroupBy(d => d.Type).Select(g => new { Type = g.Key, Count = g.Count() }).ToListAsync(ct);
        var types = await db.DeviceTypes.AsNoTracking().Select(t => new { t.Key, t.FailureTarget }).ToListAsync(ct);
        return types.Select(t => t.Key).Union(counts.Select(c => c.Type))
            .Select(type => new DeviceFleet(type, counts.FirstOrDefault(c => c.Type == type)?.Count ?? 0, types.FirstOrDefault(t => t.Key == type)?.FailureTarget))
            .Where(f => f.InService > 0 || f.Target is not null)
            .ToList();
    }

    /// <summary>Pages sent in the period: one per person, incident, escalation step and round, however many contact methods it went to.</summary>
    public static async Task<List<PageFact>> PagesAsync(MusterDb db, ReportQuery q, CancellationToken ct)
    {
        var rows = await (from n in db.Notifications.AsNoTracking()
                          where (n.Kind == "page" || n.Kind == "reescalation") && n.PersonId != null && n.IncidentId != null
                                && n.CreatedAt >= q.From && n.CreatedAt < q.To
                          join i in db.Incidents on n.IncidentId equals i.Id
                          select new { n.PersonId, n.IncidentId, n.Step, n.Round, n.CreatedAt, i.Drill }).ToListAsync(ct);
        return rows.GroupBy(r => (r.PersonId, r.IncidentId, r.Step, r.Round))
            .Select(g => new PageFact(g.Key.PersonId!, g.Key.IncidentId!, g.Min(r => r.CreatedAt), g.First().Drill))
            .ToList();
    }
}
