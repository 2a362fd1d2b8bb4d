using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Domain.Reporting;
using Muster.Features.OnCall;
using Muster.Features.Surveys;
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
public sealed record ReportResult(ReportQuery Query, ReportSummary Summary, ReportNames Names, SurveyResults? Surveys = null);

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

    /// <summary>
    /// The figures of the period: one narrow read of the incidents (drills included, so the drills
    /// left out are counted in the same pass) as integer ticks, then <see cref="ReportTally"/>;
    /// see docs/decisions/0016-reports-fast-path.md.
    /// </summary>
    public static async Task<ReportResult> SummarizeAsync(MusterDb db, PlanCatalog plans, ReportQuery q, TimeZoneInfo zone, DateTime now, CancellationToken ct = default)
    {
        var (rows, levels) = await TicksAsync(db, plans, q, ct);
        var devices = await DevicesAsync(db, q with { IncludeDrills = true }, ct);
        var fleet = await FleetAsync(db, ct);
        var schedules = await db.Schedules.AsNoTracking().ToListAsync(ct);
        var hours = await OnCallEndpoints.HoursAsync(db, schedules, q.From, q.To, ct);
        var pages = await PagesAsync(db, q, ct);
        var summary = ReportTally.Summarize(rows, devices, q.Period, zone, now, q.IncludeDrills, fleet,
            hours.Select(h => new PersonHoursInput(h.Hours.PersonId, h.Hours.TotalHours, h.Hours.NightHours)), pages);

        var people = await ScheduleEndpoints.NamesAsync(db, summary.OnCall.Select(o => o.PersonId).ToList(), ct);
        var names = new ReportNames(
            (await db.Services.AsNoTracking().Select(s => new { s.Id, s.Name }).ToListAsync(ct)).ToDictionary(s => s.Id, s => s.Name),
            (await Devices.DeviceTypes.ListAsync(db, ct)).ToDictionary(t => t.Key, t => t.Name),
            people, levels);
        var surveys = await SurveyStats.QueryAsync(db, q.From, q.To, q.ServiceId, ct);
        return new ReportResult(q, summary, names, surveys);
    }

    /// <summary>
    /// The incidents of the period (drills included) as <see cref="IncidentTicks"/>, in order of
    /// declaration, with each plan version's targets for the level, and the levels' names and colours.
    /// One SQL statement over the <c>DeclaredAt</c> index. On SQLite the times are text, read as
    /// ticks here digit by digit (exactly: the text holds all seven decimals), and the numbers and
    /// times of a row come packed in one text column: a call into SQLite per column cost more than
    /// the figures. On PostgreSQL they are read column by column, as timestamps.
    /// </summary>
    public static async Task<(List<IncidentTicks> Rows, Dictionary<string, (string Name, string Color)> Levels)> TicksAsync(
        MusterDb db, PlanCatalog plans, ReportQuery q, CancellationToken ct)
    {
        var sqlite = db.Database.IsSqlite();
        var connection = db.Database.GetDbConnection();
        var rows = new List<IncidentTicks>();
        var versions = new List<string>();
        var targets = new Dictionary<(string, string), StageTargets>();
        var levels = new Dictionary<string, (string Name, string Color)>();
        var culture = CultureInfo.CurrentUICulture.Name;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            var filters = new System.Text.StringBuilder();
            Parameter(command, "from", DateTime.SpecifyKind(q.From, DateTimeKind.Utc));
            Parameter(command, "to", DateTime.SpecifyKind(q.To, DateTimeKind.Utc));
            if (q.ServiceId is { } service)
            {
                filters.Append(" AND i.\"ServiceId\" = @service");
                Parameter(command, "service", service);
            }
            if (q.Level is { } level)
            {
                filters.Append(" AND i.\"SeverityLevel\" = @level");
                Parameter(command, "level", level);
            }
            if (q.DeviceType is { } type)
            {
                filters.Append(" AND EXISTS (SELECT 1 FROM \"Reports\" r2 JOIN \"Devices\" d2 ON d2.\"Id\" = r2.\"DeviceId\" WHERE r2.\"IncidentId\" = i.\"Id\" AND d2.\"Type\" = @type)");
                Parameter(command, "type", type);
            }
            const string reopened = $"""CASE WHEN i."Id" IN (SELECT t."IncidentId" FROM "TimelineEntries" t WHERE t."Kind" = '{TimelineKinds.Reopened}') THEN 1 ELSE 0 END""";
            var columns = sqlite
                ? $"""
                  i."Number" || '|' || i."SeverityRank" || '|' || i."Drill" || '|' || {reopened} || '|' || i."DeclaredAt"
                    || '|' || ifnull(i."AcknowledgedAt", '') || '|' || ifnull(i."InvestigatingAt", '') || '|' || ifnull(i."RepairingAt", '')
                    || '|' || ifnull(i."MitigatedAt", '') || '|' || ifnull(i."ResolvedAt", '') || '|' || ifnull(i."VerifiedAt", '') || '|' || ifnull(i."ClosedAt", '')
                  """
                : $"""
                  i."Number", i."SeverityRank", i."Drill", {reopened}, i."DeclaredAt", i."AcknowledgedAt", i."InvestigatingAt", i."RepairingAt",
                    i."MitigatedAt", i."ResolvedAt", i."VerifiedAt", i."ClosedAt"
                  """;
            command.CommandText = $"""
                SELECT i."SeverityLevel", i."PlanVersionId", i."ServiceId", v."RootCause", {columns}
                FROM "Incidents" i LEFT JOIN "Reviews" v ON v."IncidentId" = i."Id"
                WHERE i."DeclaredAt" >= @from AND i."DeclaredAt" < @to{filters}
                ORDER BY i."DeclaredAt"
                """;
            await using var reader = await command.ExecuteReaderAsync(ct);
            var strings = new Dictionary<string, string>(StringComparer.Ordinal);
            var times = new long?[8];
            while (await reader.ReadAsync(ct))
            {
                var levelKey = Shared(reader.GetString(0));
                var version = Shared(reader.GetString(1));
                int number, rank;
                bool drill, reopen;
                if (sqlite)
                {
                    (number, rank, drill, reopen) = Unpack(reader.GetString(4), times);
                }
                else
                {
                    (number, rank, drill, reopen) = (reader.GetInt32(4), reader.GetInt32(5), reader.GetBoolean(6), reader.GetInt32(7) == 1);
                    for (var n = 0; n < 8; n++)
                        times[n] = reader.IsDBNull(8 + n) ? null : reader.GetDateTime(8 + n).Ticks;
                }
                versions.Add(version);
                var declared = times[0]!.Value;
                rows.Add(new IncidentTicks
                {
                    Number = number,
                    Declared = declared,
                    Acknowledged = times[1] - declared,
                    Investigating = times[2] - declared,
                    Repairing = times[3] - declared,
                    Mitigated = times[4] - declared,
                    Resolved = times[5] - declared,
                    Verified = times[6] - declared,
                    Closed = times[7] - declared,
                    Level = levelKey,
                    Rank = rank,
                    ServiceId = Shared(reader.GetString(2)),
                    Drill = drill,
                    Reopened = reopen,
                    Category = reader.IsDBNull(3) ? null : Shared(reader.GetString(3)),
                });
            }

            // One copy of each service, level and version id, however many incidents name it.
            string Shared(string value) => strings.TryGetValue(value, out var s) ? s : strings[value] = value;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        // The plans are read once the rows are (PostgreSQL runs one command at a time on a connection).
        foreach (var version in versions.Distinct())
        {
            var plan = await plans.GetAsync(db, version, ct);
            foreach (var l in plan.Levels)
            {
                targets[(version, l.Key)] = plan.TargetsFor(l.Key);
                levels.TryAdd(l.Key, (l.Name.In(culture), l.Color));
            }
        }
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
        for (var n = 0; n < span.Length; n++)
            span[n] = span[n] with { Targets = targets.GetValueOrDefault((versions[n], span[n].Level), StageTargets.None) };
        return (rows, levels);
    }

    /// <summary>
    /// A row packed by SQLite: number, rank, drill, reopened, then the eight times (declared,
    /// acknowledged... closed), empty when not reached, separated by <c>|</c>.
    /// </summary>
    private static (int Number, int Rank, bool Drill, bool Reopened) Unpack(string packed, long?[] times)
    {
        var s = packed.AsSpan();
        Span<Range> parts = stackalloc Range[13];
        if (s.Split(parts, '|') != 12)
            throw new InvalidOperationException($"An incident's report row is not as expected: {packed}");
        for (var n = 0; n < 8; n++)
            times[n] = s[parts[4 + n]].IsEmpty ? null : SqliteTicks(s[parts[4 + n]]);
        return (int.Parse(s[parts[0]], CultureInfo.InvariantCulture), int.Parse(s[parts[1]], CultureInfo.InvariantCulture),
            s[parts[2]] is not "0", s[parts[3]] is not "0");
    }

    private static void Parameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    /// <summary>
    /// The ticks of a time as SQLite holds it (<c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, the format
    /// Microsoft.Data.Sqlite writes), read digit by digit; any other text is parsed as EF Core would.
    /// </summary>
    public static long SqliteTicks(string text) => SqliteTicks(text.AsSpan());

    /// <inheritdoc cref="SqliteTicks(string)"/>
    public static long SqliteTicks(ReadOnlySpan<char> s)
    {
        var text = s;
        if (s.Length >= 19 && s.Length <= 27 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':'
            && (s.Length == 19 || (s[19] == '.' && s.Length > 20))
            && Digits(s[..4], out var year) && Digits(s[5..7], out var month) && Digits(s[8..10], out var day)
            && Digits(s[11..13], out var hour) && Digits(s[14..16], out var minute) && Digits(s[17..19], out var second)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            long fraction = 0;
            if (s.Length > 20)
            {
                if (!Digits(s[20..], out var f))
                    return Parsed(text.ToString());
                fraction = f;
                for (var n = s.Length - 20; n < 7; n++)
                    fraction *= 10;
            }
            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction;
        }
        return Parsed(text.ToString());

        static long Parsed(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture).Ticks;

        static bool Digits(ReadOnlySpan<char> digits, out int value)
        {
            value = 0;
            foreach (var c in digits)
            {
                if (c is < '0' or > '9')
                    return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }
    }

    /// <summary>The devices each incident of the period names through its reports, by incident number, first reported first.</summary>
    public static async Task<Dictionary<int, IReadOnlyList<DeviceRef>>> DevicesAsync(MusterDb db, ReportQuery q, CancellationToken ct)
    {
        var pairs = await (from i in Filtered(db, q)
                           join r in db.Reports.AsNoTracking() on i.Id equals r.IncidentId
                           join d in db.Devices.AsNoTracking() on r.DeviceId equals d.Id
                           orderby r.ReceivedAt
                           select new { i.Number, d.Id, d.Code, d.Type, d.Site, d.Building }).ToListAsync(ct);
        var result = new Dictionary<int, List<DeviceRef>>();
        foreach (var p in pairs)
        {
            var list = result.TryGetValue(p.Number, out var l) ? l : result[p.Number] = [];
            if (list.All(x => x.Id != p.Id))
                list.Add(new DeviceRef(p.Id, p.Code, p.Type, Place(p.Site, p.Building)));
        }
        return result.ToDictionary(r => r.Key, r => (IReadOnlyList<DeviceRef>)r.Value);
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
