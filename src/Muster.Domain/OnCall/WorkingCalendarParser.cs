using System.Globalization;

namespace Muster.Domain.OnCall;

/// <summary>A problem on one line of a calendar file (lines count from 1).</summary>
public sealed record CalendarParseError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>A parsed calendar, or every error found; <see cref="Calendar"/> is null when there are errors.</summary>
public sealed record CalendarParseResult(WorkingCalendar? Calendar, IReadOnlyList<CalendarParseError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Reads a holiday calendar written one date a line as <c>date,kind,name</c>:
/// <c>2026-02-14,workday,春节调休 Spring Festival make-up day</c>. The date is yyyy-MM-dd, the kind
/// <c>holiday</c> or <c>workday</c>, the name is the rest of the line (it may contain commas) and
/// may be empty. Blank lines and lines starting with <c>#</c> are skipped; a first line
/// <c>date,kind,name</c> is a header.
/// </summary>
public static class WorkingCalendarParser
{
    private const string Header = "date,kind,name";

    public static CalendarParseResult Parse(string text)
    {
        var errors = new List<CalendarParseError>();
        var days = new List<CalendarDay>();
        var firstLineOfDate = new Dictionary<DateOnly, int>();
        var lines = text.TrimStart('\uFEFF').Split('\n');
        var sawContent = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (!sawContent)
            {
                sawContent = true;
                if (string.Equals(line.Replace(" ", "", StringComparison.Ordinal), Header, StringComparison.OrdinalIgnoreCase))
                    continue;
            }

            var fields = line.Split(',', 3);
            var dateText = fields[0].Trim();
            if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                errors.Add(new(lineNumber, $"'{dateText}' is not a date; write it as yyyy-MM-dd, such as 2026-10-01."));
                continue;
            }
            if (fields.Length < 2 || fields[1].Trim().Length == 0)
            {
                errors.Add(new(lineNumber, "The kind is missing; write date,kind,name with kind 'holiday' or 'workday'."));
                continue;
            }

            var kindText = fields[1].Trim();
            CalendarDayKind kind;
            if (string.Equals(kindText, "holiday", StringComparison.OrdinalIgnoreCase))
                kind = CalendarDayKind.Holiday;
            else if (string.Equals(kindText, "workday", StringComparison.OrdinalIgnoreCase))
                kind = CalendarDayKind.Workday;
            else
            {
                errors.Add(new(lineNumber, $"'{kindText}' is not a kind; use 'holiday' (a day off) or 'workday' (a weekend day that is worked)."));
                continue;
            }

            // A make-up day on a weekday changes nothing, so it is almost surely a wrong date.
            if (kind == CalendarDayKind.Workday && date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                errors.Add(new(lineNumber, $"{dateText} is a {date.DayOfWeek}, already a working day; 'workday' is for a Saturday or Sunday that is worked."));
                continue;
            }
            if (firstLineOfDate.TryGetValue(date, out var firstLine))
            {
                errors.Add(new(lineNumber, $"{dateText} is already on line {firstLine}; each date appears once."));
                continue;
            }
            firstLineOfDate[date] = lineNumber;
            days.Add(new(date, kind, fields.Length > 2 ? fields[2].Trim() : ""));
        }

        return errors.Count > 0
            ? new(null, errors)
            : new(new WorkingCalendar { Days = [.. days.OrderBy(d => d.Date)] }, errors);
    }
}
