using Muster.Domain.OnCall;

namespace Muster.Domain.Response;

/// <summary>
/// The hours a business-hours clock counts: working days of a calendar (weekends, public holidays
/// and make-up working days), between two local wall times, in one time zone. Each day's window is
/// turned into UTC instants by <see cref="ZoneTime.ToUtc"/>, so a day on which the clocks change
/// counts the real minutes between its start and end.
/// </summary>
public sealed record WorkingHours(WorkingCalendar Calendar, TimeOnly Start, TimeOnly End, TimeZoneInfo Zone)
{
    /// <summary>The longest search for enough working time: ten years of days.</summary>
    private const int MaxDays = 3660;

    /// <summary>
    /// The instant when <paramref name="minutes"/> of working time have passed since
    /// <paramref name="fromUtc"/>. Time outside the working hours does not count; a clock started
    /// at night starts counting when the next working day begins.
    /// </summary>
    public DateTime Add(DateTime fromUtc, int minutes)
    {
        if (End <= Start)
            throw new ArgumentException($"Business hours end ({End:HH\\:mm}) must be after they start ({Start:HH\\:mm}).");
        var remaining = TimeSpan.FromMinutes(Math.Max(0, minutes));
        var cursor = DateTime.SpecifyKind(fromUtc, DateTimeKind.Utc);
        var day = DateOnly.FromDateTime(ZoneTime.ToLocal(cursor, Zone));
        for (var i = 0; i < MaxDays; i++, day = day.AddDays(1))
        {
            if (!Calendar.IsWorkingDay(day))
                continue;
            var opens = ZoneTime.ToUtc(day.ToDateTime(Start), Zone);
            var closes = ZoneTime.ToUtc(day.ToDateTime(End), Zone);
            var from = cursor > opens ? cursor : opens;
            if (from >= closes)
                continue;
            var available = closes - from;
            if (remaining <= available)
                return from + remaining;
            remaining -= available;
        }
        throw new InvalidOperationException($"No working time found in {MaxDays} days: the calendar has no working days.");
    }

    /// <summary>Reads the plan's HH:mm times; null when one does not parse.</summary>
    public static WorkingHours? From(Plans.BusinessHours hours, WorkingCalendar calendar, TimeZoneInfo zone) =>
        TimeOnly.TryParseExact(hours.Start, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start) &&
        TimeOnly.TryParseExact(hours.End, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var end) &&
        end > start
            ? new WorkingHours(calendar, start, end, zone)
            : null;
}
