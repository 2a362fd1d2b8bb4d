using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

/// <summary>Overrides on a pair on call all day (a primary, b backup), in Shanghai; hours are UTC.</summary>
public sealed class OverrideTests
{
    private static readonly ScheduleDefinition Pair = Schedule(Shanghai, Layer(Local(2026, 1, 1), "a", "b") with { ShiftSize = 2, RotationUnit = RotationUnit.Weeks, RotationLength = 52 });
    private static readonly DateTime From = Utc(2026, 3, 2, 8);
    private static readonly DateTime To = Utc(2026, 3, 2, 18);

    private static DateTime H(int hour) => Utc(2026, 3, 2, hour);

    [Fact]
    public void Add_puts_someone_on_call_as_well_after_those_already_on_call()
    {
        Assert.Equal(
            [Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "a", "b", "x"), Seg(H(12), To, "a", "b")],
            Resolve(Pair, From, To, Ov(OverrideKind.Add, H(10), H(12), "x")));
    }

    [Fact]
    public void Add_in_a_gap_makes_the_person_primary()
    {
        var nobody = Schedule(Shanghai, Layer(Local(2026, 1, 1)));
        var segments = Resolve(nobody, From, To, Ov(OverrideKind.Add, H(10), H(12), "x"));
        Assert.Equal([Seg(From, H(10)), Seg(H(10), H(12), "x"), Seg(H(12), To)], segments);
        Assert.Equal("primary", segments[1].People[0].Role);
    }

    [Fact]
    public void Adding_someone_already_on_call_changes_nothing()
    {
        Assert.Equal([Seg(From, To, "a", "b")], Resolve(Pair, From, To, Ov(OverrideKind.Add, H(10), H(12), "b")));
    }

    [Fact]
    public void Remove_takes_someone_off_and_the_rest_move_up()
    {
        var segments = Resolve(Pair, From, To, Ov(OverrideKind.Remove, H(10), H(12), "a"));
        Assert.Equal([Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "b"), Seg(H(12), To, "a", "b")], segments);
        Assert.Equal(new OnCallPerson("b", "primary"), segments[1].People[0]);
    }

    [Fact]
    public void Removing_everyone_makes_a_gap()
    {
        var gaps = ScheduleResolver.Gaps(Pair, WorkingCalendar.WeekendsOnly,
            [Ov(OverrideKind.Remove, H(10), H(12), "a"), Ov(OverrideKind.Remove, H(11), H(13), "b")], From, To);
        Assert.Equal([new TimeRange(H(11), H(12))], gaps);
    }

    [Fact]
    public void Replace_keeps_the_role_of_the_person_replaced()
    {
        var segments = Resolve(Pair, From, To, Ov(OverrideKind.Replace, H(10), H(12), "x", replaces: "a"));
        Assert.Equal([Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "x", "b"), Seg(H(12), To, "a", "b")], segments);
        Assert.Equal(new OnCallPerson("x", "primary"), segments[1].People[0]);
    }

    [Fact]
    public void Replacing_someone_not_on_call_changes_nothing()
    {
        Assert.Equal([Seg(From, To, "a", "b")], Resolve(Pair, From, To, Ov(OverrideKind.Replace, H(10), H(12), "x", replaces: "z")));
    }

    [Fact]
    public void Replacing_by_someone_already_on_call_leaves_them_in_the_replaced_role_only()
    {
        Assert.Equal(
            [Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "b"), Seg(H(12), To, "a", "b")],
            Resolve(Pair, From, To, Ov(OverrideKind.Replace, H(10), H(12), "b", replaces: "a")));
    }

    [Fact]
    public void Overlapping_add_then_remove_the_later_remove_wins_where_they_overlap()
    {
        var add = Ov(OverrideKind.Add, H(10), H(14), "x");
        var remove = Ov(OverrideKind.Remove, H(12), H(16), "x");
        Assert.Equal(
            [Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "a", "b", "x"), Seg(H(12), To, "a", "b")],
            Resolve(Pair, From, To, remove, add)); // the order passed in does not matter, creation order does
    }

    [Fact]
    public void Overlapping_remove_then_add_the_later_add_wins_where_they_overlap()
    {
        var remove = Ov(OverrideKind.Remove, H(12), H(16), "a");
        var add = Ov(OverrideKind.Add, H(10), H(14), "a");
        // 12-14: a removed, then added back after b; 14-16: removed only.
        Assert.Equal(
            [Seg(From, H(12), "a", "b"), Seg(H(12), H(14), "b", "a"), Seg(H(14), H(16), "b"), Seg(H(16), To, "a", "b")],
            Resolve(Pair, From, To, add, remove));
    }

    [Fact]
    public void Chained_replacements_apply_in_creation_order()
    {
        var first = Ov(OverrideKind.Replace, H(10), H(14), "x", replaces: "a");
        var second = Ov(OverrideKind.Replace, H(12), H(13), "y", replaces: "x");
        Assert.Equal(
            [Seg(From, H(10), "a", "b"), Seg(H(10), H(12), "x", "b"), Seg(H(12), H(13), "y", "b"), Seg(H(13), H(14), "x", "b"), Seg(H(14), To, "a", "b")],
            Resolve(Pair, From, To, first, second));
    }

    [Fact]
    public void A_replacement_created_before_the_one_it_depends_on_finds_nobody_to_replace()
    {
        var second = Ov(OverrideKind.Replace, H(12), H(13), "y", replaces: "x");
        var first = Ov(OverrideKind.Replace, H(10), H(14), "x", replaces: "a");
        Assert.Equal(
            [Seg(From, H(10), "a", "b"), Seg(H(10), H(14), "x", "b"), Seg(H(14), To, "a", "b")],
            Resolve(Pair, From, To, first, second));
    }

    [Fact]
    public void Overrides_outside_the_period_or_empty_are_ignored_and_edges_are_clipped()
    {
        var before = Ov(OverrideKind.Remove, H(1), H(8), "a");
        var empty = Ov(OverrideKind.Remove, H(9), H(9), "a");
        var straddling = Ov(OverrideKind.Add, H(6), H(9), "x");
        Assert.Equal(
            [Seg(From, H(9), "a", "b", "x"), Seg(H(9), To, "a", "b")],
            Resolve(Pair, From, To, before, empty, straddling));
    }

    [Fact]
    public void An_override_follows_the_person_across_a_handoff()
    {
        // Daily 09:00 local (01:00Z) a then b; x replaces a from 00:00Z to 02:00Z: x until the handoff, then b as usual.
        var daily = Schedule(Shanghai, Layer(Local(2026, 3, 1, 9), "a", "b"));
        Assert.Equal(
            [Seg(Utc(2026, 3, 2), Utc(2026, 3, 2, 1), "x"), Seg(Utc(2026, 3, 2, 1), Utc(2026, 3, 2, 3), "b")],
            Resolve(daily, Utc(2026, 3, 2), Utc(2026, 3, 2, 3), Ov(OverrideKind.Replace, Utc(2026, 3, 2), Utc(2026, 3, 2, 2), "x", replaces: "a")));
    }

    [Fact]
    public void Override_issues_name_their_fields()
    {
        Assert.Empty(ScheduleValidator.ValidateOverride(Ov(OverrideKind.Replace, H(10), H(12), "x", replaces: "a")));
        Assert.Equal(["end", "replacesPersonId"], ScheduleValidator.ValidateOverride(Ov(OverrideKind.Replace, H(12), H(12), "x")).Select(e => e.Path));
        Assert.Equal(["personId", "replacesPersonId"], ScheduleValidator.ValidateOverride(Ov(OverrideKind.Add, H(10), H(12), "", replaces: "a")).Select(e => e.Path));
        Assert.Equal("A person cannot replace themselves.", Assert.Single(ScheduleValidator.ValidateOverride(Ov(OverrideKind.Replace, H(10), H(12), "a", replaces: "a"))).Message);
    }
}
