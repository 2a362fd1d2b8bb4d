using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

/// <summary>
/// Handoffs keep their local wall time across DST. 2026 changes: New York 03-08 (02:00 EST -> 03:00 EDT)
/// and 11-01 (02:00 EDT -> 01:00 EST); London 03-29 (01:00 GMT -> 02:00 BST) and 10-25 (02:00 BST -> 01:00 GMT).
/// </summary>
public sealed class DstRotationTests
{
    private static IReadOnlyList<TimeRange> Handoffs(string zone, DateTime layerStart, DateTime from, DateTime to)
    {
        var schedule = Schedule(zone, Layer(layerStart, "a", "b"));
        return Resolve(schedule, from, to).Select(s => new TimeRange(s.Start, s.End)).ToList();
    }

    [Fact]
    public void New_york_spring_forward_with_a_0900_handoff_makes_a_23_hour_shift()
    {
        var turns = Handoffs(NewYork, Local(2026, 3, 7, 9), Utc(2026, 3, 7, 14), Utc(2026, 3, 9, 13));
        // Sat 09:00 EST = 14:00Z, Sun 09:00 EDT = 13:00Z, Mon 09:00 EDT = 13:00Z.
        Assert.Equal([new(Utc(2026, 3, 7, 14), Utc(2026, 3, 8, 13)), new(Utc(2026, 3, 8, 13), Utc(2026, 3, 9, 13))], turns);
        Assert.Equal(TimeSpan.FromHours(23), turns[0].Duration);
    }

    [Fact]
    public void New_york_spring_forward_with_a_0230_handoff_uses_0330_on_the_missing_day()
    {
        // Sat 02:30 EST = 07:30Z; Sun 02:30 does not exist -> 03:30 EDT = 07:30Z; Mon 02:30 EDT = 06:30Z.
        var turns = Handoffs(NewYork, Local(2026, 3, 7, 2, 30), Utc(2026, 3, 7, 7, 30), Utc(2026, 3, 9, 6, 30));
        Assert.Equal([new(Utc(2026, 3, 7, 7, 30), Utc(2026, 3, 8, 7, 30)), new(Utc(2026, 3, 8, 7, 30), Utc(2026, 3, 9, 6, 30))], turns);
        Assert.Equal(TimeSpan.FromHours(23), turns[1].Duration);
    }

    [Fact]
    public void New_york_spring_forward_with_a_0130_handoff()
    {
        // Sun 01:30 is still EST (06:30Z); Mon 01:30 EDT = 05:30Z.
        var turns = Handoffs(NewYork, Local(2026, 3, 7, 1, 30), Utc(2026, 3, 7, 6, 30), Utc(2026, 3, 9, 5, 30));
        Assert.Equal([new(Utc(2026, 3, 7, 6, 30), Utc(2026, 3, 8, 6, 30)), new(Utc(2026, 3, 8, 6, 30), Utc(2026, 3, 9, 5, 30))], turns);
    }

    [Fact]
    public void New_york_spring_forward_with_a_midnight_handoff()
    {
        // Sun 00:00 EST = 05:00Z; Mon 00:00 EDT = 04:00Z.
        var turns = Handoffs(NewYork, Local(2026, 3, 7), Utc(2026, 3, 8, 5), Utc(2026, 3, 9, 4));
        Assert.Equal([new TimeRange(Utc(2026, 3, 8, 5), Utc(2026, 3, 9, 4))], turns);
    }

    [Fact]
    public void New_york_fall_back_with_a_0130_handoff_takes_the_first_0130_and_makes_a_25_hour_shift()
    {
        // Sat 01:30 EDT = 05:30Z; Sun 01:30 (twice) -> EDT = 05:30Z; Mon 01:30 EST = 06:30Z.
        var turns = Handoffs(NewYork, Local(2026, 10, 31, 1, 30), Utc(2026, 10, 31, 5, 30), Utc(2026, 11, 2, 6, 30));
        Assert.Equal([new(Utc(2026, 10, 31, 5, 30), Utc(2026, 11, 1, 5, 30)), new(Utc(2026, 11, 1, 5, 30), Utc(2026, 11, 2, 6, 30))], turns);
        Assert.Equal(TimeSpan.FromHours(25), turns[1].Duration);
    }

    [Fact]
    public void New_york_fall_back_with_a_0230_handoff()
    {
        // Sat 02:30 EDT = 06:30Z; Sun 02:30 EST = 07:30Z (25 h); Mon 02:30 EST = 07:30Z.
        var turns = Handoffs(NewYork, Local(2026, 10, 31, 2, 30), Utc(2026, 10, 31, 6, 30), Utc(2026, 11, 2, 7, 30));
        Assert.Equal([TimeSpan.FromHours(25), TimeSpan.FromHours(24)], turns.Select(t => t.Duration));
        Assert.Equal(Utc(2026, 11, 1, 7, 30), turns[1].Start);
    }

    [Fact]
    public void New_york_fall_back_with_a_midnight_handoff()
    {
        // Sun 00:00 EDT = 04:00Z; Mon 00:00 EST = 05:00Z.
        var turns = Handoffs(NewYork, Local(2026, 10, 1), Utc(2026, 11, 1, 4), Utc(2026, 11, 2, 5));
        Assert.Equal([new TimeRange(Utc(2026, 11, 1, 4), Utc(2026, 11, 2, 5))], turns);
    }

