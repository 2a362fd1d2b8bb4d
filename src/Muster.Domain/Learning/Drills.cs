using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;

namespace Muster.Domain.Learning;

/// <summary>
/// Every quarter, on a day of one of its months, at a local time: month 1 of the quarter is
/// January, April, July and October. A day past the month's end is its last day (31 → 30 April).
/// </summary>
public sealed record QuarterlyRecurrence(int MonthOfQuarter, int Day, TimeOnly At)
{
    public IEnumerable<string> Problems()
    {
        if (MonthOfQuarter is < 1 or > 3)
            yield return "monthOfQuarter is 1, 2 or 3 (1 is January, April, July, October).";
        if (Day is < 1 or > 31)
            yield return "day is a day of the month from 1 to 31.";
    }
}

public static class DrillSchedule
{
    /// <summary>
    /// The occurrences strictly after <paramref name="after"/>, in order: the quarterly ones (when
    /// there is a recurrence) and a one-off date (a drill before a device type goes live).
    /// </summary>
    public static IEnumerable<DateTime> Occurrences(QuarterlyRecurrence? recurrence, DateTime? oneOff, TimeZoneInfo zone, DateTime after)
    {
        var quarterly = recurrence is null ? [] : Quarterly(recurrence, zone, after);
        var pendingOneOff = oneOff is { } o && o > after ? o : (DateTime?)null;
        foreach (var at in quarterly)
        {
            if (pendingOneOff is { } p && p <= at)
            {
                if (p < at)
                    yield return p;
                pendingOneOff = null;
            }
            yield return at;
        }
        if (pendingOneOff is { } last)
            yield return last;
    }

    public static DateTime? Next(QuarterlyRecurrence? recurrence, DateTime? oneOff, TimeZoneInfo zone, DateTime after) =>
        Occurrences(recurrence, oneOff, zone, after).Select(d => (DateTime?)d).FirstOrDefault();

    /// <summary>When participants are told: so many days before the drill, or at once when that has passed.</summary>
    public static DateTime ReminderAt(DateTime occurrence, int daysBefore, DateTime now)
    {
        var at = occurrence.AddDays(-Math.Max(0, daysBefore));
        return at < now ? now : at;
    }

    private static IEnumerable<DateTime> Quarterly(QuarterlyRecurrence r, TimeZoneInfo zone, DateTime after)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(after, zone);
        var quarterStart = new DateTime(local.Year, (local.Month - 1) / 3 * 3 + 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        for (var q = quarterStart; ; q = q.AddMonths(3))
        {
            var month = q.AddMonths(r.MonthOfQuarter - 1);
            var day = Math.Min(r.Day, DateTime.DaysInMonth(month.Year, month.Month));
            var wall = new DateTime(month.Year, month.Month, day, r.At.Hour, r.At.Minute, 0, DateTimeKind.Unspecified);
            var utc = ZoneTime.ToUtc(wall, zone);
            if (utc > after)
                yield return utc;
        }
    }
}

public enum DrillResult
{
    /// <summary>The stage has no target in the plan, or it was not reached in the drill.</summary>
    NotTimed,
    Met,
    Missed,
    /// <summary>A later step came first, within the stage's target.</summary>
    Skipped,
    /// <summary>Still running and within the target.</summary>
    Running,
}

/// <param name="Elapsed">From the stage's start to when it was met (or made moot), or to now while it runs.</param>
public sealed record DrillStageTime(Stage Stage, int? TargetMinutes, DateTime? StartsAt, DateTime? StoppedAt, TimeSpan? Elapsed, DrillResult Result);

/// <summary>A drill's stages against the plan's targets: the same clocks a real incident runs.</summary>
public static class DrillTiming
{
    public static IReadOnlyList<DrillStageTime> Stages(SlaClockInput input, StageTargets targets, DateTime now)
    {
        var clocks = SlaClocks.Compute(input, targets, now);
        var result = new List<DrillStageTime>();
        foreach (var stage in Enum.GetValues<Stage>())
        {
            var target = targets.For(stage);
            var clock = clocks.FirstOrDefault(c => c.Stage == stage);
            if (clock is null || clock.StartsAt is not { } start)
            {
                result.Add(new DrillStageTime(stage, target, null, null, null, DrillResult.NotTimed));
                continue;
            }
            var elapsed = (clock.StoppedAt ?? now) - start;
            var outcome = clock.State switch
            {
                ClockState.Met => DrillResult.Met,
                ClockState.Breached => DrillResult.Missed,
                ClockState.Skipped => DrillResult.Skipped,
                ClockState.Running => DrillResult.Running,
                _ => DrillResult.NotTimed,
            };
            result.Add(new DrillStageTime(stage, target, start, clock.StoppedAt, elapsed, outcome));
        }
        return result;
    }

    /// <summary>Passed when every timed stage was met or skipped in time; failed when any was missed; open while one runs.</summary>
    public static string Verdict(IReadOnlyList<DrillStageTime> stages) => Verdict(stages.Select(s => s.Result));

    /// <summary>The same over the stages and the checklist's tasks: a step done after its deadline fails the drill as a missed stage does.</summary>
    public static string Verdict(IReadOnlyList<DrillStageTime> stages, IReadOnlyList<DrillTaskTime> tasks) =>
        Verdict(stages.Select(s => s.Result).Concat(tasks.Select(t => t.Result)));

    private static string Verdict(IEnumerable<DrillResult> results)
    {
        var all = results.ToList();
        return all.Contains(DrillResult.Missed) ? "failed" : all.Contains(DrillResult.Running) ? "running" : "passed";
    }

    /// <summary>
    /// One checklist task against its deadline: done by it is met, skipped by it is skipped, done or
    /// skipped after it (or still open past it) is missed, open before it is running. A task with no
    /// deadline (none in the plan, or its stage never started) is not timed. <see cref="DrillTaskTime.Taken"/>
    /// counts from when its deadline started counting (its stage's start) to when it was closed, or to now.
    /// </summary>
    public static DrillTaskTime Task(string key, int? withinMinutes, DateTime? deadline, bool open, bool skipped, DateTime? closedAt, DateTime now)
    {
        if (deadline is not { } due)
            return new DrillTaskTime(key, withinMinutes, null, closedAt, null, DrillResult.NotTimed);
        var end = open ? now : closedAt ?? now;
        var taken = withinMinutes is { } within ? end - due.AddMinutes(-within) : (TimeSpan?)null;
        var result = open
            ? now > due ? DrillResult.Missed : DrillResult.Running
            : end > due ? DrillResult.Missed : skipped ? DrillResult.Skipped : DrillResult.Met;
        return new DrillTaskTime(key, withinMinutes, due, open ? null : closedAt, taken, result);
    }
}

/// <param name="Taken">From its stage's start (when the deadline started counting) to when it was done or skipped, or to now while open.</param>
public sealed record DrillTaskTime(string Key, int? WithinMinutes, DateTime? Deadline, DateTime? ClosedAt, TimeSpan? Taken, DrillResult Result);
