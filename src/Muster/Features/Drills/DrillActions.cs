using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Learning;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;
using Muster.Features.Incidents;
using Muster.Features.Notifications;
using Muster.Features.Reviews;
using Muster.Features.Room;
using Muster.Infrastructure;

namespace Muster.Features.Drills;

public sealed record DrillAlert(string? Summary, IReadOnlyDictionary<string, string>? Labels = null);

public sealed record QuarterlyInput(int MonthOfQuarter, int Day, string? At = "10:00");

public sealed record DrillRequest(
    string? Name, string? ServiceId, string? Level, string? Description = null,
    IReadOnlyList<DrillAlert>? Alerts = null, IReadOnlyList<string>? Reports = null, IReadOnlyList<string>? Participants = null,
    bool CustomerMessages = false, QuarterlyInput? Quarterly = null, DateTime? OneOffAt = null, string? DeviceType = null,
    int ReminderDays = 3, bool Active = true);

public sealed record DrillRunSummary(string Id, string IncidentId, string IncidentNumber, DateTime StartedAt, string? StartedBy, string Result, int OpenFindings);

public sealed record DrillView(
    string Id, string Name, string? Description, string ServiceId, string ServiceName, string Level,
    IReadOnlyList<DrillAlert> Alerts, IReadOnlyList<string> Reports, IReadOnlyList<Reviews.PersonRef> Participants, bool CustomerMessages,
    QuarterlyInput? Quarterly, DateTime? OneOffAt, string? DeviceType, int ReminderDays, bool Active, DateTime? NextAt,
    IReadOnlyList<DrillRunSummary> Runs);

public sealed record DrillStageView(Stage Stage, int? TargetMinutes, DateTime? StartsAt, DateTime? StoppedAt, long? ElapsedSeconds, DrillResult Result);

/// <summary>A checklist task of the drill against its deadline: when it was done or skipped, how long it took from its stage's start, and the result.</summary>
public sealed record DrillTaskView(string Key, string TitleZh, string TitleEn, string? Role, Stage Stage, int? WithinMinutes, DateTime? Deadline,
    string State, DateTime? ClosedAt, string? ClosedBy, long? TakenSeconds, DrillResult Result);

public sealed record DrillReport(
    string Id, string ScenarioId, string ScenarioName, string IncidentId, string IncidentNumber, string Level, IncidentStatus Status,
    DateTime StartedAt, string? StartedBy, string Result, IReadOnlyList<DrillStageView> Stages, IReadOnlyList<ActionItemView> Findings,
    IReadOnlyList<DrillTaskView> Tasks);

/// <summary>Drill scenarios, their schedule, running one, and its report.</summary>
public sealed class DrillActions(MusterDb db, PlanCatalog plans, IncidentActions incidents, TimeProvider time, IOptions<MusterOptions> options, WorkSignal signal)
{
    public const int MaxItems = 20;
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private TimeZoneInfo Zone => options.Value.Zone;

    public async Task<List<DrillView>> ListAsync(CancellationToken ct = default)
    {
        var scenarios = await db.DrillScenarios.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        var views = new List<DrillView>(scenarios.Count);
        foreach (var s in scenarios)
            views.Add(await ViewAsync(s, ct));
        return views;
    }

    public async Task<DrillView> GetAsync(string id, CancellationToken ct = default) =>
        await ViewAsync(await db.DrillScenarios.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("drill", id), ct);

