using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

/// <summary>Restrictions, working-day layers and layer order. Shanghai is UTC+8: local 08:00 is 00:00Z.</summary>
public sealed class LayerTests
{
    private static readonly WorkingCalendar China = ChinaCalendar.ForYear(2026);

    private static ScheduleLayer Always(string person) => Layer(Local(2026, 1, 1), person) with { Name = "base" };

    [Fact]
    public void A_night_layer_wrapping_midnight_overrides_the_base_layer_at_night()
    {
        var nights = Layer(Local(2026, 1, 1, 18), "n") with { Name = "nights", Restrictions = [Window(18, 8)] };
        var schedule = Schedule(Shanghai, Always("a"), nights);
        // Mon Mar 2 local 00:00 to Tue 00:00: n until 08:00 (Sunday's window), a to 18:00, n after.
        Assert.Equal(
            [
                Seg(Utc(2026, 3, 1, 16), Utc(2026, 3, 2, 0), "n"),
                Seg(Utc(2026, 3, 2, 0), Utc(2026, 3, 2, 10), "a"),
                Seg(Utc(2026, 3, 2, 10), Utc(2026, 3, 2, 16), "n"),
            ],
            Resolve(schedule, Utc(2026, 3, 1, 16), Utc(2026, 3, 2, 16)));
    }

    [Fact]
    public void An_earlier_layer_never_overrides_a_later_one()
    {
        var nights = Layer(Local(2026, 1, 1, 18), "n") with { Restrictions = [Window(18, 8)] };
        var schedule = Schedule(Shanghai, nights, Always("a"));
        Assert.Equal([Seg(Utc(2026, 3, 1, 16), Utc(2026, 3, 2, 16), "a")], Resolve(schedule, Utc(2026, 3, 1, 16), Utc(2026, 3, 2, 16)));
    }

    [Fact]
    public void A_later_layer_with_nobody_leaves_the_earlier_layer_on_call()
    {
        var empty = Layer(Local(2026, 1, 1)) with { Name = "nobody yet" };
        Assert.Equal("a", Who(Schedule(Shanghai, Always("a"), empty), Utc(2026, 3, 2)));
    }

    [Fact]
    public void A_window_belongs_to_the_day_it_starts_on()
    {
        // Friday nights only: Fri Mar 6 18:00 local to Sat 08:00; nobody Thursday night or Monday morning.
        var fridays = Layer(Local(2026, 1, 1), "f") with { Restrictions = [Window(18, 8, DayOfWeek.Friday)] };
        var schedule = Schedule(Shanghai, fridays);
        Assert.Equal(
            [
                Seg(Utc(2026, 3, 5, 10), Utc(2026, 3, 6, 10)),
                Seg(Utc(2026, 3, 6, 10), Utc(2026, 3, 7, 0), "f"),
                Seg(Utc(2026, 3, 7, 0), Utc(2026, 3, 9, 10)),
            ],
            Resolve(schedule, Utc(2026, 3, 5, 10), Utc(2026, 3, 9, 10)));
    }

    [Fact]
    public void From_equal_to_to_is_a_whole_day_from_that_time()
    {
        var saturdays = Layer(Local(2026, 1, 1), "s") with { Restrictions = [Window(9, 9, DayOfWeek.Saturday)] };
        var gaps = ScheduleResolver.Gaps(Schedule(Shanghai, saturdays), WorkingCalendar.WeekendsOnly, [], Utc(2026, 3, 6), Utc(2026, 3, 9));
        // Sat Mar 7 09:00 local (01:00Z) to Sun 09:00 local.
        Assert.Equal([new TimeRange(Utc(2026, 3, 6), Utc(2026, 3, 7, 1)), new TimeRange(Utc(2026, 3, 8, 1), Utc(2026, 3, 9))], gaps);
    }

    [Fact]
    public void Overlapping_restrictions_of_one_layer_merge()
    {
        var layer = Layer(Local(2026, 1, 1), "x") with { Restrictions = [Window(8, 12), Window(11, 18), Window(18, 20)] };
        Assert.Equal(
            [Seg(Utc(2026, 3, 2), Utc(2026, 3, 2, 12), "x")],
            Resolve(Schedule(Shanghai, layer), Utc(2026, 3, 2), Utc(2026, 3, 2, 12)));
    }

    [Fact]
    public void A_rotation_inside_a_window_hands_off_mid_window()
    {
        // Daily handoff at 12:00 local, on call 09:00-18:00: a until 12:00 (turn of the day before), then b.
        var layer = Layer(Local(2026, 3, 1, 12), "b", "a") with { Restrictions = [Window(9, 18)] };
        Assert.Equal(
            [Seg(Utc(2026, 3, 2, 1), Utc(2026, 3, 2, 4), "b"), Seg(Utc(2026, 3, 2, 4), Utc(2026, 3, 2, 10), "a")],
            Resolve(Schedule(Shanghai, layer), Utc(2026, 3, 2, 1), Utc(2026, 3, 2, 10)));
    }

