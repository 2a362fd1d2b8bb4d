using Muster.Domain.OnCall;

namespace Muster.Domain.Tests.OnCall;

public sealed class WorkingCalendarTests
{
    private static readonly WorkingCalendar China2026 = ChinaCalendar.ForYear(2026);
    private static readonly WorkingCalendar China2025 = ChinaCalendar.ForYear(2025);

    [Theory]
    // Make-up working days: weekend days that are worked.
    [InlineData("2026-01-04", DayOfWeek.Sunday, true)]
    [InlineData("2026-02-14", DayOfWeek.Saturday, true)]
    [InlineData("2026-02-28", DayOfWeek.Saturday, true)]
    [InlineData("2026-05-09", DayOfWeek.Saturday, true)]
    [InlineData("2026-09-20", DayOfWeek.Sunday, true)]
    [InlineData("2026-10-10", DayOfWeek.Saturday, true)]
    // Holidays on weekdays.
    [InlineData("2026-01-01", DayOfWeek.Thursday, false)]
    [InlineData("2026-01-02", DayOfWeek.Friday, false)]
    [InlineData("2026-02-16", DayOfWeek.Monday, false)]
    [InlineData("2026-02-23", DayOfWeek.Monday, false)]
    [InlineData("2026-04-06", DayOfWeek.Monday, false)]
    [InlineData("2026-05-05", DayOfWeek.Tuesday, false)]
    [InlineData("2026-06-19", DayOfWeek.Friday, false)]
    [InlineData("2026-09-25", DayOfWeek.Friday, false)]
    [InlineData("2026-10-01", DayOfWeek.Thursday, false)]
    [InlineData("2026-10-07", DayOfWeek.Wednesday, false)]
    // Plain days either side.
    [InlineData("2026-02-24", DayOfWeek.Tuesday, true)]
    [InlineData("2026-10-08", DayOfWeek.Thursday, true)]
    [InlineData("2026-10-11", DayOfWeek.Sunday, false)]
    [InlineData("2026-03-07", DayOfWeek.Saturday, false)]
    public void The_2026_China_calendar(string date, DayOfWeek weekday, bool working)
    {
        var day = DateOnly.Parse(date);
        Assert.Equal(weekday, day.DayOfWeek);
        Assert.Equal(working, China2026.IsWorkingDay(day));
    }

    [Theory]
    [InlineData("2025-01-01", false)]
    [InlineData("2025-01-26", true)]
    [InlineData("2025-01-28", false)]
    [InlineData("2025-02-04", false)]
    [InlineData("2025-02-08", true)]
    [InlineData("2025-04-27", true)]
    [InlineData("2025-06-02", false)]
    [InlineData("2025-09-28", true)]
    [InlineData("2025-10-08", false)]
    [InlineData("2025-10-11", true)]
    [InlineData("2025-10-09", true)]
    public void The_2025_China_calendar(string date, bool working) =>
        Assert.Equal(working, China2025.IsWorkingDay(DateOnly.Parse(date)));

    [Fact]
    public void The_2026_calendar_has_the_notice_s_counts_of_days_off_and_make_up_days()
    {
        // 3 + 9 + 3 + 5 + 3 + 3 + 7 days off; 1 + 2 + 1 + 2 make-up days.
        Assert.Equal(33, China2026.Days.Count(d => d.Kind == CalendarDayKind.Holiday));
        Assert.Equal(6, China2026.Days.Count(d => d.Kind == CalendarDayKind.Workday));
        Assert.Equal("春节 Spring Festival", China2026.Find(new(2026, 2, 15))?.Name);
    }

    [Fact]
    public void All_shipped_years_combine_into_one_calendar()
    {
        var all = ChinaCalendar.All();
        Assert.False(all.IsWorkingDay(new(2025, 10, 8)));
        Assert.True(all.IsWorkingDay(new(2026, 2, 14)));
        Assert.Equal(China2025.Days.Count + China2026.Days.Count, all.Days.Count);
    }

    [Fact]
    public void The_shipped_text_is_the_file_in_plans_calendars()
    {
        var file = Path.Combine(RepoRoot(), "plans", "calendars", "cn-2026.csv");
        Assert.Equal(File.ReadAllText(file), ChinaCalendar.Text(2026));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChinaCalendar.Text(2019));
    }

    [Fact]
    public void Weekends_only_calendar_and_a_custom_weekend()
    {
        Assert.True(WorkingCalendar.WeekendsOnly.IsWorkingDay(new(2026, 10, 1)));
        Assert.False(WorkingCalendar.WeekendsOnly.IsWorkingDay(new(2026, 10, 3)));
        var fridaySaturday = new WorkingCalendar { Weekend = [DayOfWeek.Friday, DayOfWeek.Saturday] };
        Assert.False(fridaySaturday.IsWorkingDay(new(2026, 10, 2)));
        Assert.True(fridaySaturday.IsWorkingDay(new(2026, 10, 4)));
    }

    [Fact]
    public void The_parser_reads_comments_blank_lines_a_header_crlf_and_commas_in_names()
    {
        var text = "\uFEFF# test\r\nDate, Kind, Name\r\n\r\n2026-10-01,holiday,国庆节, National Day\r\n  2026-10-10 , WORKDAY ,\r\n2026-10-02,holiday\n";
        var result = WorkingCalendarParser.Parse(text);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(
            [
                new CalendarDay(new(2026, 10, 1), CalendarDayKind.Holiday, "国庆节, National Day"),
                new CalendarDay(new(2026, 10, 2), CalendarDayKind.Holiday, ""),
                new CalendarDay(new(2026, 10, 10), CalendarDayKind.Workday, ""),
            ],
            result.Calendar!.Days);
    }

    [Fact]
    public void The_parser_reports_every_error_with_its_line()
    {
        var text = string.Join('\n',
            "date,kind,name",             // 1
            "# comment",                  // 2
            "2026/10/01,holiday,National", // 3: date format
            "2026-10-01,vacation,x",      // 4: kind
            "2026-10-02",                 // 5: no kind
            "2026-10-03,holiday,a",       // 6: fine
            "2026-10-03,holiday,b",       // 7: duplicate
            "2026-10-08,workday,c",       // 8: Thursday made a workday
            "2026-02-30,holiday,d",       // 9: no such date
            "date,kind,name");            // 10: a header only counts on the first line
        var result = WorkingCalendarParser.Parse(text);
        Assert.Null(result.Calendar);
        Assert.Equal([3, 4, 5, 7, 8, 9, 10], result.Errors.Select(e => e.Line));
        Assert.Contains("yyyy-MM-dd", result.Errors[0].Message);
        Assert.Contains("'vacation' is not a kind; use 'holiday'", result.Errors[1].Message);
        Assert.Contains("'workday'", result.Errors[1].Message);
        Assert.Contains("kind is missing", result.Errors[2].Message);
        Assert.Equal("2026-10-03 is already on line 6; each date appears once.", result.Errors[3].Message);
        Assert.Contains("Thursday, already a working day", result.Errors[4].Message);
        Assert.Equal("line 9: '2026-02-30' is not a date; write it as yyyy-MM-dd, such as 2026-10-01.", result.Errors[5].ToString());
    }

    [Fact]
    public void An_empty_file_is_an_empty_calendar()
    {
        var result = WorkingCalendarParser.Parse("# nothing yet\n\n");
        Assert.True(result.Succeeded);
        Assert.Empty(result.Calendar!.Days);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Muster.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Muster.slnx not found above the test binaries.");
    }
}
