using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class ClassifierTests
{
    private static string Level(ImpactFacts facts, PlanDefinition? plan = null) => Classifier.Classify(plan ?? Plans.Payments, facts).Level.Key;

    [Theory]
    [InlineData(0, "L3")]
    [InlineData(2_999, "L3")]
    [InlineData(3_000, "L2")]
    [InlineData(3_001, "L2")]
    [InlineData(9_999, "L2")]
    [InlineData(10_000, "L2")]
    [InlineData(10_001, "L1")]
    [InlineData(1_000_000, "L1")]
    public void Affected_users_at_the_seeds_boundaries(int users, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { AffectedUsers = users }));

    [Theory]
    [InlineData(100, "L3")]
    [InlineData(70, "L3")]
    [InlineData(69.99, "L1")]
    [InlineData(0, "L1")]
    public void Availability_under_70_percent(double availability, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { AvailabilityPercent = availability }));

    [Theory]
    [InlineData(50, "L3")]
    [InlineData(50.01, "L2")]
    [InlineData(-20, "L3")]
    public void Complaints_up_more_than_50_percent(double growth, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { ComplaintGrowthPercent = growth }));

    [Theory]
    [InlineData(240, "L3")]
    [InlineData(241, "L1")]
    public void Down_over_four_hours(int minutes, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { OutageMinutes = minutes }));

    [Theory]
    [InlineData(true, "L1")]
    [InlineData(false, "L3")]
    public void Funds_at_risk(bool atRisk, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { FundsAtRisk = atRisk }));

    [Theory]
    [InlineData("down", "A")]
    [InlineData("partial", "B")]
    [InlineData("minor", "C")]
    [InlineData(null, "C")]
    public void The_kiosk_plans_condition_classes(string? condition, string level) =>
        Assert.Equal(level, Level(new ImpactFacts { Condition = condition }, Plans.Kiosk));

    [Fact]
    public void No_facts_give_the_least_severe_level_and_say_why()
    {
        var result = Classifier.Classify(Plans.Payments, new ImpactFacts());
        Assert.Equal("L3", result.Level.Key);
        Assert.Null(result.Rule);
        Assert.Contains("least severe", result.Explain());
    }

    [Fact]
    public void The_most_severe_matching_rule_wins_whatever_its_order()
    {
        var result = Classifier.Classify(Plans.Payments, new ImpactFacts { AffectedUsers = 5_000, AvailabilityPercent = 50 });
        Assert.Equal("L1", result.Level.Key);
        Assert.Equal("availabilityPercent < 70", result.Explain());
    }

    [Fact]
    public void A_running_outage_counts_its_own_time()
    {
        var started = new DateTime(2026, 5, 1, 8, 0, 0, DateTimeKind.Utc);
        var facts = new ImpactFacts { OutageMinutes = 10 };
        Assert.Equal("L3", Level(facts.AsOf(started, null, started.AddMinutes(240))));
        Assert.Equal("L1", Level(facts.AsOf(started, null, started.AddMinutes(241))));
        // Restored after 3 hours: time no longer adds up.
        Assert.Equal("L3", Level(facts.AsOf(started, started.AddHours(3), started.AddHours(10))));
        // Written-down minutes that exceed the elapsed time stand.
        Assert.Equal("L1", Level(new ImpactFacts { OutageMinutes = 300 }.AsOf(started, null, started.AddMinutes(1))));
    }

    [Fact]
    public void The_next_time_threshold_is_when_elapsed_minutes_first_exceed_it()
    {
        var started = new DateTime(2026, 5, 1, 8, 0, 0, DateTimeKind.Utc);
        Assert.Equal(started.AddMinutes(241), Classifier.NextTimeThreshold(Plans.Payments, started, started));
        Assert.Null(Classifier.NextTimeThreshold(Plans.Payments, started, started.AddMinutes(241)));
        Assert.Null(Classifier.NextTimeThreshold(Plans.Kiosk, started, started));
    }
}
