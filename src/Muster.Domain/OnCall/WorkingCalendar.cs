using System.Text.Json.Serialization;

namespace Muster.Domain.OnCall;

/// <summary>What a calendar entry makes of its date.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CalendarDayKind>))]
public enum CalendarDayKind
{
    /// <summary>A public holiday: not worked, even on a weekday.</summary>
    [JsonStringEnumMemberName("holiday")]
    Holiday,

    /// <summary>A make-up working day (调休): a weekend day that is worked.</summary>
    [JsonStringEnumMemberName("workday")]
    Workday,
}

/// <summary>One date that differs from the plain weekday/weekend rule, with its name (e.g. "春节 Spring Festival").</summary>
public sealed record CalendarDay(DateOnly Date, CalendarDayKind Kind, string Name);

/// <summary>
/// Which dates are working days: Monday to Friday (or the days not in <see cref="Weekend"/>),
/// except public holidays, plus make-up working days (调休) on weekends.
/// </summary>
public sealed record WorkingCalendar
{
    /// <summary>A calendar of plain weekends and no holidays.</summary>
    public static readonly WorkingCalendar WeekendsOnly = new();

    public IReadOnlyList<DayOfWeek> Weekend { get; init; } = [DayOfWeek.Saturday, DayOfWeek.Sunday];

    /// <summary>The exceptions; when a date appears twice the later entry wins.</summary>
    public IReadOnlyList<CalendarDay> Days
    {
        get;
        init
        {
            field = value;
            var byDate = new Dictionary<DateOnly, CalendarDay>();
            foreach (var day in value)
                byDate[day.Date] = day;
            _byDate = byDate;
        }
    } = [];

    private Dictionary<DateOnly, CalendarDay> _byDate = [];

    public bool IsWeekend(DateOnly date) => Weekend.Contains(date.DayOfWeek);

    public bool IsWorkingDay(DateOnly date) =>
        _byDate.TryGetValue(date, out var day) ? day.Kind == CalendarDayKind.Workday : !IsWeekend(date);

    /// <summary>The entry for a date, if the calendar names it.</summary>
    public CalendarDay? Find(DateOnly date) => _byDate.GetValueOrDefault(date);

    /// <summary>This calendar with another's entries added (the other's win on the same date), e.g. 2025 plus 2026.</summary>
    public WorkingCalendar Including(WorkingCalendar other) =>
        this with { Days = [.. Days.Where(d => other.Find(d.Date) is null), .. other.Days] };

    public bool Equals(WorkingCalendar? other) =>
        other is not null && Weekend.SequenceEqual(other.Weekend) && Days.SequenceEqual(other.Days);

    public override int GetHashCode() => HashCode.Combine(Weekend.Count, Days.Count);
}
