using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class IntakeCountTests
{
    private static readonly DateTime Now = new(2026, 11, 27, 10, 30, 0, DateTimeKind.Utc);
    private static readonly Actor Intake = new("integration:r", "Reports");

    private static IEnumerable<DateTime> Repeat(int count, DateTime at) => Enumerable.Repeat(at, count);

    [Fact]
    public void Growth_is_this_hour_over_the_mean_of_the_same_hour_on_the_last_28_days()
    {
        // 56 reports in the same hour across the last 28 days is a normal of 2 an hour; 5 now is +150%.
        var history = Enumerable.Range(1, 28).SelectMany(d => Repeat(2, Now.AddDays(-d).AddMinutes(-20)));
        var received = history.Concat(Repeat(5, Now.AddMinutes(-10)));
        Assert.Equal(150, IntakeCount.ComplaintGrowth(received, Now));
    }

    [Fact]
    public void Reports_outside_the_same_hour_of_earlier_days_are_not_the_normal()
    {
        var received = new[]
        {
            Now.AddMinutes(-5),                       // this hour
            Now.AddDays(-1).AddMinutes(-61),          // yesterday, but an hour and a minute earlier
            Now.AddDays(-1).AddMinutes(1),            // yesterday, a minute after this hour
            Now.AddDays(-29).AddMinutes(-10),         // the same hour, but 29 days ago
            Now.AddMinutes(-70),                      // earlier today
        };
        // Only the report this hour counts, against a quiet normal of one: no growth.
        Assert.Equal(0, IntakeCount.ComplaintGrowth(received, Now));
    }

    [Fact]
    public void A_quiet_normal_counts_as_one_report_so_a_burst_is_growth_and_nothing_this_hour_is_no_figure()
    {
        Assert.Equal(700, IntakeCount.ComplaintGrowth(Repeat(8, Now.AddMinutes(-1)), Now));
        Assert.Null(IntakeCount.ComplaintGrowth([Now.AddDays(-1).AddMinutes(-5)], Now));
        // 14 reports over 28 days is half a report an hour: still a normal of one.
        var sparse = Enumerable.Range(1, 14).Select(d => Now.AddDays(-2 * d).AddMinutes(-30)).Append(Now.AddMinutes(-1)).Append(Now.AddMinutes(-2));
        Assert.Equal(100, IntakeCount.ComplaintGrowth(sparse, Now));
    }

    [Fact]
    public void Counting_raises_the_level_by_the_plans_rules_and_keeps_a_higher_entered_growth()
    {
        var incident = Incident.Declare("i1", 1, "Kiosks", null, "s1", "v1", Plans.Payments, new ImpactFacts { ComplaintGrowthPercent = 20 }, null, false, Intake, Now);
        Assert.Equal("L3", incident.SeverityLevel);

        Assert.True(incident.CountIntake(new IntakeCount(3, 2, 60), Plans.Payments, Intake, Now.AddMinutes(1)));
        Assert.Equal(3, incident.Impact.ReportsReceived);
        Assert.Equal(2, incident.Impact.DevicesAffected);
        Assert.Equal(60, incident.Impact.ComplaintGrowthPercent);
        // More than 50% growth in complaints is level 2 in the payments plan.
        Assert.Equal("L2", incident.SeverityLevel);
        Assert.Contains(incident.Timeline, e => e.Kind == TimelineKinds.ImpactCounted && e.From == "3/2" && e.To == "60");

        // The same count again changes nothing and writes nothing.
        var entries = incident.Timeline.Count;
        Assert.False(incident.CountIntake(new IntakeCount(3, 2, 60), Plans.Payments, Intake, Now.AddMinutes(2)));
        Assert.Equal(entries, incident.Timeline.Count);

        // A person's higher figure (from the hotline's own statistics) stands over a lower count.
        incident.UpdateImpact(new ImpactFacts { ComplaintGrowthPercent = 120 }, Plans.Payments, Intake, Now.AddMinutes(3));
        Assert.Equal(3, incident.Impact.ReportsReceived);
        incident.CountIntake(new IntakeCount(4, 2, 80), Plans.Payments, Intake, Now.AddMinutes(4));
        Assert.Equal(120, incident.Impact.ComplaintGrowthPercent);
        Assert.Equal(4, incident.Impact.ReportsReceived);
    }

    [Fact]
    public void Rules_may_name_the_counted_facts()
    {
        var plan = Plans.Payments with { Rules = [.. Plans.Payments.Rules, new() { Level = "L2", When = [new() { Fact = "devicesAffected", Gte = 3 }] }] };
        Assert.Empty(PlanValidator.Validate(plan));
        Assert.Equal("L2", Classifier.Classify(plan, new ImpactFacts { DevicesAffected = 3 }).Level.Key);
        Assert.Equal("L3", Classifier.Classify(plan, new ImpactFacts { DevicesAffected = 2, ReportsReceived = 9 }).Level.Key);
    }
}
