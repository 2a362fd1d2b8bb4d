using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class OnCallHoursTests
{
    private static readonly WorkingCalendar China = ChinaCalendar.ForYear(2026);

    private static PersonHours Single(IReadOnlyList<ShiftSegment> segments, string zone, WorkingCalendar calendar, DateTime from, DateTime to, NightWindow? night = null) =>
        Assert.Single(OnCallHours.Summarize(segments, zone, calendar, from, to, night));

    [Fact]
    public void Into_national_day_night_and_holiday_hours_by_hand()
    {
        // Sep 30 18:00 to Oct 1 12:00 Shanghai (18 h): night Sep 30 22:00-Oct 1 08:00 = 10 h; Oct 1 00:00-12:00 = 12 h holiday.
        var shanghai = ZoneTime.Find(Shanghai);
        var start = ZoneTime.ToUtc(Local(2026, 9, 30, 18), shanghai);
        var end = ZoneTime.ToUtc(Local(2026, 10, 1, 12), shanghai);
        Assert.Equal(new PersonHours("a", 18, 10, 12), Single([Seg(start, end, "a")], Shanghai, China, start, end));
    }

    [Fact]
    public void A_plain_saturday_is_all_holiday_hours_and_a_make_up_saturday_none()
    {
        var shanghai = ZoneTime.Find(Shanghai);
        ShiftSegment Day(int m, int d) => Seg(ZoneTime.ToUtc(Local(2026, m, d), shanghai), ZoneTime.ToUtc(Local(2026, m, d + 1), shanghai), "a");
        // Nights on a day: 00:00-08:00 (the night before) and 22:00-24:00: 10 h.
        var plain = Day(3, 7);
        Assert.Equal(new PersonHours("a", 24, 10, 24), Single([plain], Shanghai, China, plain.Start, plain.End));
        var madeUp = Day(2, 14);
        Assert.Equal(new PersonHours("a", 24, 10, 0), Single([madeUp], Shanghai, China, madeUp.Start, madeUp.End));
    }

    [Fact]
    public void The_fall_back_night_is_eleven_hours_in_new_york()
    {
        // Oct 31 12:00Z to Nov 1 18:00Z: 30 h; night Oct 31 22:00 EDT (02:00Z) to Nov 1 08:00 EST (13:00Z) = 11 h;
        // Saturday and Sunday are both days off, so all 30 h are holiday hours.
        var segment = Seg(Utc(2026, 10, 31, 12), Utc(2026, 11, 1, 18), "a");
        Assert.Equal(new PersonHours("a", 30, 11, 30), Single([segment], NewYork, WorkingCalendar.WeekendsOnly, segment.Start, segment.End));
    }

    [Fact]
    public void The_spring_forward_night_is_nine_hours_in_london()
    {
        // Sat Mar 28 22:00 GMT (22:00Z) to Sun Mar 29 08:00 BST (07:00Z).
        var segment = Seg(Utc(2026, 3, 28, 12), Utc(2026, 3, 29, 12), "a");
        var hours = Single([segment], London, WorkingCalendar.WeekendsOnly, segment.Start, segment.End);
        Assert.Equal(9, hours.NightHours);
        Assert.Equal(24, hours.HolidayHours);
    }

    [Fact]
    public void Each_person_of_a_shift_is_counted_and_the_period_clips_segments()
    {
        // Mon Mar 2 Shanghai: a+b 06:00-12:00 local, then c 12:00-23:00; the period is 07:00-23:00 local.
        var shanghai = ZoneTime.Find(Shanghai);
        DateTime At(int h) => ZoneTime.ToUtc(Local(2026, 3, 2, h), shanghai);
        var segments = new[] { Seg(At(6), At(12), "a", "b"), Seg(At(12), At(23), "c") };
        Assert.Equal(
            [new PersonHours("a", 5, 1, 0), new PersonHours("b", 5, 1, 0), new PersonHours("c", 11, 1, 0)],
            OnCallHours.Summarize(segments, Shanghai, China, At(7), At(23)));
    }

    [Fact]
    public void A_custom_night_window()
    {
        // Mon Mar 2 local 00:00-24:00, night 20:00-06:00: 6 h in the morning, 4 h in the evening.
        var shanghai = ZoneTime.Find(Shanghai);
        var segment = Seg(ZoneTime.ToUtc(Local(2026, 3, 2), shanghai), ZoneTime.ToUtc(Local(2026, 3, 3), shanghai), "a");
        var night = new NightWindow(new TimeOnly(20, 0), new TimeOnly(6, 0));
        Assert.Equal(10, Single([segment], Shanghai, China, segment.Start, segment.End, night).NightHours);
    }

    [Fact]
    public void Hours_of_a_resolved_week_of_two_person_shifts()
    {
        // a,b,c,d two a shift, daily at 09:00 Shanghai, Mon Mar 2 to Mon Mar 9 (7 turns): (a,b) (c,d) (a,b) (c,d) (a,b) (c,d) (a,b).
        var schedule = Schedule(Shanghai, Layer(Local(2026, 3, 2, 9), "a", "b", "c", "d") with { ShiftSize = 2 });
        var from = Utc(2026, 3, 2, 1);
        var to = Utc(2026, 3, 9, 1);
        var hours = OnCallHours.Summarize(ScheduleResolver.Resolve(schedule, China, [], from, to), Shanghai, China, from, to);
        // a: turns starting Mon, Wed, Fri, Sun = 96 h; each 24 h turn holds one full night (10 h).
        // Holidays: Sat Mar 7 and Sun Mar 8. Fri turn (a) has Sat 00:00-09:00 = 9 h; Sat turn (c) has 15 + 9 = 24 h;
        // Sun turn (a) has Sun 09:00-24:00 = 15 h.
        Assert.Equal(new PersonHours("a", 96, 40, 24), hours[0]);
        Assert.Equal(new PersonHours("c", 72, 30, 24), hours[2]);
    }
}
