using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class SlaClockTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 2, 0, 0, DateTimeKind.Utc);
    private static readonly StageTargets Targets = new() { Acknowledge = 5, Assess = 15, Repair = 30, Restore = 120, Verify = 30 };

    private static Dictionary<Stage, SlaClock> Clocks(SlaClockInput input, DateTime now, StageTargets? targets = null) =>
        SlaClocks.Compute(input, targets ?? Targets, now).ToDictionary(c => c.Stage);

    private static SlaClockInput Declared(DateTime at) => new(at, null, null, null, null, null, null, null);

    [Fact]
    public void Fresh_clocks_run_from_declaration_and_verify_waits_for_resolve()
    {
        var clocks = Clocks(Declared(T0), T0.AddMinutes(1));
        Assert.Equal(T0.AddMinutes(5), clocks[Stage.Acknowledge].Deadline);
        Assert.Equal(T0.AddMinutes(120), clocks[Stage.Restore].Deadline);
        Assert.All(clocks.Values.Where(c => c.Stage != Stage.Verify), c => Assert.Equal(ClockState.Running, c.State));
        Assert.Equal(ClockState.Pending, clocks[Stage.Verify].State);
        Assert.Null(clocks[Stage.Verify].Deadline);
        Assert.Equal(TimeSpan.FromMinutes(4), clocks[Stage.Acknowledge].Remaining(T0.AddMinutes(1)));
    }

    [Theory]
    [InlineData(4.99, ClockState.Running)]
    [InlineData(5, ClockState.Breached)]
    [InlineData(6, ClockState.Breached)]
    public void A_clock_breaches_at_its_deadline(double minutes, ClockState state) =>
        Assert.Equal(state, Clocks(Declared(T0), T0.AddMinutes(minutes))[Stage.Acknowledge].State);

    [Theory]
    [InlineData(5, ClockState.Met)]
    [InlineData(5.01, ClockState.Breached)]
    public void Met_on_time_or_late(double minutes, ClockState state)
    {
        var input = Declared(T0) with { AcknowledgedAt = T0.AddMinutes(minutes) };
        var clock = Clocks(input, T0.AddHours(1))[Stage.Acknowledge];
        Assert.Equal(state, clock.State);
        Assert.Equal(T0.AddMinutes(minutes), clock.StoppedAt);
    }

    [Fact]
    public void A_stage_that_a_skip_makes_moot_is_skipped_unless_it_had_breached()
    {
        var resolvedEarly = Declared(T0) with { ResolvedAt = T0.AddMinutes(3) };
        var clocks = Clocks(resolvedEarly, T0.AddMinutes(4));
        Assert.Equal(ClockState.Skipped, clocks[Stage.Acknowledge].State);
        Assert.Equal(ClockState.Skipped, clocks[Stage.Assess].State);
        Assert.Equal(ClockState.Skipped, clocks[Stage.Repair].State);
        Assert.Equal(ClockState.Met, clocks[Stage.Restore].State);
        Assert.Equal(ClockState.Running, clocks[Stage.Verify].State);
        Assert.Equal(T0.AddMinutes(33), clocks[Stage.Verify].Deadline);

        var resolvedLate = Declared(T0) with { ResolvedAt = T0.AddMinutes(20) };
        var late = Clocks(resolvedLate, T0.AddMinutes(21));
        Assert.Equal(ClockState.Breached, late[Stage.Acknowledge].State);
        Assert.Equal(ClockState.Breached, late[Stage.Assess].State);
        Assert.Equal(ClockState.Skipped, late[Stage.Repair].State);
    }

    [Fact]
    public void Restore_is_met_by_mitigate_or_resolve_whichever_comes_first()
    {
        var mitigated = Declared(T0) with { MitigatedAt = T0.AddMinutes(100), ResolvedAt = T0.AddMinutes(300) };
        Assert.Equal(T0.AddMinutes(100), Clocks(mitigated, T0.AddHours(6))[Stage.Restore].StoppedAt);
        Assert.Equal(ClockState.Met, Clocks(mitigated, T0.AddHours(6))[Stage.Restore].State);
    }

    [Fact]
    public void Verify_runs_from_resolve_and_closing_unverified_skips_it()
    {
        var resolved = Declared(T0) with { AcknowledgedAt = T0.AddMinutes(1), ResolvedAt = T0.AddMinutes(60) };
        Assert.Equal(ClockState.Met, Clocks(resolved with { VerifiedAt = T0.AddMinutes(80) }, T0.AddHours(3))[Stage.Verify].State);
        Assert.Equal(ClockState.Breached, Clocks(resolved, T0.AddMinutes(91))[Stage.Verify].State);
        Assert.Equal(ClockState.Skipped, Clocks(resolved with { ClosedAt = T0.AddMinutes(70) }, T0.AddHours(3))[Stage.Verify].State);
    }

    [Fact]
    public void A_stage_without_a_target_has_no_clock()
    {
        var clocks = SlaClocks.Compute(Declared(T0), new StageTargets { Restore = 120 }, T0);
        Assert.Equal([Stage.Restore], clocks.Select(c => c.Stage));
        Assert.Empty(SlaClocks.Compute(Declared(T0), StageTargets.None, T0));
    }

    [Theory]
    [InlineData("Europe/London", 2026, 3, 29)]
    [InlineData("America/New_York", 2026, 3, 8)]
    [InlineData("Europe/London", 2026, 10, 25)]
    public void Deadlines_are_elapsed_time_across_a_DST_change(string zoneId, int year, int month, int day)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        // 00:30 local on the night the clocks change; two hours of target.
        var declaredLocal = new DateTime(year, month, day, 0, 30, 0, DateTimeKind.Unspecified);
        var declared = TimeZoneInfo.ConvertTimeToUtc(declaredLocal, zone);
        var clock = SlaClocks.Compute(Declared(declared), new StageTargets { Restore = 120 }, declared)[0];

        Assert.Equal(TimeSpan.FromHours(2), clock.Deadline!.Value - declared);
        var deadlineLocal = TimeZoneInfo.ConvertTimeFromUtc(clock.Deadline.Value, zone);
        var offsetChange = zone.GetUtcOffset(clock.Deadline.Value) - zone.GetUtcOffset(declared);
        Assert.NotEqual(TimeSpan.Zero, offsetChange);
        // On the wall clock the two hours look like one or three.
        Assert.Equal(TimeSpan.FromHours(2) + offsetChange, deadlineLocal - declaredLocal);
        Assert.Equal(ClockState.Running, SlaClocks.Compute(Declared(declared), new StageTargets { Restore = 120 }, declared.AddMinutes(119))[0].State);
        Assert.Equal(ClockState.Breached, SlaClocks.Compute(Declared(declared), new StageTargets { Restore = 120 }, declared.AddMinutes(120))[0].State);
    }
}
