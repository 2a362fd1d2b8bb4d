namespace Muster.Domain.OnCall;

/// <summary>
/// China's official working-day calendars (国务院办公厅 notices on public holidays), shipped as the
/// same text files as <c>plans/calendars/cn-YYYY.csv</c>, embedded in this assembly.
/// </summary>
public static class ChinaCalendar
{
    /// <summary>The years shipped.</summary>
    public static IReadOnlyList<int> Years { get; } = [2025, 2026];

    /// <summary>The calendar file's text for a year, e.g. to show or export it.</summary>
    public static string Text(int year)
    {
        if (!Years.Contains(year))
            throw new ArgumentOutOfRangeException(nameof(year), year, $"No China calendar for {year}; shipped years: {string.Join(", ", Years)}.");
        using var stream = typeof(ChinaCalendar).Assembly.GetManifestResourceStream($"Muster.Domain.OnCall.Calendars.cn-{year}.csv")
            ?? throw new InvalidOperationException($"The embedded calendar cn-{year}.csv is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static WorkingCalendar ForYear(int year)
    {
        var result = WorkingCalendarParser.Parse(Text(year));
        return result.Calendar ?? throw new InvalidOperationException($"cn-{year}.csv is invalid: {string.Join("; ", result.Errors)}");
    }

    /// <summary>Every shipped year in one calendar.</summary>
    public static WorkingCalendar All() =>
        Years.Select(ForYear).Aggregate((all, next) => all.Including(next));
}
