using System.Globalization;
using Microsoft.Extensions.Localization;

namespace Muster.Components;

/// <summary>
/// Times as the organisation reads them: in its own zone, with the UTC offset beside, because a
/// duty officer in another zone must never have to guess which clock a deadline is on.
/// </summary>
public static class Time
{
    public static string Format(DateTime utc, TimeZoneInfo zone)
    {
        var at = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        var local = TimeZoneInfo.ConvertTimeFromUtc(at, zone);
        return local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + Offset(zone.GetUtcOffset(at));
    }

    public static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    /// <summary>For the <c>datetime</c> attribute of <c>&lt;time&gt;</c>.</summary>
    public static string Iso(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>The value of an <c>&lt;input type="datetime-local"&gt;</c>, read in <paramref name="zone"/>.</summary>
    public static bool TryParseLocal(string? value, TimeZoneInfo zone, out DateTime utc)
    {
        utc = default;
        if (!DateTime.TryParseExact(value?.Trim(), ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return false;
        return TryToUtc(local, zone, out utc);
    }

    /// <summary>The first instant of a calendar day in <paramref name="zone"/>, as UTC.</summary>
    public static bool TryParseDayStart(string? value, TimeZoneInfo zone, int addDays, out DateTime utc)
    {
        utc = default;
        if (!DateOnly.TryParseExact(value?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return false;
        return TryToUtc(day.AddDays(addDays).ToDateTime(TimeOnly.MinValue), zone, out utc);
    }

    private static bool TryToUtc(DateTime local, TimeZoneInfo zone, out DateTime utc)
    {
        // A wall time that a DST change skips is read as the first valid minute after the gap.
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (var i = 0; i < 4 && zone.IsInvalidTime(unspecified); i++)
            unspecified = unspecified.AddMinutes(30);
        utc = TimeZoneInfo.ConvertTimeToUtc(unspecified, zone);
        return true;
    }

    /// <summary>A span for a clock: "2d 3h", "1h 05m", "12m", in the reader's language.</summary>
    public static string Span(TimeSpan span, IStringLocalizer text)
    {
        var s = span.Duration();
        if (s.TotalDays >= 1)
            return text["span.days", (int)s.TotalDays, s.Hours];
        if (s.TotalHours >= 1)
            return text["span.hours", (int)s.TotalHours, s.Minutes.ToString("00", CultureInfo.InvariantCulture)];
        return text["span.minutes", Math.Max(0, (int)s.TotalMinutes)];
    }
}