    [Fact]
    public void A_night_window_across_new_york_fall_back_is_fifteen_hours()
    {
        // Sat Oct 31 18:00 EDT = 22:00Z to Sun Nov 1 08:00 EST = 13:00Z.
        var nights = Layer(Local(2026, 10, 1), "n") with { Restrictions = [Window(18, 8, DayOfWeek.Saturday)] };
        var segments = Resolve(Schedule(NewYork, nights), Utc(2026, 10, 31, 12), Utc(2026, 11, 1, 20));
        Assert.Equal(Seg(Utc(2026, 10, 31, 22), Utc(2026, 11, 1, 13), "n"), segments[1]);
        Assert.Equal(TimeSpan.FromHours(15), segments[1].Duration);
    }

    [Fact]
    public void Window_edges_in_a_skipped_or_repeated_hour_follow_the_same_rule_as_handoffs()
    {
        // New York Mar 8: 02:30 does not exist -> 03:30 EDT (07:30Z); 06:00 EDT is 10:00Z: 2.5 h.
        var early = Layer(Local(2026, 1, 1), "e") with { Restrictions = [new TimeRestriction { From = new(2, 30), To = new(6, 0), Days = [DayOfWeek.Sunday] }] };
        var ny = Resolve(Schedule(NewYork, early), Utc(2026, 3, 8), Utc(2026, 3, 9));
        Assert.Equal(Seg(Utc(2026, 3, 8, 7, 30), Utc(2026, 3, 8, 10), "e"), ny[1]);
        // London Oct 25: 01:30 happens twice -> the BST one (00:30Z); 02:00 GMT is 02:00Z: 1.5 h.
        var late = Layer(Local(2026, 1, 1), "l") with { Restrictions = [new TimeRestriction { From = new(1, 30), To = new(2, 0), Days = [DayOfWeek.Sunday] }] };
        var london = Resolve(Schedule(London, late), Utc(2026, 10, 24, 12), Utc(2026, 10, 25, 12));
        Assert.Equal(Seg(Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 25, 2), "l"), london[1]);
    }

    private static ScheduleDefinition OfficeAndOffDays() => Schedule(
        Shanghai,
        Layer(Local(2026, 1, 1), "o") with { Name = "office", Days = LayerDays.WorkingDays, Restrictions = [Window(9, 18)] },
        Layer(Local(2026, 1, 1), "w") with { Name = "days off", Days = LayerDays.NonWorkingDays });

    [Theory]
    [InlineData(2026, 2, 14, 10, "o")] // Saturday, a make-up working day
    [InlineData(2026, 2, 14, 20, "")]  // after office hours on a working day: nobody
    [InlineData(2026, 2, 15, 10, "w")] // Sunday, Spring Festival
    [InlineData(2026, 2, 23, 10, "w")] // Monday, last day of the Spring Festival holiday
    [InlineData(2026, 2, 24, 10, "o")]
    [InlineData(2026, 10, 1, 10, "w")]
    [InlineData(2026, 10, 7, 23, "w")]
    [InlineData(2026, 10, 8, 10, "o")]
    [InlineData(2026, 10, 10, 10, "o")] // Saturday, make-up working day
    [InlineData(2026, 10, 11, 10, "w")]
    [InlineData(2026, 9, 20, 10, "o")]  // Sunday, make-up working day
    public void Working_day_layers_follow_the_2026_china_calendar(int y, int m, int d, int localHour, string expected) =>
        Assert.Equal(expected, Who(OfficeAndOffDays(), ZoneTime.ToUtc(Local(y, m, d, localHour), ZoneTime.Find(Shanghai)), China));

    [Fact]
    public void Working_day_nights_run_into_the_next_morning_even_when_it_is_a_holiday()
    {
        var nights = Layer(Local(2026, 1, 1), "n") with { Days = LayerDays.WorkingDays, Restrictions = [Window(18, 9)] };
        var schedule = Schedule(Shanghai, nights);
        var shanghai = ZoneTime.Find(Shanghai);
        string At(int m, int d, int h) => Who(schedule, ZoneTime.ToUtc(Local(2026, m, d, h), shanghai), China);
        Assert.Equal("n", At(10, 1, 8));   // Sep 30 (Wed, working) night into Oct 1
        Assert.Equal("", At(10, 1, 20));   // Oct 1 is a holiday: no night window
        Assert.Equal("n", At(10, 10, 8));  // Fri Oct 9 night into the make-up Saturday
        Assert.Equal("n", At(10, 10, 20)); // the make-up Saturday's own night
        Assert.Equal("", At(10, 11, 20));  // Sunday
    }

    [Fact]
    public void Gaps_are_the_spans_with_nobody_on_call()
    {
        var days = Layer(Local(2026, 1, 1), "d") with { Restrictions = [Window(9, 18)] };
        var gaps = ScheduleResolver.Gaps(Schedule(Shanghai, days), WorkingCalendar.WeekendsOnly, [], Utc(2026, 3, 2), Utc(2026, 3, 3, 12));
        // Local: Mar 2 08:00-09:00, 18:00-09:00, 18:00-20:00.
        Assert.Equal(
            [
                new TimeRange(Utc(2026, 3, 2), Utc(2026, 3, 2, 1)),
                new TimeRange(Utc(2026, 3, 2, 10), Utc(2026, 3, 3, 1)),
                new TimeRange(Utc(2026, 3, 3, 10), Utc(2026, 3, 3, 12)),
            ],
            gaps);
    }
}
