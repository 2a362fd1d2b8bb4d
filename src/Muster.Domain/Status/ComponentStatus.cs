namespace Muster.Domain.Status;

/// <summary>A status component's state as the public sees it; a larger value is worse.</summary>
public enum ComponentState
{
    Operational = 0,
    Maintenance = 1,
    Degraded = 2,
    PartialOutage = 3,
    MajorOutage = 4,
}

/// <summary>What an open incident of a component's service says about it: its level's rank (1 is the most severe) and its impact condition.</summary>
public sealed record IncidentSignal(int LevelRank, string? Condition);

/// <summary>The rules that turn open incidents and maintenance into a component's state.</summary>
public static class ComponentStatus
{
    /// <summary>
    /// One incident's effect: level 1 is a major outage; level 2 a partial outage, or major when the
    /// service is down; lower levels degrade it, or make a partial outage when it is down.
    /// </summary>
    public static ComponentState ForIncident(IncidentSignal incident)
    {
        var down = string.Equals(incident.Condition, "down", StringComparison.OrdinalIgnoreCase);
        return incident.LevelRank switch
        {
            <= 1 => ComponentState.MajorOutage,
            2 => down ? ComponentState.MajorOutage : ComponentState.PartialOutage,
            _ => down ? ComponentState.PartialOutage : ComponentState.Degraded,
        };
    }

    /// <summary>The worst of the open incidents; maintenance when none is open and a window is running.</summary>
    public static ComponentState Derive(IEnumerable<IncidentSignal> openIncidents, bool inMaintenance)
    {
        var worst = inMaintenance ? ComponentState.Maintenance : ComponentState.Operational;
        foreach (var incident in openIncidents)
        {
            var state = ForIncident(incident);
            if (state > worst)
                worst = state;
        }
        return worst;
    }

    /// <summary>The page's banner: the worst state of any component.</summary>
    public static ComponentState Overall(IEnumerable<ComponentState> components) =>
        components.DefaultIfEmpty(ComponentState.Operational).Max();

    /// <summary>Whether minutes in this state count as downtime: partial and major outages do, degraded and maintenance do not.</summary>
    public static bool IsDown(ComponentState state) => state >= ComponentState.PartialOutage;

    /// <summary>The state's name in URLs, CSS classes, JSON and the feed.</summary>
    public static string Key(ComponentState state) => state switch
    {
        ComponentState.Operational => "operational",
        ComponentState.Maintenance => "maintenance",
        ComponentState.Degraded => "degraded",
        ComponentState.PartialOutage => "partial_outage",
        _ => "major_outage",
    };
}

/// <summary>A stretch of time in one state: an incident from its start until it was restored (open: until now), or a maintenance window.</summary>
public sealed record StateSpan(DateTime From, DateTime? To, ComponentState State);

/// <summary>One day's bar: the worst state seen that day and the minutes down.</summary>
public sealed record DayBar(DateOnly Day, ComponentState Worst, int DownMinutes);

/// <summary>The bars, oldest first, and the share of the period's minutes that were not down, 0 to 100.</summary>
public sealed record UptimeSummary(IReadOnlyList<DayBar> Days, double Percent);

public static class Uptime
{
    /// <summary>
    /// The last <paramref name="days"/> days (today included, in <paramref name="zone"/>) of a
    /// component: per day the worst state and the downtime, where overlapping incidents count once;
    /// today counts only up to <paramref name="now"/>. An incident across midnight counts on each day it touched.
    /// </summary>
    public static UptimeSummary Compute(IEnumerable<StateSpan> spans, DateTime now, TimeZoneInfo zone, int days = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var list = spans.Select(s => s with { To = s.To is { } t && t < now ? t : now })
            .Where(s => s.To > s.From).ToList();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, zone));
        var bars = new List<DayBar>(days);
        double totalMinutes = 0, downMinutes = 0;
        for (var i = days - 1; i >= 0; i--)
        {
            var day = today.AddDays(-i);
            var start = LocalMidnightUtc(day, zone);
            var end = LocalMidnightUtc(day.AddDays(1), zone);
            if (end > now)
                end = now;
            var worst = ComponentState.Operational;
            var down = new List<(DateTime From, DateTime To)>();
            foreach (var span in list)
            {
                var from = span.From > start ? span.From : start;
                var to = span.To!.Value < end ? span.To.Value : end;
                if (to <= from)
                    continue;
                if (span.State > worst)
                    worst = span.State;
                if (ComponentStatus.IsDown(span.State))
                    down.Add((from, to));
            }
            var minutes = UnionMinutes(down);
            bars.Add(new DayBar(day, worst, (int)Math.Round(minutes)));
            totalMinutes += Math.Max(0, (end - start).TotalMinutes);
            downMinutes += minutes;
        }
        var percent = totalMinutes <= 0 ? 100 : Math.Max(0, 100 * (1 - downMinutes / totalMinutes));
        return new UptimeSummary(bars, percent);
    }

    private static DateTime LocalMidnightUtc(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a clock change starts the day an hour later.
        while (zone.IsInvalidTime(local))
            local = local.AddHours(1);
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    private static double UnionMinutes(List<(DateTime From, DateTime To)> intervals)
    {
        if (intervals.Count == 0)
            return 0;
        intervals.Sort((a, b) => a.From.CompareTo(b.From));
        double total = 0;
        var (from, to) = intervals[0];
        foreach (var (f, t) in intervals.Skip(1))
        {
            if (f > to)
            {
                total += (to - from).TotalMinutes;
                (from, to) = (f, t);
            }
            else if (t > to)
            {
                to = t;
            }
        }
        return total + (to - from).TotalMinutes;
    }
}

/// <summary>The steps of an incident post and who must approve an update before the public sees it.</summary>
public static class StatusPostRules
{
    public static readonly IReadOnlyList<string> Statuses = ["investigating", "identified", "monitoring", "resolved"];
    public static readonly IReadOnlyList<string> MaintenanceStatuses = ["scheduled", "in_progress", "completed"];

    /// <summary>Levels 1 and 2 are told to the public only after the communications lead approves.</summary>
    public static bool NeedsApproval(int levelRank) => levelRank is >= 1 and <= 2;

    /// <summary>A maintenance post is shown from when it is published until its window ends; during its window its components are in maintenance.</summary>
    public static bool InWindow(DateTime startsAt, DateTime endsAt, DateTime now) => startsAt <= now && now < endsAt;
}