    [Fact]
    public void London_spring_forward_with_a_0130_handoff()
    {
        // Sat 01:30 GMT = 01:30Z; Sun 01:30 does not exist -> read as GMT = 01:30Z (02:30 BST); Mon 01:30 BST = 00:30Z.
        var turns = Handoffs(London, Local(2026, 3, 28, 1, 30), Utc(2026, 3, 28, 1, 30), Utc(2026, 3, 30, 0, 30));
        Assert.Equal([new(Utc(2026, 3, 28, 1, 30), Utc(2026, 3, 29, 1, 30)), new(Utc(2026, 3, 29, 1, 30), Utc(2026, 3, 30, 0, 30))], turns);
    }

    [Fact]
    public void London_spring_forward_with_0230_and_midnight_handoffs()
    {
        // 02:30: Sat GMT = 02:30Z, Sun BST = 01:30Z: 23 h.
        Assert.Equal(
            [new TimeRange(Utc(2026, 3, 28, 2, 30), Utc(2026, 3, 29, 1, 30))],
            Handoffs(London, Local(2026, 3, 1, 2, 30), Utc(2026, 3, 28, 2, 30), Utc(2026, 3, 29, 1, 30)));
        // Midnight: Sun 00:00 GMT = 00:00Z, Mon 00:00 BST = Sun 23:00Z.
        Assert.Equal(
            [new TimeRange(Utc(2026, 3, 29), Utc(2026, 3, 29, 23))],
            Handoffs(London, Local(2026, 3, 1), Utc(2026, 3, 29), Utc(2026, 3, 29, 23)));
    }

    [Fact]
    public void London_fall_back_with_0130_and_midnight_handoffs()
    {
        // 01:30: Sun 01:30 (twice) -> BST = 00:30Z; Mon 01:30 GMT = 01:30Z: 25 h.
        Assert.Equal(
            [new TimeRange(Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 26, 1, 30))],
            Handoffs(London, Local(2026, 10, 1, 1, 30), Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 26, 1, 30)));
        // Midnight: Sun 00:00 BST = Sat 23:00Z; Mon 00:00 GMT = 00:00Z.
        Assert.Equal(
            [new TimeRange(Utc(2026, 10, 24, 23), Utc(2026, 10, 26))],
            Handoffs(London, Local(2026, 10, 1), Utc(2026, 10, 24, 23), Utc(2026, 10, 26)));
    }

    [Fact]
    public void An_hourly_turn_whose_handoff_is_skipped_by_spring_forward_is_empty()
    {
        // Handoffs 00:30 (05:30Z), 01:30 (06:30Z), 02:30 (missing -> 07:30Z), 03:30 EDT (07:30Z), 04:30 EDT (08:30Z):
        // c's turn is 02:30 to 03:30 on the wall clock, an hour that never happens.
        var layer = Layer(Local(2026, 3, 8, 0, 30), "a", "b", "c", "d") with { RotationUnit = RotationUnit.Hours };
        Assert.Equal(
            [
                Seg(Utc(2026, 3, 8, 5, 30), Utc(2026, 3, 8, 6, 30), "a"),
                Seg(Utc(2026, 3, 8, 6, 30), Utc(2026, 3, 8, 7, 30), "b"),
                Seg(Utc(2026, 3, 8, 7, 30), Utc(2026, 3, 8, 8, 30), "d"),
            ],
            Resolve(Schedule(NewYork, layer), Utc(2026, 3, 8, 5, 30), Utc(2026, 3, 8, 8, 30)));
    }

    [Fact]
    public void An_hourly_turn_across_fall_back_lasts_two_hours()
    {
        // Handoffs 00:30 EDT (04:30Z), 01:30 EDT (05:30Z), 02:30 EST (07:30Z): the 01:30 turn runs two real hours.
        var layer = Layer(Local(2026, 11, 1, 0, 30), "a", "b", "c") with { RotationUnit = RotationUnit.Hours };
        Assert.Equal(
            [
                Seg(Utc(2026, 11, 1, 4, 30), Utc(2026, 11, 1, 5, 30), "a"),
                Seg(Utc(2026, 11, 1, 5, 30), Utc(2026, 11, 1, 7, 30), "b"),
                Seg(Utc(2026, 11, 1, 7, 30), Utc(2026, 11, 1, 8, 30), "c"),
            ],
            Resolve(Schedule(NewYork, layer), Utc(2026, 11, 1, 4, 30), Utc(2026, 11, 1, 8, 30)));
    }

    [Fact]
    public void A_weekly_monday_0900_rotation_in_new_york_keeps_0900_across_both_changes()
    {
        var layer = Layer(Local(2026, 3, 2, 9), "a", "b") with { RotationUnit = RotationUnit.Weeks };
        var schedule = Schedule(NewYork, layer);
        Assert.Equal("a", Who(schedule, Utc(2026, 3, 9, 12, 59))); // Mon Mar 9 08:59 EDT
        Assert.Equal("b", Who(schedule, Utc(2026, 3, 9, 13)));     // Mon Mar 9 09:00 EDT
        // Nov 2 is 35 weeks after Mar 2: turn 35 -> b, from 09:00 EST = 14:00Z.
        Assert.Equal("a", Who(schedule, Utc(2026, 11, 2, 13, 59)));
        Assert.Equal("b", Who(schedule, Utc(2026, 11, 2, 14)));
    }
}
