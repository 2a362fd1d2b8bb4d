namespace Muster.Domain.Plans;

/// <summary>The level a plan gives to a set of impact facts, and why.</summary>
/// <param name="Rule">The rule that matched, or null when the least severe level applies by default.</param>
public sealed record Classification(SeverityLevel Level, ClassificationRule? Rule)
{
    public string Explain() => Rule is null
        ? "no rule matched: the plan's least severe level"
        : string.Join(" and ", Rule.When.Select(Classifier.Describe));
}

public static class Classifier
{
    /// <summary>The most severe level whose rule holds; the least severe level when none does.</summary>
    public static Classification Classify(PlanDefinition plan, ImpactFacts facts)
    {
        Classification? best = null;
        foreach (var rule in plan.Rules)
        {
            var level = plan.FindLevel(rule.Level);
            if (level is null || !rule.When.All(c => Holds(c, facts)))
                continue;
            if (best is null || level.Rank < best.Level.Rank)
                best = new Classification(level, rule);
        }
        return best ?? new Classification(plan.LeastSevere, null);
    }

    /// <summary>
    /// The first instant after <paramref name="now"/> at which an outage still going on crosses a
    /// threshold of an <c>outageMinutes</c> rule; null when time alone cannot change the level.
    /// </summary>
    public static DateTime? NextTimeThreshold(PlanDefinition plan, DateTime startedAt, DateTime now)
    {
        DateTime? next = null;
        foreach (var condition in plan.Rules.SelectMany(r => r.When).Where(c => c.Fact == "outageMinutes"))
        {
            // Elapsed minutes are whole minutes: "more than 240" first holds at 241.
            double? minutes = condition.Gt is { } gt ? Math.Floor(gt) + 1 : condition.Gte is { } gte ? Math.Ceiling(gte) : null;
            if (minutes is null)
                continue;
            var at = startedAt.AddMinutes(minutes.Value);
            if (at > now && (next is null || at < next))
                next = at;
        }
        return next;
    }

    public static bool Holds(Condition condition, ImpactFacts facts)
    {
        switch (condition.Fact)
        {
            case "condition":
                return facts.Condition is { } value && condition.In is { } allowed && allowed.Contains(value);
            case "fundsAtRisk":
                return facts.FundsAtRisk is { } atRisk && condition.Is is { } expected && atRisk == expected;
            default:
                if (facts.Number(condition.Fact) is not { } number)
                    return false;
                return (condition.Gt is not { } gt || number > gt)
                    && (condition.Gte is not { } gte || number >= gte)
                    && (condition.Lt is not { } lt || number < lt)
                    && (condition.Lte is not { } lte || number <= lte);
        }
    }

    public static string Describe(Condition c)
    {
        var parts = new List<string>();
        if (c.Gt is { } gt) parts.Add($"{c.Fact} > {gt}");
        if (c.Gte is { } gte) parts.Add($"{c.Fact} ≥ {gte}");
        if (c.Lt is { } lt) parts.Add($"{c.Fact} < {lt}");
        if (c.Lte is { } lte) parts.Add($"{c.Fact} ≤ {lte}");
        if (c.In is { } values) parts.Add($"{c.Fact} is {string.Join(" or ", values)}");
        if (c.Is is { } flag) parts.Add($"{c.Fact} is {(flag ? "yes" : "no")}");
        return string.Join(" and ", parts);
    }
}
