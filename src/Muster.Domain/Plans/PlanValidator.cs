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

        CheckResponse(plan, errors);
        return errors;
    }

    /// <summary>Scope, categories, business hours, roles, checklists, templates, review and upward reports.</summary>
    private static void CheckResponse(PlanDefinition plan, List<PlanError> errors)
    {
        var levelKeys = string.Join(", ", plan.Levels.Select(l => l.Key));
        var categoryKeys = plan.Categories.Count == 0 ? "none are defined: add them under categories" : $"use one of {string.Join(", ", plan.Categories.Select(c => c.Key))}";
        var roleKeys = plan.Roles.Count == 0 ? "none are defined: add them under roles" : $"use one of {string.Join(", ", plan.Roles.Select(r => r.Key))}";
        var templateNames = plan.Templates.Count == 0 ? "none are defined: add them under templates" : $"use one of {string.Join(", ", plan.Templates.Keys)}";

        void Levels(IReadOnlyList<string> keys, string path)
        {
            for (var i = 0; i < keys.Count; i++)
                if (plan.FindLevel(keys[i]) is null)
                    errors.Add(new($"{path}[{i}]", $"'{keys[i]}' is not a level of this plan; use one of {levelKeys}."));
        }
        void Categories(IReadOnlyList<string> keys, string path)
        {
            for (var i = 0; i < keys.Count; i++)
                if (!plan.Categories.Any(c => c.Key == keys[i]))
                    errors.Add(new($"{path}[{i}]", $"'{keys[i]}' is not a category of this plan; {categoryKeys}."));
        }
        void Role(string? key, string path)
        {
            if (key is not null && plan.FindRole(key) is null)
                errors.Add(new(path, $"'{key}' is not a role of this plan; {roleKeys}."));
        }
        void Template(string? name, string path)
        {
            if (name is not null && !plan.Templates.ContainsKey(name))
                errors.Add(new(path, $"'{name}' is not a template of this plan; {templateNames}."));
        }
        void Emails(IReadOnlyList<string> people, string path)
        {
            for (var i = 0; i < people.Count; i++)
                if (people[i] is null || !EmailPattern().IsMatch(people[i]))
                    errors.Add(new($"{path}[{i}]", $"'{people[i]}' is not an email address; people are named by their addresses, such as lin.wei@example.com."));
        }
        void Channels(IReadOnlyList<string> channels, string path)
        {
            if (channels.Count == 0)
                errors.Add(new(path, $"Name at least one way to reach them: {string.Join(", ", NotifyEntry.ContactTypes)}."));
            foreach (var channel in channels.Where(c => !NotifyEntry.ContactTypes.Contains(c)))
                errors.Add(new(path, $"'{channel}' is not a kind of contact method; use {string.Join(", ", NotifyEntry.ContactTypes)}."));
        }

        for (var i = 0; i < plan.Scope.Services.Count; i++)
            if (string.IsNullOrWhiteSpace(plan.Scope.Services[i]))
                errors.Add(new($"scope.services[{i}]", "A service is named by its name in Muster, such as 'kiosk-payments'."));
        Categories(plan.Scope.Categories, "scope.categories");

        for (var i = 0; i < plan.Categories.Count; i++)
        {
            var category = plan.Categories[i];
            if (category.Key is null || !KeyPattern().IsMatch(category.Key))
                errors.Add(new($"categories[{i}].key", "A category key is 1 to 40 lowercase letters, digits or '-', such as 'device'."));
            else if (plan.Categories.Take(i).Any(c => c.Key == category.Key))
                errors.Add(new($"categories[{i}].key", $"The category key '{category.Key}' is used twice."));
            CheckText(category.Name, $"categories[{i}].name", errors);
        }

        if (plan.BusinessHours is { } hours)
        {
            var start = Time(hours.Start, "businessHours.start", errors);
            var end = Time(hours.End, "businessHours.end", errors);
            if (start is not null && end is not null && end <= start)
                errors.Add(new("businessHours.end", $"The working day ends after it starts ({hours.Start})."));
            if (hours.Calendar is { } calendar && !Calendars.Contains(calendar))
                errors.Add(new("businessHours.calendar", $"'{calendar}' is not a working calendar; use {string.Join(", ", Calendars)}, or leave it out for Monday to Friday."));
        }

        for (var i = 0; i < plan.Roles.Count; i++)
        {
            var role = plan.Roles[i];
            var path = $"roles[{i}]";
            if (role.Key is null || !StepKeyPattern().IsMatch(role.Key))
                errors.Add(new($"{path}.key", "A role key is 1 to 40 letters, digits, '-' or '_', starting with a letter, such as 'commander' or 'tech'."));
            else if (plan.Roles.Take(i).Any(r => r.Key == role.Key))
                errors.Add(new($"{path}.key", $"The role key '{role.Key}' is used twice."));
            CheckText(role.Name, $"{path}.name", errors);
            if (role.Default is { } d)
            {
                if (d.Schedule is { } schedule && string.IsNullOrWhiteSpace(schedule))
                    errors.Add(new($"{path}.default.schedule", "A schedule is named by its name in Muster, or left out."));
                if (d.Team is { } team && string.IsNullOrWhiteSpace(team))
                    errors.Add(new($"{path}.default.team", "A team is named by its name in Muster, or left out."));
                Emails(d.People, $"{path}.default.people");
                if (!d.Oncall && d.Schedule is null && d.Team is null && d.People.Count == 0)
                    errors.Add(new($"{path}.default", "A default names where people come from: oncall: true, schedule, people or team."));
                if (!role.Group && d.People.Count > 1)
                    errors.Add(new($"{path}.default.people", "A role holds one person; name one, or make it a working group with group: true."));
            }
        }

        var steps = new Dictionary<string, (ChecklistStep Step, string Path)>();
        for (var i = 0; i < plan.Checklists.Count; i++)
        {
            var checklist = plan.Checklists[i];
            var path = $"checklists[{i}]";
            Levels(checklist.Levels, $"{path}.levels");
            Categories(checklist.Categories, $"{path}.categories");
            if (checklist.Steps.Count == 0)
                errors.Add(new($"{path}.steps", "A checklist needs at least one step."));
            for (var j = 0; j < checklist.Steps.Count; j++)
            {
                var step = checklist.Steps[j];
                var stepPath = $"{path}.steps[{j}]";
                if (step.Key is null || !StepKeyPattern().IsMatch(step.Key))
                    errors.Add(new($"{stepPath}.key", "A step key is 1 to 40 letters, digits, '-' or '_', starting with a letter, such as 'switch-backup'."));
                else if (steps.TryGetValue(step.Key, out var first))
                    errors.Add(new($"{stepPath}.key", $"The step key '{step.Key}' is used twice (first at {first.Path}); each step needs its own key."));
                else
                    steps[step.Key] = (step, stepPath);
                CheckText(step.Title, $"{stepPath}.title", errors);
                if (step.Role is null)
                    errors.Add(new($"{stepPath}.role", $"A step is owned by a role; {roleKeys}."));
                else
                    Role(step.Role, $"{stepPath}.role");
                if (step.WithinMinutes is <= 0)
                    errors.Add(new($"{stepPath}.withinMinutes", "withinMinutes is a whole number of minutes greater than 0 from the start of the step's stage, or left out for no deadline."));
            }
        }
        foreach (var (key, (step, path)) in steps)
        {
            for (var k = 0; k < step.After.Count; k++)
            {
                var before = step.After[k];
                if (before == key)
                    errors.Add(new($"{path}.after[{k}]", $"The step '{key}' cannot wait for itself; name steps that come before it."));
                else if (!steps.ContainsKey(before))
                    errors.Add(new($"{path}.after[{k}]", $"'{before}' is not a step of this plan; after names step keys, such as {string.Join(", ", steps.Keys.Where(s => s != key).Take(5))}."));
            }
        }
        foreach (var cycle in Cycles(steps.ToDictionary(s => s.Key, s => s.Value.Step.After)))
            errors.Add(new($"{steps[cycle[0]].Path}.after", $"The steps wait for each other in a circle: {string.Join(" → ", cycle)} → {cycle[0]}; remove one of these 'after's."));

        foreach (var (name, text) in plan.Templates)
        {
            var path = $"templates.{name}";
            if (!StepKeyPattern().IsMatch(name))
                errors.Add(new(path, "A template name is a word of letters, digits, '-' or '_', such as customerSms."));
            if (text is null || string.IsNullOrWhiteSpace(text.ZhCn) || string.IsNullOrWhiteSpace(text.En))
            {
                errors.Add(new(path, "A template is written in both zh-CN and en."));
                continue;
            }
            foreach (var (culture, body) in new[] { ("zh-CN", text.ZhCn), ("en", text.En) })
                foreach (var placeholder in PlanTemplates.PlaceholdersIn(body).Distinct().Where(p => !PlanTemplates.Placeholders.Contains(p)))
                    errors.Add(new($"{path}.{culture}", $"'{{{{{placeholder}}}}}' is not a placeholder; use {string.Join(", ", PlanTemplates.Placeholders.Select(p => $"{{{{{p}}}}}"))}."));
        }

        if (plan.Review is { } review)
        {
            Levels(review.RequiredFor, "review.requiredFor");
            if (review.WithinDays < 1)
                errors.Add(new("review.withinDays", "withinDays is a whole number of days, 1 or more, after the incident is resolved."));
            Template(review.Template, "review.template");
        }

        for (var i = 0; i < plan.ReportUpward.Count; i++)
        {
            var report = plan.ReportUpward[i];
            var path = $"reportUpward[{i}]";
            if (report.Levels.Count == 0)
                errors.Add(new($"{path}.levels", $"Name the levels at which they are told; use {levelKeys}."));
            Levels(report.Levels, $"{path}.levels");
            if (report.To is null || string.IsNullOrWhiteSpace(report.To.ZhCn) || string.IsNullOrWhiteSpace(report.To.En))
                errors.Add(new($"{path}.to", "Who is told (such as 总经理 / general manager) is needed in both zh-CN and en."));
            Emails(report.People, $"{path}.people");
            Channels(report.Channels, $"{path}.channels");
            if (report.WithinMinutes <= 0)
                errors.Add(new($"{path}.withinMinutes", "withinMinutes is a whole number of minutes greater than 0 from when the incident reaches the level."));
            Role(report.Role, $"{path}.role");
            if (report.Template is null)
                errors.Add(new($"{path}.template", $"A report is written from a template; {templateNames}."));
            else
                Template(report.Template, $"{path}.template");
        }

        if (plan.Communication is { } communication)
        {
            Role(communication.Approver, "communication.approver");
            for (var i = 0; i < communication.Channels.Count; i++)
                if (string.IsNullOrWhiteSpace(communication.Channels[i]))
                    errors.Add(new($"communication.channels[{i}]", "A channel is named by its name under Channels (a group robot), such as ops-dingtalk."));
        }
    }

    /// <summary>The calendars business hours may name: every year Muster knows, or one year.</summary>
    public static IReadOnlyList<string> Calendars { get; } = ["cn", .. OnCall.ChinaCalendar.Years.Select(y => $"cn-{y}")];

    private static TimeOnly? Time(string? text, string path, List<PlanError> errors)
    {
        if (text is not null && TimePattern().IsMatch(text) && TimeOnly.TryParseExact(text, "HH:mm", out var time))
            return time;
        errors.Add(new(path, $"'{text}' is not a time; write HH:mm from 00:00 to 23:59, such as 09:00."));
        return null;
    }

    /// <summary>Each circle in the steps' after-graph once, starting from its first step in plan order.</summary>
    private static List<List<string>> Cycles(Dictionary<string, IReadOnlyList<string>> after)
    {
        var cycles = new List<List<string>>();
        var state = new Dictionary<string, int>();
        var stack = new List<string>();
        void Visit(string key)
        {
            state[key] = 1;
            stack.Add(key);
            foreach (var next in after[key].Where(after.ContainsKey).Where(n => n != key))
            {
                if (!state.TryGetValue(next, out var s))
                    Visit(next);
                else if (s == 1)
                    cycles.Add(stack[stack.IndexOf(next)..]);
            }
            stack.RemoveAt(stack.Count - 1);
            state[key] = 2;
        }
        foreach (var key in after.Keys)
            if (!state.ContainsKey(key))
                Visit(key);
        return cycles;
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

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,39}$")]
    private static partial Regex StepKeyPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[0-2][0-9]:[0-5][0-9]$")]
    private static partial Regex TimePattern();

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();
}
