namespace Muster.Domain.OnCall;

/// <summary>
/// A person's hours on call in a period. Night and holiday hours are parts of the total, counted
/// separately and not exclusive: an hour of a holiday night is in both.
/// </summary>
public sealed record PersonHours(string PersonId, double TotalHours, double NightHours, double HolidayHours);

/// <summary>
/// The local hours that count as night, e.g. 22:00–08:00. Like a schedule restriction, a night
/// belongs to the day it starts on and wraps midnight when <see cref="To"/> is not after <see cref="From"/>.
/// </summary>
public sealed record NightWindow(TimeOnly From, TimeOnly To)
{
    public static readonly NightWindow Default = new(new TimeOnly(22, 0), new TimeOnly(8, 0));
}

public static class OnCallHours
{
    /// <summary>
    /// Hours on call per person within <c>[fromUtc, toUtc)</c> of resolved segments: total, night
    /// (inside <paramref name="night"/>, 22:00–08:00 local by default) and holiday (on local dates the
    /// calendar says are not working days: weekends not made up, and public holidays). Hours are
    /// real elapsed hours, so a night across a DST change is 9 or 11 hours long. Sorted by person id.
    /// </summary>
    public static IReadOnlyList<PersonHours> Summarize(
        IReadOnlyList<ShiftSegment> segments, string timeZone, WorkingCalendar calendar, DateTime fromUtc, DateTime toUtc, NightWindow? night = null)
    {
        var zone = ZoneTime.Find(timeZone);
        night ??= NightWindow.Default;
        var nights = new List<TimeRange>();
        var holidays = new List<TimeRange>();
        var firstDay = DateOnly.FromDateTime(ZoneTime.ToLocal(fromUtc, zone)).AddDays(-1);
        var lastDay = DateOnly.FromDateTime(ZoneTime.ToLocal(toUtc, zone));
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            var nightEndDay = night.To > night.From ? day : day.AddDays(1);
            nights.Add(new(ZoneTime.ToUtc(day.ToDateTime(night.From), zone), ZoneTime.ToUtc(nightEndDay.ToDateTime(night.To), zone)));
            if (!calendar.IsWorkingDay(day))
                holidays.Add(new(ZoneTime.StartOfDayUtc(day, zone), ZoneTime.StartOfDayUtc(day.AddDays(1), zone)));
        }

        var totals = new Dictionary<string, (TimeSpan Total, TimeSpan Night, TimeSpan Holiday)>(StringComparer.Ordinal);
        foreach (var segment in segments)
        {
            var start = segment.Start > fromUtc ? segment.Start : fromUtc;
            var end = segment.End < toUtc ? segment.End : toUtc;
            if (end <= start || segment.People.Count == 0)
                continue;
            var total = end - start;
            var nightPart = Overlap(nights, start, end);
            var holidayPart = Overlap(holidays, start, end);
            foreach (var person in segment.People)
            {
                var sum = totals.GetValueOrDefault(person.PersonId);
                totals[person.PersonId] = (sum.Total + total, sum.Night + nightPart, sum.Holiday + holidayPart);
            }
        }
        return totals
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new PersonHours(t.Key, t.Value.Total.TotalHours, t.Value.Night.TotalHours, t.Value.Holiday.TotalHours))
            .ToList();
    }

    // The ranges are in order and do not overlap: find the first that ends after start, then walk.
    private static TimeSpan Overlap(List<TimeRange> ranges, DateTime start, DateTime end)
    {
        int low = 0, high = ranges.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (ranges[mid].End <= start)
                low = mid + 1;
            else
                high = mid;
        }
        var sum = TimeSpan.Zero;
        for (var i = low; i < ranges.Count && ranges[i].Start < end; i++)
        {
            var from = ranges[i].Start > start ? ranges[i].Start : start;
            var to = ranges[i].End < end ? ranges[i].End : end;
            if (to > from)
                sum += to - from;
        }
        return sum;
    }
}
