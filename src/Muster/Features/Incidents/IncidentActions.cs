using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;
using Muster.Infrastructure;

namespace Muster.Features.Incidents;

/// <summary>The incident use cases, shared by the API and the pages: one hop to <see cref="MusterDb"/>.</summary>
public sealed class IncidentActions(MusterDb db, PlanCatalog plans, TimeProvider time, WorkSignal signal, IStringLocalizer<SharedResource> text,
    Microsoft.Extensions.Options.IOptions<MusterOptions> options, IncidentVersion version)
{
    public const string ClockWork = "incident-clock";

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static string Culture => CultureInfo.CurrentUICulture.Name;

    public async Task<Incident> DeclareAsync(DeclareRequest request, Actor by, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Text(request.Title, "title", Incident.MaxTitleLength)
            .Text(request.Description, "description", Incident.MaxDescriptionLength, required: false)
            .Check(!string.IsNullOrWhiteSpace(request.ServiceId), "serviceId", "serviceId is required: the id of a service from GET /api/v1/services.")
            .Check(request.StartedAt is null || request.StartedAt.Value.ToUniversalTime() <= Now.AddMinutes(5), "startedAt", "startedAt cannot be in the future.");
        request.Impact?.Validate(errors);
        errors.ThrowIfAny();

        var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == request.ServiceId, ct)
            ?? throw RequestException.Unprocessable("serviceId", $"There is no service '{request.ServiceId}'; use an id from GET /api/v1/services.");

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var incident = await CreateAsync(service, request.Title!.Trim(), Blank(request.Description), (request.Impact ?? new ImpactInput()).ToFacts(),
            request.StartedAt?.ToUniversalTime(), request.Drill, Blank(request.Category), by, ct: ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        version.Saved = incident.UpdatedAt;
        signal.Notify();
        return incident;
    }

    /// <summary>
    /// Adds a new incident under the service's active plan to the context, with its clocks, inside the
    /// caller's transaction; the caller saves and commits (so an alert and its incident are one commit).
    /// </summary>
    /// <param name="page">False for a drill run, which pages its participants instead of the service's policy and informs nobody else.</param>
    public Task<Incident> CreateAsync(Service service, string title, string? description, ImpactFacts impact, DateTime? startedAt, bool drill, Actor by,
        bool page = true, CancellationToken ct = default) =>
        CreateAsync(service, title, description, impact, startedAt, drill, null, by, page, ct);

    /// <summary>As above, with a fault category (a key of the plan's categories), which picks the category's checklists.</summary>
    public async Task<Incident> CreateAsync(Service service, string title, string? description, ImpactFacts impact, DateTime? startedAt, bool drill, string? category, Actor by,
        bool page = true, CancellationToken ct = default)
    {
        var (versionId, plan) = await plans.ActiveForAsync(db, service, ct);
        if (category is not null && plan.Categories.All(c => c.Key != category))
            throw RequestException.Invalid("category", plan.Categories.Count == 0
                ? $"The plan '{plan.Key}' names no categories; leave category out."
                : $"'{category}' is not a category of the plan '{plan.Key}'; use one of {string.Join(", ", plan.Categories.Select(c => c.Key))}.");
        var number = (int)await db.NextAsync("incident", ct);
        var now = Now;
        var incident = Incident.Declare(Ids.New(), number, title, description, service.Id, versionId, plan, impact, startedAt, drill, by, now);
        incident.SetCategory(category, plan, by, now);
        db.Incidents.Add(incident);
        await SyncClocksAsync(incident, plan, now, ct);
        await Room.ResponseSync.OpenAsync(db, incident, plan, await HoursAsync(plan, incident.SeverityLevel, ct), now, ct);
        if (page)
        {
            await Notifications.Paging.StartAsync(db, incident, now, ct);
            await Notifications.Matrix.SendAsync(db, incident, plan, now, ct);
        }
        MusterMetrics.IncidentDeclared();
        return incident;
    }

    public Task<Incident> TransitionAsync(string id, IncidentStatus target, string? note, Actor by, CancellationToken ct = default) =>
        ChangeAsync(id, note, async (incident, _, now) =>
        {
            if (target == IncidentStatus.Acknowledged && incident.Status == IncidentStatus.Triggered && await StepAcknowledgementAsync(incident, ct) is { } step)
            {
                if (step.Acknowledged.Contains(by.Id ?? ""))
                    return;
                if (StepAcknowledgement.Outstanding(step.RequireAll, step.Paged, step.Acknowledged, by.Id).Count > 0)
                {
                    incident.AcknowledgePartly(by, step.Acknowledged.Count + 1, step.Paged.Count, note, now);
                    await StopPagingAsync(incident.Id, by.Id!, ct);
                    return;
                }
            }
            incident.MoveTo(target, by, now, note);
        }, ct);

    /// <summary>The people a step that needs everyone on shift still waits for; empty when the incident waits for nobody in particular.</summary>
    public async Task<IReadOnlyList<string>> WaitingForAsync(string incidentId, CancellationToken ct = default)
    {
        var incident = await db.Incidents.AsNoTracking().Include(i => i.Timeline).FirstOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is not { Status: IncidentStatus.Triggered } || await StepAcknowledgementAsync(incident, ct) is not { RequireAll: true } step)
            return [];
        var waiting = step.Paged.Where(p => !step.Acknowledged.Contains(p)).ToList();
        return await db.People.AsNoTracking().Where(p => waiting.Contains(p.Id)).OrderBy(p => p.DisplayName).Select(p => p.DisplayName).ToListAsync(ct);
    }

    private sealed record StepState(bool RequireAll, IReadOnlyList<string> Paged, IReadOnlyCollection<string> Acknowledged);

    /// <summary>
    /// The latest firing of the incident's escalation since it was last triggered: whether its step
    /// needs everyone, the people it paged, and which of them have acknowledged so far.
    /// </summary>
    private async Task<StepState?> StepAcknowledgementAsync(Incident incident, CancellationToken ct)
    {
        var since = incident.Timeline.Where(e => e.Kind is TimelineKinds.Declared or TimelineKinds.Reopened).Select(e => e.At).DefaultIfEmpty(incident.DeclaredAt).Max();
        var pages = await db.Notifications.AsNoTracking()
            .Where(n => n.IncidentId == incident.Id && n.Kind == "page" && n.PersonId != null && n.CreatedAt >= since)
            .Select(n => new { n.Step, n.Round, n.CreatedAt, PersonId = n.PersonId! })
            .ToListAsync(ct);
        if (pages.Count == 0)
            return null;
        var latest = pages.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Round).ThenByDescending(p => p.Step).First();
        var policyId = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.EscalationPolicyId).FirstOrDefaultAsync(ct);
        var policy = policyId is null ? null : await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId, ct);
        var requireAll = policy is not null && latest.Step is int step
            && OnCall.OnCallLookup.Definition(policy).Steps.ElementAtOrDefault(step - 1) is { RequireAll: true };
        var paged = pages.Where(p => p.Step == latest.Step && p.Round == latest.Round).Select(p => p.PersonId).Distinct().ToList();
        var acknowledged = incident.Timeline.Where(e => e.Kind == TimelineKinds.AcknowledgedPartly && e.At >= since && e.ActorId is not null)
            .Select(e => e.ActorId!).ToHashSet();
        return new StepState(requireAll, paged, acknowledged);
    }

    /// <summary>Who has acknowledged is paged no more, though the step still waits for the others.</summary>
    private async Task StopPagingAsync(string incidentId, string personId, CancellationToken ct)
    {
        var queued = await db.Notifications
            .Where(n => n.IncidentId == incidentId && n.PersonId == personId && n.Status == "queued" && (n.Kind == "page" || n.Kind == "reescalation"))
            .ToListAsync(ct);
        foreach (var n in queued)
        {
            n.Status = "cancelled";
            n.Detail = "acknowledged; the step waits for the others on shift";
            await db.CancelAsync(Notifications.Outbox.DeliverKey(n.Id), ct);
        }
    }

    public Task<Incident> ReopenAsync(string id, string? note, Actor by, CancellationToken ct = default) =>
        ChangeAsync(id, note, (incident, _, now) => incident.Reopen(by, now, note), ct);

    public Task<Incident> AddNoteAsync(string id, string? note, Actor by, CancellationToken ct = default)
    {
        new Problems.Errors().Text(note, "text", Incident.MaxNoteLength).ThrowIfAny();
        return ChangeAsync(id, null, (incident, _, now) => incident.AddNote(note!, by, now), ct);
    }

    public Task<Incident> UpdateImpactAsync(string id, ImpactInput impact, Actor by, CancellationToken ct = default)
    {
        var errors = new Problems.Errors();
        impact.Validate(errors, prefix: "");
        errors.ThrowIfAny();
        return ChangeAsync(id, null, (incident, plan, now) => incident.UpdateImpact(impact.ToFacts(), plan, by, now), ct);
    }

    public Task<Incident> SetSeverityAsync(string id, SeverityRequest request, Actor by, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Check(!string.IsNullOrWhiteSpace(request.Level), "level", "level is required: a level key of the incident's plan, such as L2.")
            .Text(request.Reason, "reason", Incident.MaxNoteLength)
            .ThrowIfAny();
        return ChangeAsync(id, null, (incident, plan, now) =>
        {
            var level = plan.FindLevel(request.Level!)
                ?? throw RequestException.Invalid("level", $"'{request.Level}' is not a level of this plan; use one of {string.Join(", ", plan.Levels.Select(l => l.Key))}.");
            incident.SetSeverity(level, request.Reason!, by, now);
        }, ct);
    }

    /// <summary>Finds an incident by its id or its number (INC-1042 or 1042).</summary>
    public async Task<Incident> FindAsync(string idOrNumber, bool track = false, CancellationToken ct = default)
    {
        var query = track ? db.Incidents.Include(i => i.Timeline) : db.Incidents.AsNoTracking();
        var digits = idOrNumber.StartsWith("INC-", StringComparison.OrdinalIgnoreCase) ? idOrNumber[4..] : idOrNumber;
        Incident? incident = int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? await query.FirstOrDefaultAsync(i => i.Number == number, ct)
            : await query.FirstOrDefaultAsync(i => i.Id == idOrNumber, ct);
        return incident ?? throw RequestException.NotFound("incident", idOrNumber);
    }

    public async Task<IncidentView> ViewAsync(Incident incident, CancellationToken ct = default)
    {
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var planRef = await db.PlanVersions.Where(v => v.Id == incident.PlanVersionId)
            .Join(db.Plans, v => v.PlanId, p => p.Id, (v, p) => new { p.Key, v.Version }).FirstAsync(ct);
        var serviceName = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
        return IncidentView.From(incident, plan, new PlanRef(incident.PlanVersionId, planRef.Key, plan.Name.In(Culture), planRef.Version), serviceName, Now, Culture,
            await HoursAsync(plan, incident.SeverityLevel, ct));
    }

    public async Task<IReadOnlyList<TimelineView>> TimelineAsync(string idOrNumber, CancellationToken ct = default)
    {
        var incident = await FindAsync(idOrNumber, ct: ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var entries = await db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == incident.Id).OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync(ct);
        return entries.Select(e => new TimelineView(e.Id, e.At, e.Kind, e.ActorId, e.ActorName, e.Note, e.From, e.To, Describe(e, plan))).ToList();
    }

    public async Task<IncidentPage> ListAsync(IncidentFilter filter, CancellationToken ct = default)
    {
        var query = filter.Apply(db.Incidents.AsNoTracking());
        var skip = (filter.Page - 1) * filter.PageSize;
        var rows = await query
            .OrderByDescending(i => i.DeclaredAt).ThenByDescending(i => i.Number)
            .Skip(skip).Take(filter.PageSize)
            .Join(db.Services, i => i.ServiceId, s => s.Id, (i, s) => new
            {
                i.Id,
                i.Number,
                i.Title,
                i.Status,
                i.Drill,
                i.ServiceId,
                ServiceName = s.Name,
                i.PlanVersionId,
                i.SeverityLevel,
                i.StartedAt,
                i.DeclaredAt,
                i.UpdatedAt,
            })
            .ToListAsync(ct);
        // A page that is not full ends the list, so it tells the total and the count is not needed:
        // a text search that matches few rows reads the table once instead of twice.
        var total = (rows.Count > 0 && rows.Count < filter.PageSize) || (rows.Count == 0 && skip == 0)
            ? skip + rows.Count
            : await query.CountAsync(ct);
        var items = new List<IncidentSummary>(rows.Count);
        foreach (var r in rows)
        {
            var plan = await plans.GetAsync(db, r.PlanVersionId, ct);
            var level = plan.FindLevel(r.SeverityLevel) ?? plan.LeastSevere;
            items.Add(new IncidentSummary(r.Id, $"INC-{r.Number}", r.Title, r.Status, r.Drill, r.ServiceId, r.ServiceName,
                IncidentView.SeverityOf(level, Culture), r.StartedAt, r.DeclaredAt, r.UpdatedAt));
        }
        return new IncidentPage(items, total, filter.Page, filter.PageSize);
    }

    /// <summary>Loads, changes, re-checks the clocks and saves: one transaction per action.</summary>
    private Task<Incident> ChangeAsync(string id, string? note, Action<Incident, PlanDefinition, DateTime> change, CancellationToken ct) =>
        ChangeAsync(id, note, (incident, plan, now) =>
        {
            change(incident, plan, now);
            return Task.CompletedTask;
        }, ct);

    private Task<Incident> ChangeAsync(string id, string? note, Func<Incident, PlanDefinition, DateTime, Task> change, CancellationToken ct)
    {
        new Problems.Errors().Text(note, "note", Incident.MaxNoteLength, required: false).ThrowIfAny();
        return ApplyAsync(id, change, ct);
    }

    /// <summary>
    /// Loads an incident, applies a change, and keeps everything that follows in step in the same
    /// save: the matrix when the level rose, the clocks, the escalation, the tasks and deadlines.
    /// </summary>
    /// <remarks>
    /// Muster's own work (an escalation step, a clock, a message that could not be delivered) may
    /// move the incident's version between the read and the save. A caller who named no version
    /// asked to act on the incident as it is, so the change is read and applied again, up to
    /// <see cref="IncidentVersion.Attempts"/> times (domain rules judge it again: an incident
    /// acknowledged meanwhile answers as it would have). A caller who named one (If-Match, a form's
    /// hidden version) gets a 409 instead: what they saw is not what is there.
    /// </remarks>
    public Task<Incident> ApplyAsync(string id, Func<Incident, PlanDefinition, DateTime, Task> change, CancellationToken ct = default) =>
        ApplyAsync(id, change, checkVersion: true, ct);

    /// <summary>As above; <paramref name="checkVersion"/> is false when the request's version is about another incident (a merge checks the merged one itself).</summary>
    public async Task<Incident> ApplyAsync(string id, Func<Incident, PlanDefinition, DateTime, Task> change, bool checkVersion, CancellationToken ct)
    {
        // Clearing the context between attempts must not drop a caller's unsaved work: with any, one attempt.
        var attempts = db.ChangeTracker.HasChanges() ? 1 : IncidentVersion.Attempts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ApplyOnceAsync(id, change, checkVersion, ct);
            }
            catch (DbUpdateConcurrencyException e) when (version.Given && e.Entries.Select(x => x.Entity).OfType<Incident>().FirstOrDefault() is { } moved)
            {
                var current = await db.Incidents.AsNoTracking().Where(i => i.Id == moved.Id).Select(i => (DateTime?)i.UpdatedAt).FirstOrDefaultAsync(ct);
                throw IncidentVersion.Stale(moved.Reference, current is { } at ? IncidentVersion.ETag(at) : null);
            }
            catch (DbUpdateConcurrencyException) when (attempt < attempts)
            {
                // A row of Muster's own bookkeeping (a work item) gone meanwhile is retried even for a caller with a version: the next read checks it again.
                db.ChangeTracker.Clear();
                MusterMetrics.ConflictRetried();
            }
        }
    }

    private async Task<Incident> ApplyOnceAsync(string id, Func<Incident, PlanDefinition, DateTime, Task> change, bool checkVersion, CancellationToken ct)
    {
        var incident = await FindAsync(id, track: true, ct);
        if (checkVersion)
            version.Check(incident);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var now = Now;
        var before = incident.Status;
        var rank = incident.SeverityRank;
        await change(incident, plan, now);
        if (incident.SeverityRank < rank)
            await Notifications.Matrix.SendAsync(db, incident, plan, now, ct);
        await SyncClocksAsync(incident, plan, now, ct);
        await SyncPagingAsync(incident, before, now, ct);
        await Room.ResponseSync.SyncAsync(db, incident, plan, await HoursAsync(plan, incident.SeverityLevel, ct), now, ct);
        await db.SaveChangesAsync(ct);
        if (checkVersion)
            version.Saved = incident.UpdatedAt;
        signal.Notify();
        return incident;
    }

    /// <summary>The working hours a level's clocks count, or none.</summary>
    public Task<Domain.Response.WorkingHours?> HoursAsync(PlanDefinition plan, string level, CancellationToken ct = default) =>
        Room.ResponseSync.HoursAsync(db, plan, level, options.Value.Zone, ct);

    /// <summary>Acknowledging stops the escalation at once; reopening starts it again from the first step.</summary>
    public async Task SyncPagingAsync(Incident incident, IncidentStatus before, DateTime now, CancellationToken ct = default)
    {
        if (before == IncidentStatus.Triggered && incident.Status != IncidentStatus.Triggered)
            await Notifications.Paging.StopAsync(db, incident, now, ct);
        else if (before != IncidentStatus.Triggered && incident.Status == IncidentStatus.Triggered)
            await Notifications.Paging.StartAsync(db, incident, now, ct);
        else if (before == IncidentStatus.Acknowledged && !incident.IsOpen)
            await db.CancelAsync(Notifications.Paging.EscalateKey(incident.Id), ct);
        if (before < IncidentStatus.Resolved && incident.Status >= IncidentStatus.Resolved)
        {
            // What follows a resolution: the review the plan requires, and the reporters' survey (not for drills).
            await Reviews.ReviewWork.ScheduleAsync(db, incident.Id, now, Reviews.ReviewWork.Resolved, now, ct);
            if (!incident.Drill)
                await Surveys.SurveyWork.ScheduleAsync(db, incident.Id, now, ct);
        }
    }

    /// <summary>
    /// Writes the breaches that have happened, raises the level if time alone now calls for it,
    /// and puts the next moment worth looking again into the work table.
    /// </summary>
    public async Task SyncClocksAsync(Incident incident, PlanDefinition plan, DateTime now, CancellationToken ct = default)
    {
        if (incident.Reclassify(plan, Actor.System, now))
            await Notifications.Matrix.SendAsync(db, incident, plan, now, ct);
        var clocks = SlaClocks.Compute(incident.ClockInput, plan.TargetsFor(incident.SeverityLevel), now, await HoursAsync(plan, incident.SeverityLevel, ct));
        foreach (var clock in clocks)
            incident.RecordBreach(clock, now);
        var next = SlaClocks.Running(clocks).Select(c => c.Deadline).Min();
        if (incident.RestoredAt is null && Classifier.NextTimeThreshold(plan, incident.StartedAt, now) is { } threshold && (next is null || threshold < next))
            next = threshold;
        var key = $"{ClockWork}:{incident.Id}";
        if (next is { } due)
            await db.ScheduleAsync(ClockWork, key, due, incident.Id, now, ct);
        else
            await db.CancelAsync(key, ct);
    }

    private string Describe(TimelineEntry e, PlanDefinition plan)
    {
        string Level(string? key) => key is null ? "" : plan.FindLevel(key) is { } l ? l.Name.In(Culture) : key;
        string Status(string? s) => s is null ? "" : text[$"status.{s}"];
        string Category(string? key) => key is null ? text["room.category_none"] : plan.Categories.FirstOrDefault(c => c.Key == key)?.Name.In(Culture) ?? key;
        string Role(string? key) => key is null ? "" : plan.FindRole(key)?.Name.In(Culture) ?? key;
        return e.Kind switch
        {
            TimelineKinds.Declared => text["timeline.declared", Level(e.To)],
            TimelineKinds.StatusChanged => text["timeline.status_changed", Status(e.From), Status(e.To)],
            TimelineKinds.Reopened => text["timeline.reopened", Status(e.To)],
            TimelineKinds.Note => text["timeline.note"],
            TimelineKinds.ImpactChanged => text["timeline.impact_changed"],
            TimelineKinds.SeverityRaised => text["timeline.severity_raised", Level(e.From), Level(e.To)],
            TimelineKinds.SeverityChanged => text["timeline.severity_changed", Level(e.From), Level(e.To)],
            TimelineKinds.SlaBreached => text["timeline.sla_breached", text[$"stage.{e.From}"]],
            TimelineKinds.AlertAttached => text["timeline.alert_attached", e.To ?? ""],
            TimelineKinds.AlertResolved => text["timeline.alert_resolved", e.To ?? ""],
            TimelineKinds.Storm => text["timeline.storm", e.To ?? ""],
            TimelineKinds.ImpactCounted => Counted(e.From, e.To),
            TimelineKinds.Paged => string.IsNullOrEmpty(e.To) ? text["timeline.paged_nobody", e.From ?? ""] : text["timeline.paged", e.From ?? "", e.To],
            TimelineKinds.NotReached => text["timeline.not_reached", e.To ?? ""],
            TimelineKinds.Informed => text["timeline.informed", Level(e.From), e.To ?? ""],
            TimelineKinds.AcknowledgedPartly => text["timeline.acknowledged_partly", e.From ?? "", e.To ?? ""],
            TimelineKinds.StatusPublished => text["timeline.status_published", text[$"statuspage.update.{e.To}"]],
            TimelineKinds.StatusPending => text["timeline.status_pending", text[$"statuspage.update.{e.To}"]],
            TimelineKinds.StatusRejected => text["timeline.status_rejected", text[$"statuspage.update.{e.To}"]],
            TimelineKinds.CategoryChanged => text["timeline.category_changed", Category(e.From), Category(e.To)],
            TimelineKinds.Mitigated => text["timeline.mitigated"],
            TimelineKinds.MergedInto => text["timeline.merged_into", e.To ?? ""],
            TimelineKinds.MergedFrom => text["timeline.merged_from", e.To ?? ""],
            TimelineKinds.RoleAssigned => text["timeline.role_assigned", Role(e.From), e.To ?? ""],
            TimelineKinds.RoleUnassigned => text["timeline.role_unassigned", Role(e.From), e.To ?? ""],
            TimelineKinds.TasksAdded => text["timeline.tasks_added", e.To ?? "", Level(e.From)],
            TimelineKinds.TaskDone => text["timeline.task_done", e.To ?? e.From ?? ""],
            TimelineKinds.TaskSkipped => text["timeline.task_skipped", e.To ?? e.From ?? ""],
            TimelineKinds.TaskReassigned => text["timeline.task_reassigned", e.From ?? "", e.To ?? ""],
            TimelineKinds.TaskOverdue => text["timeline.task_overdue", e.From ?? "", e.To ?? ""],
            TimelineKinds.ReportedUpward => text["timeline.reported_upward", e.From ?? "", e.To ?? ""],
            TimelineKinds.CustomerMessage => text["timeline.customer_message", text[$"messages.kind.{e.To}"]],
            TimelineKinds.Linked => text["timeline.linked", e.To ?? ""],
            TimelineKinds.Unlinked => text["timeline.unlinked", e.To ?? ""],
            _ => e.Kind,
        };
    }

    private string Counted(string? reportsAndDevices, string? growth)
    {
        var parts = (reportsAndDevices ?? "0/0").Split('/');
        return string.IsNullOrEmpty(growth)
            ? text["timeline.impact_counted", parts[0], parts[^1]]
            : text["timeline.impact_counted_growth", parts[0], parts[^1], growth];
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Re-checks an incident's clocks and time-based level at the moment the work table says.</summary>
public sealed class IncidentClockWork(IncidentActions actions, MusterDb db, PlanCatalog plans, TimeProvider time) : IWorkHandler
{
    public string Kind => IncidentActions.ClockWork;

    // A breach line or a level raised by time changes the incident: when a person or a page moved it
    // meanwhile, read it again and check again, rather than fail and wait for the runner's retry.
    public Task HandleAsync(WorkItem item, CancellationToken ct) => IncidentVersion.RetryAsync(db, async () =>
    {
        var incident = await db.Incidents.Include(i => i.Timeline).FirstOrDefaultAsync(i => i.Id == item.Payload, ct);
        if (incident is null)
            return false;
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var level = incident.SeverityLevel;
        await actions.SyncClocksAsync(incident, plan, now, ct);
        if (incident.SeverityLevel != level)
            await Room.ResponseSync.SyncAsync(db, incident, plan, await actions.HoursAsync(plan, incident.SeverityLevel, ct), now, ct);
        await db.SaveChangesAsync(ct);
        return true;
    });
}