    public async Task<DrillView> SaveAsync(string? id, DrillRequest request, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Text(request.Name, "name", 200)
            .Text(request.Description, "description", 4000, required: false)
            .Check(!string.IsNullOrWhiteSpace(request.ServiceId), "serviceId", "serviceId is required: the id of a service from GET /api/v1/services.")
            .Check(!string.IsNullOrWhiteSpace(request.Level), "level", "level is required: a level key of the service's plan, such as L2.")
            .Check((request.Alerts?.Count ?? 0) <= MaxItems, "alerts", $"At most {MaxItems} alerts.")
            .Check(request.Alerts?.All(a => !string.IsNullOrWhiteSpace(a.Summary) && a.Summary.Length <= 200) ?? true, "alerts", "Each alert has a summary of at most 200 characters.")
            .Check((request.Reports?.Count ?? 0) <= MaxItems, "reports", $"At most {MaxItems} reports.")
            .Check(request.Reports?.All(r => !string.IsNullOrWhiteSpace(r) && r.Length <= 500) ?? true, "reports", "Each report is a symptom of at most 500 characters.")
            .Check(request.ReminderDays is >= 0 and <= 60, "reminderDays", "reminderDays is from 0 to 60.");
        QuarterlyRecurrence? recurrence = null;
        if (request.Quarterly is { } q)
        {
            var okTime = TimeOnly.TryParseExact(q.At ?? "10:00", "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at);
            errors.Check(okTime, "quarterly.at", "quarterly.at is a local time HH:mm, such as 10:00.");
            recurrence = new QuarterlyRecurrence(q.MonthOfQuarter, q.Day, at);
            foreach (var problem in recurrence.Problems())
                errors.Check(false, "quarterly", problem);
        }
        errors.ThrowIfAny();
        var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == request.ServiceId, ct)
            ?? throw RequestException.Unprocessable("serviceId", $"There is no service '{request.ServiceId}'; use an id from GET /api/v1/services.");
        var (_, plan) = await plans.ActiveForAsync(db, service, ct);
        if (plan.FindLevel(request.Level!) is null)
            throw RequestException.Invalid("level", $"'{request.Level}' is not a level of the plan '{plan.Key}'; use one of {string.Join(", ", plan.Levels.Select(l => l.Key))}.");
        var participants = (request.Participants ?? []).Distinct().ToList();
        var known = await db.People.Where(p => participants.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        if (participants.Except(known).FirstOrDefault() is { } unknown)
            throw RequestException.Unprocessable("participants", $"There is no person '{unknown}'; use ids from GET /api/v1/people.");

        var now = Now;
        DrillScenario scenario;
        object? before = null;
        if (id is null)
        {
            scenario = new DrillScenario { CreatedAt = now };
            db.DrillScenarios.Add(scenario);
        }
        else
        {
            scenario = await db.DrillScenarios.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("drill", id);
            before = Snapshot(scenario);
        }
        scenario.Name = request.Name!.Trim();
        scenario.Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        scenario.ServiceId = service.Id;
        scenario.Level = request.Level!;
        scenario.Alerts = JsonSerializer.Serialize(request.Alerts ?? [], Json);
        scenario.Reports = JsonSerializer.Serialize(request.Reports ?? [], Json);
        scenario.Participants = JsonSerializer.Serialize(participants, Json);
        scenario.CustomerMessages = request.CustomerMessages;
        scenario.QuarterMonth = recurrence?.MonthOfQuarter;
        scenario.QuarterDay = recurrence?.Day;
        scenario.QuarterTime = recurrence?.At.ToString("HH:mm", CultureInfo.InvariantCulture);
        scenario.OneOffAt = request.OneOffAt?.ToUniversalTime();
        scenario.DeviceType = string.IsNullOrWhiteSpace(request.DeviceType) ? null : request.DeviceType.Trim();
        scenario.ReminderDays = request.ReminderDays;
        scenario.Active = request.Active;
        scenario.UpdatedAt = now;
        await DrillWork.PlanAsync(db, scenario, Zone, now, ct: ct);
        db.Record(user, id is null ? "drill.created" : "drill.updated", "drill", scenario.Id, before, Snapshot(scenario), now);
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return await ViewAsync(scenario, ct);
    }

    /// <summary>
    /// Opens a drill incident at the scenario's level with its alerts and reports on the timeline,
    /// and pages the participants (every message marked as a drill). The service's escalation
    /// policy and the plan's notification matrix are left alone: only the participants take part.
    /// </summary>
    public async Task<(Incident Incident, DrillRun Run)> RunAsync(string id, Actor by, CancellationToken ct = default)
    {
        var scenario = await db.DrillScenarios.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("drill", id);
        var service = await db.Services.AsNoTracking().FirstAsync(s => s.Id == scenario.ServiceId, ct);
        var (_, plan) = await plans.ActiveForAsync(db, service, ct);
        var level = plan.FindLevel(scenario.Level)
            ?? throw RequestException.Unprocessable("level", $"The scenario's level '{scenario.Level}' is not in the service's plan any more; edit the scenario.");
        var now = Now;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var incident = await incidents.CreateAsync(service, scenario.Name, scenario.Description, new ImpactFacts(), null, drill: true, by, page: false, ct);
        if (incident.SeverityLevel != level.Key)
            incident.SetSeverity(level, $"drill scenario: {scenario.Name}", by, now);
        var alerts = JsonSerializer.Deserialize<List<DrillAlert>>(scenario.Alerts, Json) ?? [];
        var run = new DrillRun { ScenarioId = scenario.Id, IncidentId = incident.Id, StartedAt = now, StartedBy = by.Name };
        for (var i = 0; i < alerts.Count; i++)
        {
            var labels = alerts[i].Labels is { Count: > 0 } l ? " {" + string.Join(", ", l.Select(kv => $"{kv.Key}={kv.Value}")) + "}" : "";
            incident.AttachAlert($"drill:{run.Id}:alert:{i + 1}", $"{alerts[i].Summary}{labels}", Actor.System, now);
        }
        foreach (var symptom in JsonSerializer.Deserialize<List<string>>(scenario.Reports, Json) ?? [])
            incident.AddNote($"演练报告 / Drill report: {symptom}", Actor.System, now);
        await incidents.SyncClocksAsync(incident, plan, now, ct);
        await PageParticipantsAsync(incident, JsonSerializer.Deserialize<List<string>>(scenario.Participants, Json) ?? [], now, ct);
        db.DrillRuns.Add(run);
        db.Record(null, "drill.run", "drill", scenario.Id, null, new { run.Id, run.IncidentId, by = by.Name }, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        signal.Notify();
        return (incident, run);
    }

    private async Task PageParticipantsAsync(Incident incident, IReadOnlyList<string> ids, DateTime now, CancellationToken ct)
    {
        var people = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id) && p.Active).ToListAsync(ct);
        var methods = await db.ContactMethods.AsNoTracking().Where(m => ids.Contains(m.PersonId) && m.StoppedAt == null).ToListAsync(ct);
        var paged = new List<string>();
        foreach (var person in people.OrderBy(p => ids.ToList().IndexOf(p.Id)))
        {
            var own = methods.Where(m => m.PersonId == person.Id).ToList();
            foreach (var planned in NotificationPlanner.Plan(EscalationWork.PersonalRules(person, own), now))
            {
                if (own.FirstOrDefault(m => m.Id == planned.MethodId) is not { } method)
                    continue;
                await Outbox.QueueAsync(db, method, incident.Id, "page", planned.At, now, ct, step: 1, round: 0);
            }
            paged.Add(own.Count == 0 ? $"{person.DisplayName} (no contact method)" : person.DisplayName);
        }
        incident.RecordPaged(1, string.Join(", ", paged), now);
    }

