using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Reporting;

/// <summary>Seconds from declaration to a step, over the incidents that reached it.</summary>
public sealed record DurationStats(int Count, double? Mean, double? Median, double? P90)
{
    public static readonly DurationStats Empty = new(0, null, null, null);

    /// <summary>Mean, median (the middle value, or the mean of the two middle ones) and p90 (nearest rank).</summary>
    public static DurationStats Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0)
            return Empty;
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        var p90 = sorted[(int)Math.Ceiling(0.9 * n) - 1];
        return new(n, sorted.Average(), median, p90);
    }
}

/// <summary>
/// One cell of the SLA table: of the clocks of one stage at one level, how many were met, breached,
/// and are still open (running, or not started). A stage made moot by a later step on time
/// (skipped) counts in none.
/// </summary>
public sealed record SlaCell(Stage Stage, string Level, int Rank, int Met, int Breached, int Open)
{
    /// <summary>Met ÷ (met + breached); null when no clock of the cell has stopped.</summary>
    public double? Compliance => Met + Breached == 0 ? null : (double)Met / (Met + Breached);
}

public sealed record CountRow(string? Key, int Count);

/// <summary>The devices of a type in service, and the failure rate wanted for them (0.02 is 2%).</summary>
public sealed record DeviceFleet(string Type, int InService, double? Target);

/// <summary>
/// Incidents naming a device of the type in the period, per device in service, scaled to 30 days
/// (<see cref="ReportMetrics.RateDays"/>) so that a quarter and a month compare with one target.
/// </summary>
public sealed record FailureRate(string Type, int Incidents, int Devices, double? Rate, double? Target)
{
    public bool? Met => Rate is { } r && Target is { } t ? r <= t : null;
}

public sealed record RepeatFailure(DeviceRef Device, int Count, IReadOnlyList<int> Numbers);

/// <summary>A page sent to a person for an incident (one per escalation step and round, however many contact methods).</summary>
public sealed record PageFact(string PersonId, string IncidentId, DateTime At, bool Drill = false);

public sealed record OnCallLoad(string PersonId, double Hours, double NightHours, int Pages, int NightPages);

/// <summary>One bucket of the trend: a local day, or a local month for periods over 62 days.</summary>
public sealed record TrendPoint(DateTime From, DateTime To, int Count, double? Mtta, double? Mttr);

public sealed record ReportSummary(
    ReportPeriod Period,
    int IncidentCount,
    int OpenCount,
    int ReopenedCount,
    int DrillCount,
    bool DrillsIncluded,
    DurationStats Acknowledge,
    DurationStats Assess,
    DurationStats Mitigate,
    DurationStats Resolve,
    IReadOnlyList<SlaCell> Sla,
    IReadOnlyList<CountRow> ByService,
    IReadOnlyList<CountRow> ByCategory,
    IReadOnlyList<CountRow> ByDeviceType,
    IReadOnlyList<CountRow> ByPlace,
    IReadOnlyList<int> ByHour,
    IReadOnlyList<FailureRate> FailureRates,
    IReadOnlyList<RepeatFailure> RepeatFailures,
    IReadOnlyList<OnCallLoad> OnCall,
    IReadOnlyList<TrendPoint> Trend);

/// <summary>
/// The figures of the reports page and the summary API: pure functions of the incidents, the
/// period, the zone and the instant they are read at.
/// </summary>
public static class ReportMetrics
{
    public const double RateDays = 30;
    public const int DefaultRepeatThreshold = 3;

    /// <summary>Night for pages: 22:00 to 07:00 local.</summary>
    public static readonly TimeOnly NightFrom = new(22, 0), NightTo = new(7, 0);

    /// <summary>
    /// The incidents a period counts: declared in <c>[from, to)</c>, each once, drills only when asked.
    /// </summary>
    public static IReadOnlyList<IncidentFacts> InPeriod(IEnumerable<IncidentFacts> incidents, ReportPeriod period, bool includeDrills) =>
        incidents.Where(i => period.Contains(i.DeclaredAt) && (includeDrills || !i.Drill)).DistinctBy(i => i.Id).ToList();

