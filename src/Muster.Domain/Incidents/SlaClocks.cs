using Muster.Domain.Plans;

namespace Muster.Domain.Incidents;

public enum ClockState
{
    /// <summary>The stage has not started yet (verify before the incident is resolved).</summary>
    Pending,
    Running,
    Met,
    Breached,
    Skipped,
}

/// <summary>The moments that start and stop the clocks.</summary>
public sealed record SlaClockInput(
    DateTime DeclaredAt, DateTime? AcknowledgedAt, DateTime? InvestigatingAt, DateTime? RepairingAt,
    DateTime? MitigatedAt, DateTime? ResolvedAt, DateTime? VerifiedAt, DateTime? ClosedAt);

/// <param name="StoppedAt">When the stage was met, or the later step that made it moot.</param>
public sealed record SlaClock(Stage Stage, DateTime? StartsAt, DateTime? Deadline, DateTime? StoppedAt, ClockState State)
{
    public TimeSpan? Remaining(DateTime now) => State == ClockState.Running && Deadline is { } d ? d - now : null;
}

public static class SlaClocks
{
    /// <summary>
    /// The clocks of an incident at <paramref name="now"/>. Targets are elapsed time, so a
    /// deadline is the same instant whatever the wall clock does (DST included); a level whose
    /// targets are in business hours counts only <paramref name="hours"/> when they are given.
    /// </summary>
    public static IReadOnlyList<SlaClock> Compute(SlaClockInput t, StageTargets targets, DateTime now, Response.WorkingHours? hours = null)
    {
        var business = targets.BusinessHours ? hours : null;
        var restoredAt = Earliest(t.MitigatedAt, t.ResolvedAt);
        var clocks = new List<SlaClock>(5);
        Add(Stage.Acknowledge, t.DeclaredAt, t.AcknowledgedAt, Earliest(t.InvestigatingAt, t.RepairingAt, restoredAt));
        Add(Stage.Assess, t.DeclaredAt, t.InvestigatingAt, Earliest(t.RepairingAt, restoredAt));
        Add(Stage.Repair, t.DeclaredAt, t.RepairingAt, restoredAt);
        Add(Stage.Restore, t.DeclaredAt, restoredAt, null);
        Add(Stage.Verify, t.ResolvedAt, t.VerifiedAt, t.ClosedAt);
        return clocks;

        void Add(Stage stage, DateTime? start, DateTime? metAt, DateTime? mootAt)
        {
            if (targets.For(stage) is not { } minutes)
                return;
            if (start is not { } s)
            {
                clocks.Add(new SlaClock(stage, null, null, null, ClockState.Pending));
                return;
            }
            var deadline = business?.Add(s, minutes) ?? s.AddMinutes(minutes);
            var clock = (metAt, mootAt) switch
            {
                ({ } met, _) => new SlaClock(stage, s, deadline, met, met <= deadline ? ClockState.Met : ClockState.Breached),
                (null, { } moot) => new SlaClock(stage, s, deadline, moot, moot <= deadline ? ClockState.Skipped : ClockState.Breached),
                _ => new SlaClock(stage, s, deadline, null, now >= deadline ? ClockState.Breached : ClockState.Running),
            };
            clocks.Add(clock);
        }
    }

    /// <summary>The deadlines still ahead: when the work table must look again.</summary>
    public static IEnumerable<SlaClock> Running(IEnumerable<SlaClock> clocks) =>
        clocks.Where(c => c.State == ClockState.Running);

    private static DateTime? Earliest(params DateTime?[] times) =>
        times.Where(t => t is not null).Min();
}