    /// <summary>Whether customer messages (status page posts, customer SMS) may go out for this incident: always for real ones, for a drill only when its scenario says so.</summary>
    public static async Task<bool> CustomerMessagesAllowedAsync(MusterDb db, string incidentId, CancellationToken ct = default)
    {
        var drill = await db.Incidents.Where(i => i.Id == incidentId).Select(i => i.Drill).FirstOrDefaultAsync(ct);
        if (!drill)
            return true;
        return await db.DrillRuns.Where(r => r.IncidentId == incidentId)
            .Join(db.DrillScenarios, r => r.ScenarioId, s => s.Id, (r, s) => s.CustomerMessages).FirstOrDefaultAsync(ct);
    }

    public async Task<DrillReport> ReportAsync(string runId, CancellationToken ct = default)
    {
        var run = await db.DrillRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw RequestException.NotFound("drill run", runId);
        var scenario = await db.DrillScenarios.AsNoTracking().FirstAsync(s => s.Id == run.ScenarioId, ct);
        var incident = await db.Incidents.AsNoTracking().FirstAsync(i => i.Id == run.IncidentId, ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var now = Now;
        var stages = DrillTiming.Stages(incident.ClockInput, plan.TargetsFor(incident.SeverityLevel), now);
        var findings = await ReviewActions.ActionsAsync(db, new ReviewActions.ActionFilter(DrillRunId: run.Id), now, ct);
        var tasks = await db.IncidentTasks.AsNoTracking().Where(t => t.IncidentId == incident.Id).OrderBy(t => t.Position).ToListAsync(ct);
        var timed = tasks.Select(t => (Task: t, Time: TaskTime(t, now))).ToList();
        return new DrillReport(run.Id, scenario.Id, scenario.Name, incident.Id, incident.Reference, incident.SeverityLevel, incident.Status,
            run.StartedAt, run.StartedBy, DrillTiming.Verdict(stages, timed.Select(x => x.Time).ToList()),
            stages.Select(s => new DrillStageView(s.Stage, s.TargetMinutes, s.StartsAt, s.StoppedAt, s.Elapsed is { } e ? (long)e.TotalSeconds : null, s.Result)).ToList(),
            findings,
            timed.Select(x => new DrillTaskView(x.Task.Key, x.Task.TitleZh, x.Task.TitleEn, x.Task.RoleKey,
                Enum.TryParse<Stage>(x.Task.Stage, true, out var stage) ? stage : Stage.Acknowledge, x.Task.WithinMinutes, x.Task.Deadline, x.Task.State,
                x.Time.ClosedAt, x.Task.DoneByName, x.Time.Taken is { } t ? (long)t.TotalSeconds : null, x.Time.Result)).ToList());
    }

    /// <summary>A task against its deadline, as the drill report and the register judge it.</summary>
    private static DrillTaskTime TaskTime(IncidentTask task, DateTime now) =>
        DrillTiming.Task(task.Key, task.WithinMinutes, task.Deadline, task.State == TaskStates.Open, task.State == TaskStates.Skipped, task.DoneAt, now);

    /// <summary>A finding of a drill, as an action item with an owner and a date, tracked with the reviews' items.</summary>
    public async Task<ActionItemView> AddFindingAsync(string runId, ActionItemRequest request, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var run = await db.DrillRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw RequestException.NotFound("drill run", runId);
        var item = await ReviewActions.NewActionAsync(db, run.IncidentId, request, ct);
        item.DrillRunId = run.Id;
        item.CreatedAt = Now;
        db.ActionItems.Add(item);
        db.Record(user, "action_item.created", "action_item", item.Id, null, new { item.Title, item.OwnerId, item.DueOn, item.DrillRunId }, Now);
        await db.SaveChangesAsync(ct);
        return (await ReviewActions.ActionsAsync(db, new ReviewActions.ActionFilter(Id: item.Id), Now, ct)).Single();
    }

    private async Task<DrillView> ViewAsync(DrillScenario s, CancellationToken ct)
    {
        var now = Now;
        var serviceName = await db.Services.Where(x => x.Id == s.ServiceId).Select(x => x.Name).FirstOrDefaultAsync(ct) ?? "";
        var ids = JsonSerializer.Deserialize<List<string>>(s.Participants, Json) ?? [];
        var names = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
        var runs = await db.DrillRuns.AsNoTracking().Where(r => r.ScenarioId == s.Id).OrderByDescending(r => r.StartedAt)
            .Join(db.Incidents, r => r.IncidentId, i => i.Id, (r, i) => new { r, i })
            .Take(50).ToListAsync(ct);
        var summaries = new List<DrillRunSummary>(runs.Count);
        foreach (var x in runs)
        {
            var plan = await plans.GetAsync(db, x.i.PlanVersionId, ct);
            var tasks = (await db.IncidentTasks.AsNoTracking().Where(t => t.IncidentId == x.i.Id).ToListAsync(ct)).Select(t => TaskTime(t, now)).ToList();
            var verdict = DrillTiming.Verdict(DrillTiming.Stages(x.i.ClockInput, plan.TargetsFor(x.i.SeverityLevel), now), tasks);
            var open = await db.ActionItems.CountAsync(a => a.DrillRunId == x.r.Id && a.State == ActionStates.Open, ct);
            summaries.Add(new DrillRunSummary(x.r.Id, x.i.Id, x.i.Reference, x.r.StartedAt, x.r.StartedBy, verdict, open));
        }
        return new DrillView(s.Id, s.Name, s.Description, s.ServiceId, serviceName, s.Level,
            JsonSerializer.Deserialize<List<DrillAlert>>(s.Alerts, Json) ?? [], JsonSerializer.Deserialize<List<string>>(s.Reports, Json) ?? [],
            ids.Where(names.ContainsKey).Select(p => new Reviews.PersonRef(p, names[p])).ToList(), s.CustomerMessages,
            s.QuarterMonth is { } m ? new QuarterlyInput(m, s.QuarterDay ?? 1, s.QuarterTime) : null, s.OneOffAt, s.DeviceType, s.ReminderDays, s.Active,
            s.Active ? DrillSchedule.Next(DrillWork.Recurrence(s), s.OneOffAt, Zone, now) : null, summaries);
    }

    private static object Snapshot(DrillScenario s) => new
    {
        s.Name,
        s.ServiceId,
        s.Level,
        s.Alerts,
        s.Reports,
        s.Participants,
        s.CustomerMessages,
        s.QuarterMonth,
        s.QuarterDay,
        s.QuarterTime,
        s.OneOffAt,
        s.DeviceType,
        s.ReminderDays,
        s.Active,
    };
}