    public static ReportSummary Summarize(
        IEnumerable<IncidentFacts> incidents, ReportPeriod period, TimeZoneInfo zone, DateTime now,
        bool includeDrills = false,
        IEnumerable<DeviceFleet>? fleet = null,
        IEnumerable<PersonHoursInput>? hours = null,
        IEnumerable<PageFact>? pages = null,
        int repeatThreshold = DefaultRepeatThreshold)
    {
        var all = incidents.Where(i => period.Contains(i.DeclaredAt)).DistinctBy(i => i.Id).ToList();
        var counted = includeDrills ? all : all.Where(i => !i.Drill).ToList();
        var drillIds = all.Where(i => i.Drill).Select(i => i.Id).ToHashSet();
        return new ReportSummary(
            period,
            counted.Count,
            counted.Count(i => i.ResolvedAt is null),
            counted.Count(i => i.Reopened),
            all.Count(i => i.Drill),
            includeDrills,
            Since(counted, i => i.AcknowledgedAt),
            Since(counted, i => i.InvestigatingAt),
            Since(counted, i => i.MitigatedAt),
            Since(counted, i => i.ResolvedAt),
            Sla(counted, now),
            Count(counted, i => [i.ServiceId]),
            Count(counted, i => [i.Category]),
            Count(counted, i => i.Devices.Count == 0 ? [null] : i.Devices.Select(d => (string?)d.Type)),
            Count(counted, i => i.Devices.Count == 0 ? [null] : i.Devices.Select(d => d.Place)),
            ByHour(counted, zone),
            FailureRates(counted, fleet ?? [], period),
            RepeatFailures(counted, repeatThreshold),
            Load(hours ?? [], (pages ?? []).Select(p => drillIds.Contains(p.IncidentId) ? p with { Drill = true } : p), period, zone, includeDrills),
            Trend(counted, period, zone));
    }

    /// <summary>Seconds from declaration to the step, over the incidents that reached it.</summary>
    public static DurationStats Since(IEnumerable<IncidentFacts> incidents, Func<IncidentFacts, DateTime?> step) =>
        DurationStats.Of(incidents.Where(i => step(i) is not null).Select(i => (step(i)!.Value - i.DeclaredAt).TotalSeconds));

    /// <summary>Every stage × level that has a target, in stage order then level rank.</summary>
    public static IReadOnlyList<SlaCell> Sla(IEnumerable<IncidentFacts> incidents, DateTime now)
    {
        var cells = new Dictionary<(Stage, string), (int Rank, int Met, int Breached, int Open)>();
        foreach (var incident in incidents)
        {
            foreach (var clock in SlaClocks.Compute(incident.ClockInput, incident.Targets, now))
            {
                var key = (clock.Stage, incident.Level);
                var c = cells.GetValueOrDefault(key, (Rank: incident.Rank, Met: 0, Breached: 0, Open: 0));
                cells[key] = clock.State switch
                {
                    ClockState.Met => c with { Met = c.Met + 1 },
                    ClockState.Breached => c with { Breached = c.Breached + 1 },
                    ClockState.Running or ClockState.Pending => c with { Open = c.Open + 1 },
                    _ => c,
                };
            }
        }
        return cells.Select(c => new SlaCell(c.Key.Item1, c.Key.Item2, c.Value.Rank, c.Value.Met, c.Value.Breached, c.Value.Open))
            .OrderBy(c => c.Stage).ThenBy(c => c.Rank).ThenBy(c => c.Level, StringComparer.Ordinal).ToList();
    }

