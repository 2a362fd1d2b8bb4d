using Muster.Domain.OnCall;

namespace Muster.Domain.Tests.OnCall;

/// <summary>Short builders for schedules; every expected instant in the tests is worked out by hand.</summary>
internal static class OnCallBuilders
{
    public const string Shanghai = "Asia/Shanghai";
    public const string NewYork = "America/New_York";
    public const string London = "Europe/London";

    public static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0) =>
        new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    public static DateTime Local(int year, int month, int day, int hour = 0, int minute = 0) =>
        new(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);

    public static ScheduleLayer Layer(DateTime start, params string[] members) => new()
    {
        Name = "layer",
        Start = start,
        Members = members,
    };

    public static ScheduleDefinition Schedule(string zone, params ScheduleLayer[] layers) => new() { TimeZone = zone, Layers = layers };

    public static TimeRestriction Window(int fromHour, int toHour, params DayOfWeek[] days) =>
        new() { From = new TimeOnly(fromHour, 0), To = new TimeOnly(toHour, 0), Days = days };

    /// <summary>A segment whose people hold roles by position: primary, backup, backup2.</summary>
    public static ShiftSegment Seg(DateTime start, DateTime end, params string[] people) =>
        new(start, end, people.Select((p, i) => new OnCallPerson(p, OnCallRoles.ForPosition(i))).ToList());

    public static IReadOnlyList<ShiftSegment> Resolve(ScheduleDefinition schedule, DateTime from, DateTime to, params Override[] overrides) =>
        ScheduleResolver.Resolve(schedule, WorkingCalendar.WeekendsOnly, overrides, from, to);

    public static string Who(ScheduleDefinition schedule, DateTime instant, WorkingCalendar? calendar = null, params Override[] overrides) =>
        string.Join(",", ScheduleResolver.OnCallAt(schedule, calendar ?? WorkingCalendar.WeekendsOnly, overrides, instant).Select(p => p.PersonId));

    private static int _created;

    public static Override Ov(OverrideKind kind, DateTime start, DateTime end, string person, string? replaces = null) => new()
    {
        Id = $"o{Interlocked.Increment(ref _created)}",
        Kind = kind,
        Start = start,
        End = end,
        PersonId = person,
        ReplacesPersonId = replaces,
        // Creation order is the order the test builds them in.
        CreatedAt = Utc(2026, 1, 1).AddSeconds(_created),
    };
}
