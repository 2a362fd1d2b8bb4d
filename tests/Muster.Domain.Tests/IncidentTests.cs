using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class IncidentTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 2, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Duty = new("p1", "Duty officer");

    private static Incident New(ImpactFacts? facts = null, DateTime? startedAt = null) =>
        Incident.Declare("i1", 1042, "Payments failing", null, "s1", "v1", Plans.Payments, facts ?? new ImpactFacts(), startedAt, false, Duty, T0);

    [Fact]
    public void Declaring_classifies_and_writes_the_first_timeline_entry()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 12_000 });
        Assert.Equal("INC-1042", incident.Reference);
        Assert.Equal(IncidentStatus.Triggered, incident.Status);
        Assert.Equal(("L1", 1), (incident.SeverityLevel, incident.SeverityRank));
        var entry = Assert.Single(incident.Timeline);
        Assert.Equal((TimelineKinds.Declared, "L1", "affectedUsers > 10000"), (entry.Kind, entry.To, entry.Note));
    }

    [Fact]
    public void A_start_in_the_future_is_taken_as_now()
    {
        Assert.Equal(T0, New(startedAt: T0.AddHours(1)).StartedAt);
        Assert.Equal(T0.AddHours(-1), New(startedAt: T0.AddHours(-1)).StartedAt);
    }

    [Fact]
    public void Every_forward_step_is_allowed_and_records_who_and_when()
    {
        foreach (var target in Enum.GetValues<IncidentStatus>().Where(s => s is > IncidentStatus.Triggered and <= IncidentStatus.Resolved))
        {
            var incident = New();
            incident.MoveTo(target, Duty, T0.AddMinutes(3), "note");
            Assert.Equal(target, incident.Status);
            var entry = incident.Timeline[^1];
            Assert.Equal((TimelineKinds.StatusChanged, "triggered", target.ToString().ToLowerInvariant(), "p1", "note", T0.AddMinutes(3)),
                (entry.Kind, entry.From, entry.To, entry.ActorId, entry.Note, entry.At));
        }
    }

    [Theory]
    [InlineData(IncidentStatus.Verified)]
    [InlineData(IncidentStatus.Closed)]
    public void Verify_and_close_need_a_resolved_incident(IncidentStatus target)
    {
        var incident = New();
        var error = Assert.Throws<DomainException>(() => incident.MoveTo(target, Duty, T0, null));
        Assert.Equal("status", error.Field);
        Assert.Equal(IncidentStatus.Triggered, incident.Status);
        Assert.Single(incident.Timeline);
    }

    [Fact]
    public void Backwards_and_repeated_steps_are_refused()
    {
        var incident = New();
        incident.MoveTo(IncidentStatus.Repairing, Duty, T0, null);
        Assert.Throws<DomainException>(() => incident.MoveTo(IncidentStatus.Acknowledged, Duty, T0, null));
        Assert.Throws<DomainException>(() => incident.MoveTo(IncidentStatus.Repairing, Duty, T0, null));
        Assert.Throws<DomainException>(() => incident.Reopen(Duty, T0, null));
    }

    [Fact]
    public void Reopen_undoes_the_restore_and_falls_back_to_the_last_active_step()
    {
        var incident = New();
        incident.MoveTo(IncidentStatus.Investigating, Duty, T0.AddMinutes(1), null);
        incident.MoveTo(IncidentStatus.Mitigated, Duty, T0.AddMinutes(2), null);
        incident.MoveTo(IncidentStatus.Resolved, Duty, T0.AddMinutes(3), null);
        incident.MoveTo(IncidentStatus.Closed, Duty, T0.AddMinutes(4), null);

        incident.Reopen(Duty, T0.AddMinutes(5), "it came back");

        Assert.Equal(IncidentStatus.Investigating, incident.Status);
        Assert.Equal((null, null, null), (incident.MitigatedAt, incident.ResolvedAt, incident.ClosedAt));
        Assert.Equal(T0.AddMinutes(1), incident.InvestigatingAt);
        Assert.Equal((TimelineKinds.Reopened, "closed", "investigating"), (incident.Timeline[^1].Kind, incident.Timeline[^1].From, incident.Timeline[^1].To));
    }

    [Fact]
    public void The_level_rises_with_the_facts_and_never_falls_by_itself()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 100 });
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 4_000 }, Plans.Payments, Duty, T0.AddMinutes(1));
        Assert.Equal("L2", incident.SeverityLevel);
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 10 }, Plans.Payments, Duty, T0.AddMinutes(2));
        Assert.Equal("L2", incident.SeverityLevel);
        Assert.Equal([TimelineKinds.Declared, TimelineKinds.ImpactChanged, TimelineKinds.SeverityRaised, TimelineKinds.ImpactChanged],
            incident.Timeline.Select(e => e.Kind));
    }

    [Fact]
    public void Unchanged_facts_write_nothing()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 100 });
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 100 }, Plans.Payments, Duty, T0.AddMinutes(1));
        Assert.Single(incident.Timeline);
    }

    [Fact]
    public void A_person_lowers_the_level_only_with_a_reason()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 20_000 });
        var l3 = Plans.Payments.FindLevel("L3")!;
        Assert.Equal("reason", Assert.Throws<DomainException>(() => incident.SetSeverity(l3, " ", Duty, T0)).Field);
        incident.SetSeverity(l3, "double-counted users", Duty, T0.AddMinutes(1));
        Assert.Equal(("L3", 3), (incident.SeverityLevel, incident.SeverityRank));
        Assert.Equal(("L1", "L3", "double-counted users"), (incident.Timeline[^1].From, incident.Timeline[^1].To, incident.Timeline[^1].Note));
    }

    [Fact]
    public void A_level_lowered_by_a_person_stands_until_the_rules_call_for_more()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 5_000 });
        incident.SetSeverity(Plans.Payments.FindLevel("L3")!, "users double-counted", Duty, T0.AddMinutes(1));

        Assert.False(incident.Reclassify(Plans.Payments, Actor.System, T0.AddMinutes(2)));
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 6_000 }, Plans.Payments, Duty, T0.AddMinutes(3));
        Assert.Equal("L3", incident.SeverityLevel);

        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 20_000 }, Plans.Payments, Duty, T0.AddMinutes(4));
        Assert.Equal("L1", incident.SeverityLevel);
    }

    [Fact]
    public void Rules_that_fall_and_rise_again_raise_the_level_again()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 5_000 });
        incident.SetSeverity(Plans.Payments.FindLevel("L3")!, "contained", Duty, T0.AddMinutes(1));
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 100 }, Plans.Payments, Duty, T0.AddMinutes(2));
        incident.UpdateImpact(new ImpactFacts { AffectedUsers = 4_000 }, Plans.Payments, Duty, T0.AddMinutes(3));
        Assert.Equal("L2", incident.SeverityLevel);
    }

    [Fact]
    public void A_breach_is_recorded_once_per_stage_and_deadline()
    {
        var incident = New(new ImpactFacts { AffectedUsers = 20_000 });
        var now = T0.AddMinutes(6);
        var clock = SlaClocks.Compute(incident.ClockInput, Plans.Payments.TargetsFor("L1"), now)[0];
        Assert.True(incident.RecordBreach(clock, now));
        Assert.False(incident.RecordBreach(clock, now.AddMinutes(1)));
        var breach = incident.Timeline[^1];
        Assert.Equal((TimelineKinds.SlaBreached, "acknowledge", T0.AddMinutes(5)), (breach.Kind, breach.From, breach.At));
        Assert.Null(breach.ActorId);
    }
}

public sealed class IncidentStatusesTests
{
    [Fact]
    public void Open_is_every_status_before_resolved() =>
        Assert.Equal(Enum.GetValues<IncidentStatus>().Where(s => s < IncidentStatus.Resolved), IncidentStatuses.Open);
}
