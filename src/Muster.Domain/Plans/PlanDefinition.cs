using System.Text.Json.Serialization;

namespace Muster.Domain.Plans;

/// <summary>
/// One immutable version of an emergency plan: its severity levels, the rules that pick a level
/// from impact facts, the SLA targets per level, who is told, the command structure, the
/// checklists, the message templates, and the review and upward-report rules. Written as YAML,
/// stored as JSON.
/// </summary>
public sealed record PlanDefinition
{
    public required string Key { get; init; }
    public required LocalizedText Name { get; init; }
    public IReadOnlyList<SeverityLevel> Levels { get; init; } = [];
    public IReadOnlyList<ClassificationRule> Rules { get; init; } = [];

    /// <summary>SLA targets by level key.</summary>
    public IReadOnlyDictionary<string, StageTargets> Sla { get; init; } = new Dictionary<string, StageTargets>();

    /// <summary>
    /// What a monitoring alert's severity (critical, error, warning, info) means for this plan: the
    /// impact facts an incident it opens starts with, and a level it is at least.
    /// </summary>
    public IReadOnlyDictionary<string, AlertSeverityMapping> AlertSeverities { get; init; } = new Dictionary<string, AlertSeverityMapping>();

    /// <summary>
    /// The notification matrix by level key: who is told, by which channels, within what time, when
    /// an incident opens at that level or rises to it. It is on top of the escalation policy, which
    /// pages until someone acknowledges; these messages inform and are sent even after that.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<NotifyEntry>> Notify { get; init; } = new Dictionary<string, IReadOnlyList<NotifyEntry>>();

    /// <summary>The services (by name) and fault categories (by key) the plan covers.</summary>
    public PlanScope Scope { get; init; } = new();

    /// <summary>The kinds of fault the plan names; an incident may carry one.</summary>
    public IReadOnlyList<FaultCategory> Categories { get; init; } = [];

    /// <summary>The hours counted by levels whose targets set <see cref="StageTargets.BusinessHours"/>.</summary>
    public BusinessHours? BusinessHours { get; init; }

    /// <summary>The command structure: the commander and the working groups.</summary>
    public IReadOnlyList<PlanRole> Roles { get; init; } = [];

    /// <summary>The steps each level (and category) requires, with owners and deadlines.</summary>
    public IReadOnlyList<Checklist> Checklists { get; init; } = [];

    /// <summary>Message templates by name, in zh-CN and en (see <see cref="PlanTemplates"/>).</summary>
    public IReadOnlyDictionary<string, LocalizedText> Templates { get; init; } = new Dictionary<string, LocalizedText>();

    /// <summary>When a post-incident review is required.</summary>
    public ReviewRule? Review { get; init; }

    /// <summary>Who above the response is told at which level, and how fast.</summary>
    public IReadOnlyList<UpwardReport> ReportUpward { get; init; } = [];

    /// <summary>Who speaks to customers: the role that approves status posts, and where announcements also go.</summary>
    public CommunicationRule? Communication { get; init; }

    public PlanRole? FindRole(string key) => Roles.FirstOrDefault(r => r.Key == key);

    /// <summary>The checklist steps for a level and category, in plan order, each once.</summary>
    public IReadOnlyList<ChecklistStep> StepsFor(string level, string? category) =>
        Checklists.Where(c => c.Applies(level, category)).SelectMany(c => c.Steps).DistinctBy(s => s.Key).ToList();

    public SeverityLevel? FindLevel(string key) => Levels.FirstOrDefault(l => l.Key == key);

    /// <summary>The level that applies when no rule matches.</summary>
    [JsonIgnore]
    public SeverityLevel LeastSevere => Levels.MaxBy(l => l.Rank)
        ?? throw new InvalidOperationException($"Plan '{Key}' has no levels.");

    public StageTargets TargetsFor(string levelKey) =>
        Sla.TryGetValue(levelKey, out var targets) ? targets : StageTargets.None;
}

public sealed record LocalizedText
{
    [JsonPropertyName("zh-CN")]
    public required string ZhCn { get; init; }

    [JsonPropertyName("en")]
    public required string En { get; init; }

    public string In(string culture) =>
        culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? ZhCn : En;

    public override string ToString() => En;
}

/// <param name="Rank">1 is the most severe.</param>
/// <param name="Color">The level's colour as #rrggbb; the loudest thing on a page.</param>
public sealed record SeverityLevel(string Key, int Rank, LocalizedText Name, string Color);

/// <summary>A rule raises an incident to <see cref="Level"/> when all of its conditions hold.</summary>
public sealed record ClassificationRule
{
    public required string Level { get; init; }
    public IReadOnlyList<Condition> When { get; init; } = [];
}

/// <summary>A test of one impact fact. Numeric facts use the comparisons, <c>condition</c> uses
/// <see cref="In"/>, <c>fundsAtRisk</c> uses <see cref="Is"/>. A fact that is not known fails.</summary>
public sealed record Condition
{
    public required string Fact { get; init; }
    public double? Gt { get; init; }
    public double? Gte { get; init; }
    public double? Lt { get; init; }
    public double? Lte { get; init; }
    public IReadOnlyList<string>? In { get; init; }
    public bool? Is { get; init; }
}

/// <summary>Minutes allowed for each stage; a stage without a target has no clock.</summary>
public sealed record StageTargets
{
    public static readonly StageTargets None = new();

    public int? Acknowledge { get; init; }
    public int? Assess { get; init; }
    public int? Repair { get; init; }
    public int? Restore { get; init; }
    public int? Verify { get; init; }

    /// <summary>These targets count only the plan's business hours (a level that allows it, such as the least severe).</summary>
    public bool BusinessHours { get; init; }

    public int? For(Stage stage) => stage switch
    {
        Stage.Acknowledge => Acknowledge,
        Stage.Assess => Assess,
        Stage.Repair => Repair,
        Stage.Restore => Restore,
        Stage.Verify => Verify,
        _ => null,
    };
}

/// <summary>One row of the notification matrix.</summary>
public sealed record NotifyEntry
{
    public static readonly IReadOnlyList<string> Audiences = ["oncall", "team", "managers", "everyone", "people", "channel"];
    public static readonly IReadOnlyList<string> ContactTypes = ["email", "sms", "voice", "dingtalk", "wecom", "feishu", "slack", "teams", "webhook"];

    /// <summary>oncall (the policy's first step now), team (the service's team), managers, everyone, people (named), or channel (a group robot).</summary>
    public required string Audience { get; init; }

    /// <summary>Contact method kinds (email, sms, dingtalk…) to reach each person by; for the channel audience, the names of configured channels.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>For the people audience: their email addresses.</summary>
    public IReadOnlyList<string> People { get; init; } = [];

    /// <summary>How soon the plan says they must be told: Muster sends at once and shows late deliveries against it.</summary>
    public int WithinMinutes { get; init; }
}

/// <param name="Impact">The facts an incident opened by such an alert starts with.</param>
/// <param name="Level">The least level such an incident has, whatever the facts say.</param>
public sealed record AlertSeverityMapping(ImpactFacts? Impact = null, string? Level = null);

public enum Stage
{
    Acknowledge,
    Assess,
    Repair,
    Restore,
    Verify,
}
