using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;
using Muster.Domain.Response;
using Muster.Features.Notifications;
using Muster.Features.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.Room;

/// <summary>
/// Keeps an incident's response in step with its plan, inside the caller's unit of work: the roles
/// when it opens, the tasks of its level and category, their deadlines as stages start, and the
/// work item that looks again at the next deadline.
/// </summary>
public static class ResponseSync
{
    public const string OverdueWork = "task-overdue";
    public const string OverdueKind = "task_overdue";
    public const string UpwardKind = "upward";

    public static string OverdueKey(string incidentId) => $"{OverdueWork}:{incidentId}";

    /// <summary>
    /// The hours a level's clocks count: the plan's business hours when the level's targets say so
    /// (the calendar by name: a stored working calendar, else China's shipped ones for a cn-… name,
    /// else Monday to Friday), in the organisation's time zone; otherwise none (elapsed time).
    /// </summary>
    public static async Task<WorkingHours?> HoursAsync(MusterDb db, PlanDefinition plan, string level, TimeZoneInfo zone, CancellationToken ct = default)
    {
        if (!plan.TargetsFor(level).BusinessHours || plan.BusinessHours is not { } hours)
            return null;
        var calendar = WorkingCalendar.WeekendsOnly;
        if (hours.Calendar is { } name)
        {
            var entries = await db.WorkingCalendars.Where(c => c.Name == name).Select(c => c.Entries).FirstOrDefaultAsync(ct);
            calendar = entries is not null
                ? WorkingCalendarParser.Parse(entries).Calendar ?? calendar
                : name.StartsWith("cn", StringComparison.OrdinalIgnoreCase) ? ChinaCalendar.All() : calendar;
        }
        return WorkingHours.From(hours, calendar, zone);
    }

    /// <summary>A new incident: its roles from the plan's defaults, then its tasks.</summary>
    public static async Task OpenAsync(MusterDb db, Incident incident, PlanDefinition plan, WorkingHours? hours, DateTime now, CancellationToken ct = default)
    {
        foreach (var role in plan.Roles)
        {
            var people = ResponsePlanner.Pick(role, await CandidatesAsync(db, incident, role.Default, now, ct));
            if (people.Count == 0)
                continue;
            foreach (var person in people)
                db.IncidentRoles.Add(new IncidentRoleAssignment { IncidentId = incident.Id, RoleKey = role.Key, PersonId = person, AssignedAt = now });
            var names = await NamesAsync(db, people, ct);
            incident.RecordResponse(TimelineKinds.RoleAssigned, Actor.System, null, role.Key, names, now);
        }
        await SyncAsync(db, incident, plan, hours, now, ct);
    }

    /// <summary>
    /// Adds the tasks the incident's level and category need and it lacks, sets the deadlines of the
    /// stages that have started, and schedules the next look at the earliest open deadline ahead.
    /// </summary>
    public static async Task SyncAsync(MusterDb db, Incident incident, PlanDefinition plan, WorkingHours? hours, DateTime now, CancellationToken ct = default)
    {
        var tasks = db.IncidentTasks.Local.Where(t => t.IncidentId == incident.Id).ToList();
        var known = tasks.Select(t => t.Id).ToHashSet();
        tasks.AddRange((await db.IncidentTasks.Where(t => t.IncidentId == incident.Id).ToListAsync(ct)).Where(t => !known.Contains(t.Id)));
        var roles = await AssignmentsAsync(db, incident.Id, ct);

        if (incident.MergedIntoId is null)
        {
            var missing = ResponsePlanner.TasksFor(plan, incident.SeverityLevel, incident.Category, tasks.Select(t => t.Key).ToList());
            var position = tasks.Count == 0 ? 0 : tasks.Max(t => t.Position) + 1;
            foreach (var planned in missing)
            {
                var task = new IncidentTask
                {
                    IncidentId = incident.Id,
                    Key = planned.Key,
                    TitleZh = planned.Title.ZhCn,
                    TitleEn = planned.Title.En,
                    RoleKey = planned.Role,
                    OwnerId = ResponsePlanner.OwnerFor(planned.Role, roles),
                    Stage = planned.Stage.ToString().ToLowerInvariant(),
                    WithinMinutes = planned.WithinMinutes,
                    Mitigation = planned.Mitigation,
                    UpwardIndex = planned.UpwardIndex,
                    Level = incident.SeverityLevel,
                    Position = position++,
                    CreatedAt = now,
                };
                db.IncidentTasks.Add(task);
                tasks.Add(task);
            }
            if (missing.Count > 0)
                incident.RecordResponse(TimelineKinds.TasksAdded, Actor.System, string.Join(", ", missing.Select(m => m.Title.En)),
                    incident.SeverityLevel, missing.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), now);
        }

