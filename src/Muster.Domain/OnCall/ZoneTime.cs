namespace Muster.Domain.OnCall;

/// <summary>
/// Turns local wall times of a schedule's zone into UTC instants, deterministically where the wall
/// clock skips or repeats an hour.
/// </summary>
public static class ZoneTime
{
    /// <summary>Finds an IANA (or Windows) time zone id; throws <see cref="TimeZoneNotFoundException"/> for an unknown one.</summary>
    public static TimeZoneInfo Find(string timeZoneId) => TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);

    public static bool TryFind(string? timeZoneId, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(timeZoneId))
            return false;
        try
        {
            zone = Find(timeZoneId);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>
    /// The UTC instant of a local wall time. A time that does not exist (skipped when clocks go
    /// forward) is read with the offset in force before the change, so it lands as far after the
    /// gap's start as it was meant to be: 02:30 on a New York spring-forward night is 03:30 EDT.
    /// A time that happens twice (clocks go back) is the first of the two, so a handoff is never
    /// late. These are the rules of java.time and Noda Time's lenient resolver.
    /// </summary>
    public static DateTime ToUtc(DateTime localTime, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(localTime, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (zone.IsInvalidTime(local))
            offset = zone.GetUtcOffset(local.AddDays(-1));
        else if (zone.IsAmbiguousTime(local))
            offset = zone.GetAmbiguousTimeOffsets(local).Max();
        else
            offset = zone.GetUtcOffset(local);
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }

    /// <summary>The local wall time of a UTC instant.</summary>
    public static DateTime ToLocal(DateTime utc, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone), DateTimeKind.Unspecified);

    /// <summary>The UTC instant at which a local date begins (its midnight, by the rules of <see cref="ToUtc"/>).</summary>
    public static DateTime StartOfDayUtc(DateOnly date, TimeZoneInfo zone) =>
        ToUtc(date.ToDateTime(TimeOnly.MinValue), zone);
}
