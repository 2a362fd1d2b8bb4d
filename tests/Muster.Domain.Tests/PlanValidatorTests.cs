using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class PlanValidatorTests
{
    [Fact]
    public void The_seed_plans_are_valid()
    {
        Assert.Empty(PlanValidator.Validate(Plans.Payments));
        Assert.Empty(PlanValidator.Validate(Plans.Kiosk));
    }

    [Fact]
    public void Every_error_is_reported_at_its_path()
    {
        var plan = Plans.Payments with
        {
            Key = "",
            Levels = [.. Plans.Payments.Levels, new SeverityLevel("L1", 1, new LocalizedText { ZhCn = "", En = "x" }, "blue")],
            Rules =
            [
                new() { Level = "L9", When = [] },
                new() { Level = "L1", When = [new() { Fact = "condition", In = ["gone"] }, new() { Fact = "fundsAtRisk" }, new() { Fact = "affectedUsers", Is = true }] },
            ],
            Sla = new Dictionary<string, StageTargets> { ["L7"] = new() { Acknowledge = 0 } },
        };

        var paths = PlanValidator.Validate(plan).Select(e => e.Path).ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "key", "levels[3].key", "levels[3].rank", "levels[3].color", "levels[3].name",
            "rules[0].level", "rules[0].when", "rules[1].when[0].in", "rules[1].when[1].is", "rules[1].when[2]",
            "sla.L7", "sla.L7.acknowledge",
        }, paths);
    }

    [Fact]
    public void A_plan_without_levels_is_invalid()
    {
        var errors = PlanValidator.Validate(Plans.Payments with { Levels = [], Rules = [], Sla = new Dictionary<string, StageTargets>() });
        Assert.Contains(errors, e => e.Path == "levels");
    }
}
