using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Response;

/// <summary>A task the plan asks of an incident: a checklist step, or an upward report.</summary>
/// <param name="Key">The step's key, or <c>upward-N</c> for the plan's N-th upward report rule.</param>
/// <param name="UpwardIndex">For an upward report, its index in the plan's <see cref="PlanDefinition.ReportUpward"/>.</param>
public sealed record PlannedTask(
    string Key, LocalizedText Title, string? Role, Stage Stage, int? WithinMinutes, bool Mitigation, int? UpwardIndex);

/// <summary>
/// The pure rules of the response: which tasks an incident's level and category require, when
/// each one's stage starts and so its deadline, and who fills a role from its default sources.
/// </summary>
public static class ResponsePlanner
{
    public const string UpwardPrefix = "upward-";

    /// <summary>
    /// The checklist steps for the level and category, then one task per upward report rule of the
    /// level, in plan order, leaving out the keys the incident already has.
    /// </summary>
    public static IReadOnlyList<PlannedTask> TasksFor(PlanDefinition plan, string level, string? category, IReadOnlyCollection<string> existing)
    {
        var tasks = plan.StepsFor(level, category)
            .Select(s => new PlannedTask(s.Key, s.Title, s.Role, s.Stage, s.WithinMinutes, s.Mitigation, null))
            .ToList();
        for (var i = 0; i < plan.ReportUpward.Count; i++)
        {
            var rule = plan.ReportUpward[i];
            if (rule.Levels.Count > 0 && !rule.Levels.Contains(level))
                continue;
            var title = new LocalizedText
            {
                ZhCn = $"向{rule.To.ZhCn}报告（{rule.WithinMinutes} 分钟内）",
                En = $"Report to {rule.To.En} within {rule.WithinMinutes} min",
            };
            tasks.Add(new PlannedTask(UpwardPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), title, rule.Role, Stage.Acknowledge, rule.WithinMinutes, false, i));
        }
        return tasks.Where(t => !existing.Contains(t.Key)).ToList();
    }

    /// <summary>
    /// When a stage starts: acknowledge when declared, assess when acknowledged, repair when
    /// investigating, restore when repairing, verify when resolved. A status that was skipped
    /// starts its stage when a later one was reached; null until then.
    /// </summary>
    public static DateTime? StageStart(Stage stage, SlaClockInput t) => stage switch
    {
        Stage.Acknowledge => t.DeclaredAt,
        Stage.Assess => Earliest(t.AcknowledgedAt, t.InvestigatingAt, t.RepairingAt, t.MitigatedAt, t.ResolvedAt),
        Stage.Repair => Earliest(t.InvestigatingAt, t.RepairingAt, t.MitigatedAt, t.ResolvedAt),
        Stage.Restore => Earliest(t.RepairingAt, t.MitigatedAt, t.ResolvedAt),
        Stage.Verify => t.ResolvedAt,
        _ => null,
    };

    /// <summary>
    /// A task's deadline: its stage's start plus its minutes, counted in working hours when given.
    /// Null without minutes or before the stage starts.
    /// </summary>
    public static DateTime? Deadline(Stage stage, int? withinMinutes, SlaClockInput t, WorkingHours? hours = null) =>
        withinMinutes is { } minutes && StageStart(stage, t) is { } start
            ? hours?.Add(start, minutes) ?? start.AddMinutes(minutes)
            : null;

    /// <summary>The upward report rules that apply at a level.</summary>
    public static IEnumerable<(int Index, UpwardReport Rule)> UpwardFor(PlanDefinition plan, string level) =>
        plan.ReportUpward.Select((r, i) => (i, r)).Where(x => x.r.Levels.Count == 0 || x.r.Levels.Contains(level));

    /// <summary>
    /// Who fills a role when an incident opens: the first of its default sources (on call, a
    /// schedule, named people, a team) that names anyone, in that order. A single role takes the
    /// first person; a working group takes them all. Each person once.
    /// </summary>
    public static IReadOnlyList<string> Pick(PlanRole role, RoleCandidates candidates)
    {
        if (role.Default is not { } source)
            return [];
        IEnumerable<IReadOnlyList<string>> sources =
        [
            source.Oncall ? candidates.Oncall : [],
            source.Schedule is not null ? candidates.Schedule : [],
            source.People.Count > 0 ? candidates.People : [],
            source.Team is not null ? candidates.Team : [],
        ];
        var found = sources.FirstOrDefault(s => s.Count > 0) ?? [];
        var people = found.Distinct().ToList();
        return role.Group ? people : people.Take(1).ToList();
    }

    /// <summary>The owner of a task: the first person assigned to its role.</summary>
    public static string? OwnerFor(string? role, IEnumerable<(string Role, string PersonId)> assignments) =>
        role is null ? null : assignments.Where(a => a.Role == role).Select(a => a.PersonId).FirstOrDefault();

    private static DateTime? Earliest(params DateTime?[] times) => times.Where(t => t is not null).Min();
}

/// <summary>The people each default source names for a role, already looked up.</summary>
public sealed record RoleCandidates
{
    public IReadOnlyList<string> Oncall { get; init; } = [];
    public IReadOnlyList<string> Schedule { get; init; } = [];
    public IReadOnlyList<string> People { get; init; } = [];
    public IReadOnlyList<string> Team { get; init; } = [];
}