    /// <summary>Incidents per key, each incident once per distinct key; most first, then by key.</summary>
    public static IReadOnlyList<CountRow> Count(IEnumerable<IncidentFacts> incidents, Func<IncidentFacts, IEnumerable<string?>> keys)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var none = 0;
        foreach (var incident in incidents)
        {
            foreach (var key in keys(incident).Distinct())
            {
                if (string.IsNullOrEmpty(key))
                    none++;
                else
                    counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return CountRows(counts, none);
    }

    /// <summary>The rows of a count: most first, then by key; the incidents with no key last.</summary>
    public static IReadOnlyList<CountRow> CountRows(IReadOnlyDictionary<string, int> counts, int none)
    {
        var rows = counts.Select(c => new CountRow(c.Key, c.Value)).OrderByDescending(c => c.Count).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        if (none > 0)
            rows.Add(new CountRow(null, none));
        return rows;
    }

    /// <summary>Incidents by the local hour of day they were declared at, 0 to 23.</summary>
    public static IReadOnlyList<int> ByHour(IEnumerable<IncidentFacts> incidents, TimeZoneInfo zone)
    {
        var hours = new int[24];
        foreach (var incident in incidents)
            hours[TimeZoneInfo.ConvertTimeFromUtc(incident.DeclaredAt, zone).Hour]++;
        return hours;
    }

    /// <summary>Per device type of the fleet and any type an incident named, the failure rate against its target.</summary>
    public static IReadOnlyList<FailureRate> FailureRates(IEnumerable<IncidentFacts> incidents, IEnumerable<DeviceFleet> fleet, ReportPeriod period)
    {
        var counts = Count(incidents, i => i.Devices.Select(d => (string?)d.Type)).Where(c => c.Key is not null).ToDictionary(c => c.Key!, c => c.Count);
        return FailureRates(counts, fleet, period);
    }

    /// <summary>The failure rates from the incidents counted per device type they named.</summary>
    public static IReadOnlyList<FailureRate> FailureRates(IReadOnlyDictionary<string, int> counts, IEnumerable<DeviceFleet> fleet, ReportPeriod period)
    {
        var byType = fleet.ToDictionary(f => f.Type, StringComparer.Ordinal);
        var scale = RateDays / period.Length.TotalDays;
        return byType.Keys.Union(counts.Keys).Order(StringComparer.Ordinal).Select(type =>
        {
            var n = counts.GetValueOrDefault(type);
            var devices = byType.TryGetValue(type, out var f) ? f.InService : 0;
            return new FailureRate(type, n, devices, devices == 0 ? null : n / (double)devices * scale, f?.Target);
        }).ToList();
    }

    /// <summary>Devices named by <paramref name="threshold"/> or more incidents of the period, most first.</summary>
    public static IReadOnlyList<RepeatFailure> RepeatFailures(IEnumerable<IncidentFacts> incidents, int threshold = DefaultRepeatThreshold) =>
        incidents.SelectMany(i => i.Devices.DistinctBy(d => d.Id).Select(d => (Device: d, i.Number, i.DeclaredAt)))
            .GroupBy(x => x.Device.Id)
            .Where(g => g.Count() >= threshold)
            .Select(g => new RepeatFailure(g.First().Device, g.Count(), g.OrderBy(x => x.DeclaredAt).Select(x => x.Number).ToList()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Device.Code, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Per person: hours on call (from the schedules), pages in the period, and pages at night
    /// (22:00–07:00 local). A page of a drill is counted only when drills are included.
    /// </summary>
    public static IReadOnlyList<OnCallLoad> Load(
        IEnumerable<PersonHoursInput> hours, IEnumerable<PageFact> pages, ReportPeriod period, TimeZoneInfo zone, bool includeDrills = false)
    {
        var rows = new Dictionary<string, OnCallLoad>(StringComparer.Ordinal);
        foreach (var h in hours)
        {
            var r = rows.GetValueOrDefault(h.PersonId) ?? new OnCallLoad(h.PersonId, 0, 0, 0, 0);
            rows[h.PersonId] = r with { Hours = r.Hours + h.Hours, NightHours = r.NightHours + h.NightHours };
        }
        foreach (var page in pages)
        {
            if (!period.Contains(page.At) || (page.Drill && !includeDrills))
                continue;
            var r = rows.GetValueOrDefault(page.PersonId) ?? new OnCallLoad(page.PersonId, 0, 0, 0, 0);
            rows[page.PersonId] = r with { Pages = r.Pages + 1, NightPages = r.NightPages + (IsNight(page.At, zone) ? 1 : 0) };
        }
        return rows.Values.OrderByDescending(r => r.Pages).ThenByDescending(r => r.Hours).ThenBy(r => r.PersonId, StringComparer.Ordinal).ToList();
    }

    public static bool IsNight(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, zone));
        return local >= NightFrom || local < NightTo;
    }

    /// <summary>Count, MTTA and MTTR per local day, or per local month when the period is longer than 62 days.</summary>
    public static IReadOnlyList<TrendPoint> Trend(IEnumerable<IncidentFacts> incidents, ReportPeriod period, TimeZoneInfo zone)
    {
        var buckets = TrendBuckets(period, zone);
        var starts = buckets.Select(b => b.From).ToArray();
        var groups = buckets.Select(_ => new List<IncidentFacts>()).ToArray();
        foreach (var incident in incidents)
        {
            if (!period.Contains(incident.DeclaredAt))
                continue;
            groups[Bucket(starts, incident.DeclaredAt)].Add(incident);
        }
        return buckets.Select((b, n) =>
        {
            var inside = groups[n];
            return new TrendPoint(b.From, b.To, inside.Count, Since(inside, i => i.AcknowledgedAt).Mean, Since(inside, i => i.ResolvedAt).Mean);
        }).ToList();
    }

    /// <summary>The index of the bucket (by its start, ascending) that holds <paramref name="at"/>.</summary>
    public static int Bucket(DateTime[] starts, DateTime at)
    {
        var index = Array.BinarySearch(starts, at);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The trend's buckets: local days, or local months when the period is longer than 62 days, cut to the period.</summary>
    public static IReadOnlyList<(DateTime From, DateTime To)> TrendBuckets(ReportPeriod period, TimeZoneInfo zone)
    {
        var monthly = period.Length.TotalDays > 62;
        var buckets = new List<(DateTime From, DateTime To)>();
        var local = TimeZoneInfo.ConvertTimeFromUtc(period.From, zone);
        var start = monthly ? new DateTime(local.Year, local.Month, 1) : local.Date;
        while (true)
        {
            var from = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(start, DateTimeKind.Unspecified), zone);
            if (from >= period.To)
                break;
            var next = monthly ? start.AddMonths(1) : start.AddDays(1);
            var to = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(next, DateTimeKind.Unspecified), zone);
            buckets.Add((from < period.From ? period.From : from, to > period.To ? period.To : to));
            start = next;
        }
        return buckets;
    }
}

/// <summary>A person's hours on call in the period, from the schedules (see <c>OnCallHours</c>).</summary>
public sealed record PersonHoursInput(string PersonId, double Hours, double NightHours);
