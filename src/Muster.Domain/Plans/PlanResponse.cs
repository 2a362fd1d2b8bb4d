namespace Muster.Domain.Plans;

/// <summary>Which incidents a plan covers: services by name and fault categories by key. Empty covers all.</summary>
public sealed record PlanScope
{
    public IReadOnlyList<string> Services { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
}

/// <summary>A kind of fault the plan names (device fault, system fault, network…); checklists can be per category.</summary>
public sealed record FaultCategory(string Key, LocalizedText Name);

/// <summary>
/// The hours that count for a level whose targets are in business hours: working days of the
/// named calendar (weekends, public holidays and make-up working days), between two local times.
/// </summary>
public sealed record BusinessHours
{
    /// <summary>The working calendar's name (such as cn-2026); none means Monday to Friday.</summary>
    public string? Calendar { get; init; }

    /// <summary>Local time the working day starts, HH:mm.</summary>
    public string Start { get; init; } = "09:00";

    /// <summary>Local time the working day ends, HH:mm.</summary>
    public string End { get; init; } = "18:00";
}

/// <summary>
/// A role in the plan's command structure: a single person (the incident commander) or a working
/// group of several (technical, customer communication, business coordination, logistics).
/// </summary>
public sealed record PlanRole
{
    public required string Key { get; init; }
    public required LocalizedText Name { get; init; }

    /// <summary>A working group holds several people; a role holds one.</summary>
    public bool Group { get; init; }

    /// <summary>Who fills it when an incident opens; nobody when absent, to be assigned by hand.</summary>
    public RoleDefault? Default { get; init; }
}

/// <summary>
/// Where a role's people come from when an incident opens, tried in this order: whoever the
/// service's escalation policy pages first (<see cref="Oncall"/>), who is on call in a named
/// schedule, the named people (by email), then the members of a named team.
/// </summary>
public sealed record RoleDefault
{
    public bool Oncall { get; init; }
    public string? Schedule { get; init; }
    public IReadOnlyList<string> People { get; init; } = [];
    public string? Team { get; init; }
}

/// <summary>The steps an incident of these levels and categories must take; empty lists match all.</summary>
public sealed record Checklist
{
    public IReadOnlyList<string> Levels { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public IReadOnlyList<ChecklistStep> Steps { get; init; } = [];

    public bool Applies(string level, string? category) =>
        (Levels.Count == 0 || Levels.Contains(level)) &&
        (Categories.Count == 0 || (category is not null && Categories.Contains(category)));
}

/// <summary>
/// One step of a checklist. Its deadline counts <see cref="WithinMinutes"/> from the start of
/// <see cref="Stage"/>: acknowledge starts when the incident is declared, assess when it is
/// acknowledged, repair when assessment starts (investigating), restore when repair starts,
/// verify when it is resolved.
/// </summary>
public sealed record ChecklistStep
{
    public required string Key { get; init; }
    public required LocalizedText Title { get; init; }

    /// <summary>The role (a key of the plan's roles) that owns the step.</summary>
    public required string Role { get; init; }

    public Stage Stage { get; init; } = Stage.Acknowledge;
    public int? WithinMinutes { get; init; }

    /// <summary>Doing this step restores service by other means (backup device, fallback channel): the incident is mitigated then.</summary>
    public bool Mitigation { get; init; }

    /// <summary>Keys of steps that must be done (or skipped) first.</summary>
    public IReadOnlyList<string> After { get; init; } = [];
}

/// <summary>Post-incident review: required for these levels, due within so many days of resolution.</summary>
public sealed record ReviewRule
{
    public IReadOnlyList<string> RequiredFor { get; init; } = [];
    public int WithinDays { get; init; } = 5;

    /// <summary>A template name (of the plan's templates) the review's summary starts from.</summary>
    public string? Template { get; init; }
}

/// <summary>
/// Reporting upward (向上级报告): at these levels, these people above the response must be told
/// within so many minutes, with a report from a template. It runs as a clock and a task.
/// </summary>
public sealed record UpwardReport
{
    public IReadOnlyList<string> Levels { get; init; } = [];

    /// <summary>Who is told, such as 总经理 / general manager: shown on the task.</summary>
    public required LocalizedText To { get; init; }

    /// <summary>Their email addresses (people in Muster).</summary>
    public IReadOnlyList<string> People { get; init; } = [];

    /// <summary>Contact method kinds to reach them by.</summary>
    public IReadOnlyList<string> Channels { get; init; } = ["email"];

    public int WithinMinutes { get; init; } = 30;

    /// <summary>The role that owns the report (sends or confirms it).</summary>
    public string? Role { get; init; }

    /// <summary>The template name the report is written from.</summary>
    public required string Template { get; init; }
}

/// <summary>
/// Customer communication. <see cref="Approver"/> names the role (a key of the plan's roles) whose
/// holders on an incident approve its status-page updates where the level needs approval (levels
/// 1 and 2), as managers and administrators may; <see cref="Channels"/> names configured channels
/// (group robots) an announcement is posted to as well as the status page.
/// </summary>
public sealed record CommunicationRule
{
    public string? Approver { get; init; }
    public IReadOnlyList<string> Channels { get; init; } = [];
}

/// <summary>
/// Message templates: text with <c>{{placeholder}}</c>s, in both languages. Known names are used by
/// Muster (status posts, customer SMS, announcements, upward reports, reviews); others may be
/// referenced by name.
/// </summary>
public static class PlanTemplates
{
    public const string Announcement = "announcement";
    public const string CustomerSms = "customerSms";
    public const string StatusInvestigating = "statusInvestigating";
    public const string StatusIdentified = "statusIdentified";
    public const string StatusMonitoring = "statusMonitoring";
    public const string StatusResolved = "statusResolved";
    public const string UpwardReport = "upwardReport";
    public const string Review = "review";

    /// <summary>Every placeholder a template may use.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
    [
        "reference", "title", "service", "level", "levelName", "status", "startedAt", "declaredAt",
        "impact", "affectedUsers", "eta", "statusUrl", "commander", "plan", "now",
    ];

    /// <summary>Fills <c>{{name}}</c> placeholders; an unknown one stays as written.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string?> values) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{\{\s*([A-Za-z]+)\s*\}\}",
            m => values.TryGetValue(m.Groups[1].Value, out var v) ? v ?? "" : m.Value);

    /// <summary>The placeholder names a template uses.</summary>
    public static IEnumerable<string> PlaceholdersIn(string template) =>
        System.Text.RegularExpressions.Regex.Matches(template, @"\{\{\s*([^}\s]*)\s*\}\}").Select(m => m.Groups[1].Value);
}
