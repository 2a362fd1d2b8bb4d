using System.Text.RegularExpressions;

namespace Muster.Domain.Plans;

/// <summary>An error in a plan, at a JSON path such as <c>rules[2].when[0].gt</c>.</summary>
public sealed record PlanError(string Path, string Message);

public static partial class PlanValidator
{
    public static IReadOnlyList<PlanError> Validate(PlanDefinition plan)
    {
        var errors = new List<PlanError>();
        if (string.IsNullOrWhiteSpace(plan.Key) || !KeyPattern().IsMatch(plan.Key))
            errors.Add(new("key", "A plan key is 1 to 40 lowercase letters, digits or '-', such as 'kiosk'."));
        CheckText(plan.Name, "name", errors);

        if (plan.Levels.Count == 0)
            errors.Add(new("levels", "A plan needs at least one severity level."));
        for (var i = 0; i < plan.Levels.Count; i++)
        {
            var level = plan.Levels[i];
            var path = $"levels[{i}]";
            if (string.IsNullOrWhiteSpace(level.Key) || level.Key.Length > 20)
                errors.Add(new($"{path}.key", "A level key is 1 to 20 characters, such as 'L1' or 'A'."));
            if (level.Rank < 1)
                errors.Add(new($"{path}.rank", "A rank is 1 or more; 1 is the most severe."));
            if (level.Color is null || !ColorPattern().IsMatch(level.Color))
                errors.Add(new($"{path}.color", "A colour is written #rrggbb, such as #d32f2f."));
            CheckText(level.Name, $"{path}.name", errors);
            if (plan.Levels.Take(i).Any(l => l.Key == level.Key))
                errors.Add(new($"{path}.key", $"The level key '{level.Key}' is used twice."));
            if (plan.Levels.Take(i).Any(l => l.Rank == level.Rank))
                errors.Add(new($"{path}.rank", $"The rank {level.Rank} is used twice; each level needs its own rank."));
        }

        var levelKeys = string.Join(", ", plan.Levels.Select(l => l.Key));
        for (var i = 0; i < plan.Rules.Count; i++)
        {
            var rule = plan.Rules[i];
            var path = $"rules[{i}]";
            if (plan.FindLevel(rule.Level) is null)
                errors.Add(new($"{path}.level", $"'{rule.Level}' is not a level of this plan; use one of {levelKeys}."));
            if (rule.When.Count == 0)
                errors.Add(new($"{path}.when", "A rule needs at least one condition."));
            for (var j = 0; j < rule.When.Count; j++)
                CheckCondition(rule.When[j], $"{path}.when[{j}]", errors);
        }

        foreach (var (severity, mapping) in plan.AlertSeverities)
        {
            var path = $"alertSeverities.{severity}";
            if (!AlertSeverityNames.Contains(severity))
                errors.Add(new(path, $"'{severity}' is not an alert severity; use critical, error, warning or info."));
            if (mapping.Level is { } level && plan.FindLevel(level) is null)
                errors.Add(new($"{path}.level", $"'{level}' is not a level of this plan; use one of {levelKeys}."));
            if (mapping.Impact?.Condition is { } condition && !ImpactFacts.Conditions.Contains(condition))
                errors.Add(new($"{path}.impact.condition", "condition is one of: down, partial, minor."));
        }

        foreach (var (levelKey, entries) in plan.Notify)
        {
            if (plan.FindLevel(levelKey) is null)
                errors.Add(new($"notify.{levelKey}", $"'{levelKey}' is not a level of this plan; use one of {levelKeys}."));
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                var path = $"notify.{levelKey}[{i}]";
                if (!NotifyEntry.Audiences.Contains(entry.Audience))
                    errors.Add(new($"{path}.audience", $"'{entry.Audience}' is not an audience; use one of {string.Join(", ", NotifyEntry.Audiences)}."));
                if (entry.Channels.Count == 0)
                    errors.Add(new($"{path}.channels", entry.Audience == "channel"
                        ? "Name at least one configured channel (a group robot) to post to."
                        : $"Name at least one way to reach them: {string.Join(", ", NotifyEntry.ContactTypes)}."));
                else if (entry.Audience != "channel")
                    foreach (var channel in entry.Channels.Where(c => !NotifyEntry.ContactTypes.Contains(c)))
                        errors.Add(new($"{path}.channels", $"'{channel}' is not a kind of contact method; use {string.Join(", ", NotifyEntry.ContactTypes)}."));
                if (entry.Audience == "people" && entry.People.Count == 0)
                    errors.Add(new($"{path}.people", "The people audience names people by their email addresses."));
                if (entry.WithinMinutes < 0)
                    errors.Add(new($"{path}.withinMinutes", "withinMinutes is 0 (at once) or more."));
            }
        }

        foreach (var (levelKey, targets) in plan.Sla)
        {
            if (plan.FindLevel(levelKey) is null)
                errors.Add(new($"sla.{levelKey}", $"'{levelKey}' is not a level of this plan; use one of {levelKeys}."));
            foreach (var stage in Enum.GetValues<Stage>())
            {
                if (targets.For(stage) is { } minutes && minutes <= 0)
                    errors.Add(new($"sla.{levelKey}.{stage.ToString().ToLowerInvariant()}", "A target is a whole number of minutes greater than 0."));
            }
        }
        return errors;
    }

    public static readonly IReadOnlyList<string> AlertSeverityNames = ["critical", "error", "warning", "info"];

    private static void CheckCondition(Condition c, string path, List<PlanError> errors)
    {
        var numeric = c.Gt is not null || c.Gte is not null || c.Lt is not null || c.Lte is not null;
        switch (c.Fact)
        {
            case "condition":
                if (c.In is not { Count: > 0 } || c.In.Any(v => !ImpactFacts.Conditions.Contains(v)))
                    errors.Add(new($"{path}.in", "A condition test lists values from: down, partial, minor."));
                if (numeric || c.Is is not null)
                    errors.Add(new(path, "The fact 'condition' is tested with 'in' only."));
                break;
            case "fundsAtRisk":
                if (c.Is is null)
                    errors.Add(new($"{path}.is", "The fact 'fundsAtRisk' is tested with 'is': true or false."));
                if (numeric || c.In is not null)
                    errors.Add(new(path, "The fact 'fundsAtRisk' is tested with 'is' only."));
                break;
            default:
                if (!ImpactFacts.NumericFacts.Contains(c.Fact))
                {
                    errors.Add(new($"{path}.fact", $"'{c.Fact}' is not an impact fact; use one of {string.Join(", ", ImpactFacts.AllFacts)}."));
                    break;
                }
                if (!numeric)
                    errors.Add(new(path, $"The fact '{c.Fact}' is tested with gt, gte, lt or lte."));
                if (c.In is not null || c.Is is not null)
                    errors.Add(new(path, $"The fact '{c.Fact}' is a number: use gt, gte, lt or lte."));
                break;
        }
    }

    private static void CheckText(LocalizedText? text, string path, List<PlanError> errors)
    {
        if (text is null || string.IsNullOrWhiteSpace(text.ZhCn) || string.IsNullOrWhiteSpace(text.En))
            errors.Add(new(path, "A name is needed in both zh-CN and en."));
    }

    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();
}
