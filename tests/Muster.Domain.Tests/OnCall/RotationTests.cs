using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class RotationTests
{
    [Fact]
    public void Daily_rotation_hands_off_at_the_local_time_of_its_start_and_nobody_is_on_call_before_it()
    {
        // 09:00 in Shanghai (UTC+8, no DST) is 01:00 UTC.
        var schedule = Schedule(Shanghai, Layer(Local(2026, 3, 2, 9), "a", "b", "c"));
        Assert.Equal(
            [
                Seg(Utc(2026, 3, 1), Utc(2026, 3, 2, 1)),
                Seg(Utc(2026, 3, 2, 1), Utc(2026, 3, 3, 1), "a"),
                Seg(Utc(2026, 3, 3, 1), Utc(2026, 3, 4, 1), "b"),
                Seg(Utc(2026, 3, 4, 1), Utc(2026, 3, 5, 1), "c"),
                Seg(Utc(2026, 3, 5, 1), Utc(2026, 3, 5, 12), "a"),
            ],
            Resolve(schedule, Utc(2026, 3, 1), Utc(2026, 3, 5, 12)));
    }

    [Theory]
    [InlineData(2026, 3, 5, 0, 59, "c")]
    [InlineData(2026, 3, 5, 1, 0, "a")]
    // Dec 31 is 304 days after Mar 2: its 09:00 handoff starts turn 304, and 304 % 3 = 1 is b.
    [InlineData(2026, 12, 31, 12, 0, "b")]
    [InlineData(2026, 12, 31, 0, 59, "a")]
    public void The_member_far_ahead_is_found_without_walking_there(int y, int m, int d, int h, int min, string expected)
    {
        var schedule = Schedule(Shanghai, Layer(Local(2026, 3, 2, 9), "a", "b", "c"));
        Assert.Equal(expected, Who(schedule, Utc(y, m, d, h, min)));
    }

    [Fact]
    public void Weekly_rotation_changes_on_the_start_weekday_at_the_start_time()
    {
        var layer = Layer(Local(2026, 3, 2, 10), "a", "b") with { RotationUnit = RotationUnit.Weeks };
        var schedule = Schedule(Shanghai, layer);
        Assert.Equal("a", Who(schedule, Utc(2026, 3, 9, 1, 59)));  // Mon Mar 9 09:59 local
        Assert.Equal("b", Who(schedule, Utc(2026, 3, 9, 2)));      // Mon Mar 9 10:00 local
        Assert.Equal("b", Who(schedule, Utc(2026, 3, 16, 1, 59)));
        Assert.Equal("a", Who(schedule, Utc(2026, 3, 16, 2)));
    }

    [Fact]
    public void Two_week_rotation_length()
    {
        var layer = Layer(Local(2026, 3, 2, 10), "a", "b") with { RotationUnit = RotationUnit.Weeks, RotationLength = 2 };
        var schedule = Schedule(Shanghai, layer);
        Assert.Equal("a", Who(schedule, Utc(2026, 3, 15)));
        Assert.Equal("b", Who(schedule, Utc(2026, 3, 16, 2)));
        Assert.Equal("a", Who(schedule, Utc(2026, 3, 30, 2)));
    }

    [Fact]
    public void Twelve_hour_rotation_in_shanghai()
    {
        // 08:00 and 20:00 local are 00:00 and 12:00 UTC.
        var layer = Layer(Local(2026, 1, 5, 8), "day", "night") with { RotationUnit = RotationUnit.Hours, RotationLength = 12 };
        Assert.Equal(
            [
                Seg(Utc(2026, 1, 5), Utc(2026, 1, 5, 12), "day"),
                Seg(Utc(2026, 1, 5, 12), Utc(2026, 1, 6), "night"),
                Seg(Utc(2026, 1, 6), Utc(2026, 1, 6, 12), "day"),
            ],
            Resolve(Schedule(Shanghai, layer), Utc(2026, 1, 5), Utc(2026, 1, 6, 12)));
    }

    [Fact]
    public void Midnight_handoff_cuts_at_local_midnight()
    {
        // London in January is UTC+0: midnight local is midnight UTC.
        var schedule = Schedule(London, Layer(Local(2026, 1, 1), "a", "b"));
        Assert.Equal(
            [Seg(Utc(2026, 1, 1, 12), Utc(2026, 1, 2), "a"), Seg(Utc(2026, 1, 2), Utc(2026, 1, 2, 12), "b")],
            Resolve(schedule, Utc(2026, 1, 1, 12), Utc(2026, 1, 2, 12)));
    }

    [Fact]
    public void A_single_member_rotation_is_one_merged_segment()
    {
        var schedule = Schedule(Shanghai, Layer(Local(2026, 1, 1, 9), "solo"));
        Assert.Equal([Seg(Utc(2026, 2, 1), Utc(2026, 3, 1), "solo")], Resolve(schedule, Utc(2026, 2, 1), Utc(2026, 3, 1)));
    }

    [Fact]
    public void Two_people_a_shift_advance_by_two_so_every_member_has_equal_turns()
    {
        // Members a, b, c, two a shift: (a,b) (c,a) (b,c) (a,b)...
        var layer = Layer(Local(2026, 3, 2, 9), "a", "b", "c") with { ShiftSize = 2 };
        var segments = Resolve(Schedule(Shanghai, layer), Utc(2026, 3, 2, 1), Utc(2026, 3, 6, 1));
        Assert.Equal(
            [
                Seg(Utc(2026, 3, 2, 1), Utc(2026, 3, 3, 1), "a", "b"),
                Seg(Utc(2026, 3, 3, 1), Utc(2026, 3, 4, 1), "c", "a"),
                Seg(Utc(2026, 3, 4, 1), Utc(2026, 3, 5, 1), "b", "c"),
                Seg(Utc(2026, 3, 5, 1), Utc(2026, 3, 6, 1), "a", "b"),
            ],
            segments);
        Assert.Equal("backup", segments[1].People[1].Role);
    }

    [Fact]
    public void Shifts_of_three_from_five_members_give_each_three_turns_in_five()
    {
        var layer = Layer(Local(2026, 3, 2, 9), "a", "b", "c", "d", "e") with { ShiftSize = 3 };
        var segments = Resolve(Schedule(Shanghai, layer), Utc(2026, 3, 2, 1), Utc(2026, 3, 7, 1));
        Assert.Equal(Seg(Utc(2026, 3, 3, 1), Utc(2026, 3, 4, 1), "d", "e", "a"), segments[1]);
        Assert.Equal("backup2", segments[1].People[2].Role);
        var turns = segments.SelectMany(s => s.People).GroupBy(p => p.PersonId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(new[] { "a", "b", "c", "d", "e" }, id => Assert.Equal(3, turns[id]));
        var primaries = segments.Select(s => s.People[0].PersonId);
        Assert.Equal(["a", "d", "b", "e", "c"], primaries);
    }

    [Fact]
    public void A_layer_without_members_has_nobody()
    {
        var schedule = Schedule(Shanghai, Layer(Local(2026, 1, 1)));
        Assert.Equal([Seg(Utc(2026, 2, 1), Utc(2026, 2, 2))], Resolve(schedule, Utc(2026, 2, 1), Utc(2026, 2, 2)));
    }

    [Fact]
    public void An_empty_period_is_empty_and_a_reversed_one_is_refused()
    {
        var schedule = Schedule(Shanghai, Layer(Local(2026, 1, 1), "a"));
        Assert.Empty(Resolve(schedule, Utc(2026, 2, 1), Utc(2026, 2, 1)));
        Assert.Throws<ArgumentException>(() => Resolve(schedule, Utc(2026, 2, 2), Utc(2026, 2, 1)));
    }
}