        foreach (var task in tasks.Where(t => t.State == TaskStates.Open))
        {
            var deadline = ResponsePlanner.Deadline(Enum.Parse<Stage>(task.Stage, true), task.WithinMinutes, incident.ClockInput, hours);
            if (deadline != task.Deadline)
            {
                task.Deadline = deadline;
                task.OverdueAt = null;
            }
        }
        await ScheduleAsync(db, incident, tasks, now, ct);
    }

    /// <summary>One work item per incident, due at the earliest deadline of an open task not yet reported overdue.</summary>
    public static async Task ScheduleAsync(MusterDb db, Incident incident, IEnumerable<IncidentTask> tasks, DateTime now, CancellationToken ct = default)
    {
        var next = incident.IsOpen
            ? tasks.Where(t => t.State == TaskStates.Open && t.OverdueAt is null && t.Deadline is not null).Select(t => t.Deadline).Min()
            : null;
        if (next is { } due)
            await db.ScheduleAsync(OverdueWork, OverdueKey(incident.Id), due < now ? now : due, incident.Id, now, ct);
        else
            await db.CancelAsync(OverdueKey(incident.Id), ct);
    }

    public static async Task<List<(string Role, string PersonId)>> AssignmentsAsync(MusterDb db, string incidentId, CancellationToken ct)
    {
        var saved = await db.IncidentRoles.Where(r => r.IncidentId == incidentId).OrderBy(r => r.AssignedAt).ThenBy(r => r.Id).ToListAsync(ct);
        var added = db.IncidentRoles.Local.Where(r => r.IncidentId == incidentId && db.Entry(r).State == EntityState.Added);
        var removed = db.IncidentRoles.Local.Where(r => db.Entry(r).State == EntityState.Deleted).Select(r => r.Id).ToHashSet();
        return saved.Where(r => !removed.Contains(r.Id)).Concat(added).Select(r => (r.RoleKey, r.PersonId)).Distinct().ToList();
    }

    /// <summary>The people each source of a role's default names now, looked up only for the sources it uses.</summary>
    private static async Task<RoleCandidates> CandidatesAsync(MusterDb db, Incident incident, RoleDefault? source, DateTime now, CancellationToken ct)
    {
        if (source is null)
            return new RoleCandidates();
        var active = db.People.AsNoTracking().Where(p => p.Active);
        var candidates = new RoleCandidates();
        if (source.Oncall)
            candidates = candidates with { Oncall = (await OnCallLookup.ForServiceAsync(db, incident.ServiceId, now, ct)).Select(p => p.PersonId).ToList() };
        if (source.Schedule is { } scheduleName
            && await db.Schedules.Where(s => s.Name == scheduleName || s.Id == scheduleName).Select(s => s.Id).FirstOrDefaultAsync(ct) is { } scheduleId)
            candidates = candidates with { Schedule = (await OnCallLookup.AtAsync(db, scheduleId, now, ct)).Select(p => p.PersonId).ToList() };
        if (source.People.Count > 0)
        {
            var people = await active.Where(p => source.People.Contains(p.Email)).Select(p => new { p.Id, p.Email }).ToListAsync(ct);
            candidates = candidates with { People = people.OrderBy(p => source.People.ToList().IndexOf(p.Email)).Select(p => p.Id).ToList() };
        }
        if (source.Team is { } teamName
            && await db.Teams.Where(t => t.Name == teamName || t.Id == teamName).Select(t => t.Id).FirstOrDefaultAsync(ct) is { } teamId)
            candidates = candidates with { Team = await active.Where(p => p.TeamId == teamId).OrderBy(p => p.DisplayName).Select(p => p.Id).ToListAsync(ct) };
        return candidates;
    }

    public static async Task<string> NamesAsync(MusterDb db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var names = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id)).Select(p => new { p.Id, p.DisplayName }).ToListAsync(ct);
        return string.Join(", ", names.OrderBy(n => ids.ToList().IndexOf(n.Id)).Select(n => n.DisplayName));
    }

    /// <summary>Queues a message of <paramref name="kind"/> to each of these people by their contact methods (of these types, or all).</summary>
    public static async Task<int> NotifyAsync(MusterDb db, string incidentId, IReadOnlyCollection<string> personIds, IReadOnlyCollection<string>? types,
        string kind, string subjectId, DateTime now, CancellationToken ct)
    {
        var methods = await db.ContactMethods.AsNoTracking()
            .Where(m => personIds.Contains(m.PersonId) && m.StoppedAt == null && (types == null || types.Contains(m.Type))).ToListAsync(ct);
        foreach (var method in methods)
        {
            await Outbox.QueueAsync(db, method, incidentId, kind, now, now, ct, subjectId: subjectId);
        }
        return methods.Count;
    }
}

public static class TaskStates
{
    public const string Open = "open";
    public const string Done = "done";
    public const string Skipped = "skipped";
}

/// <summary>
/// At an open task's deadline: the timeline says it is overdue, and its owner and the commander
/// are told, in their language, through the same queue and log as pages. Once per deadline.
/// </summary>
public sealed class TaskOverdueWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string CommanderRole = "commander";

    public string Kind => ResponseSync.OverdueWork;

    // The overdue lines change the incident: when it moved meanwhile, read it and its tasks again rather than fail.
    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        if (await Incidents.IncidentVersion.RetryAsync(db, () => RunAsync(item, ct)))
            signal.Notify();
    }

    private async Task<bool> RunAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == item.Payload, ct);
        if (incident is null)
            return false;
        var tasks = await db.IncidentTasks.Where(t => t.IncidentId == incident.Id).ToListAsync(ct);
        if (incident.IsOpen)
        {
            var roles = await ResponseSync.AssignmentsAsync(db, incident.Id, ct);
            var commanders = roles.Where(r => r.Role == CommanderRole).Select(r => r.PersonId).ToList();
            foreach (var task in tasks.Where(t => t.State == TaskStates.Open && t.OverdueAt is null && t.Deadline <= now).OrderBy(t => t.Position))
            {
                task.OverdueAt = now;
                var told = new List<string>();
                if (task.OwnerId is not null)
                    told.Add(task.OwnerId);
                told.AddRange(commanders);
                told = told.Distinct().ToList();
                await ResponseSync.NotifyAsync(db, incident.Id, told, null, ResponseSync.OverdueKind, task.Id, now, ct);
                incident.RecordResponse(TimelineKinds.TaskOverdue, Actor.System, null, task.Key, await ResponseSync.NamesAsync(db, told, ct), now);
            }
        }
        await ResponseSync.ScheduleAsync(db, incident, tasks, now, ct);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
