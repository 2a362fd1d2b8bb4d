using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Features.Incidents;
using Muster.Features.Notifications;
using Muster.Infrastructure;

namespace Muster.Features.Room;

/// <summary>The incident room's use cases, shared by the API and the page: roles, tasks, reports upward, customer messages, merge and links.</summary>
public sealed class RoomActions(MusterDb db, IncidentActions incidents, PlanCatalog plans, TimeProvider time, IOptions<MusterOptions> options,
    Status.StatusAdmin status, IStringLocalizer<SharedResource> text, IncidentVersion version, PublicUrl links)
{
    public const int MaxReportLength = 4_000;

    /// <summary>The customer message kinds, each a template name of the plan.</summary>
    public static readonly IReadOnlyList<string> CustomerKinds = [PlanTemplates.CustomerSms, PlanTemplates.Announcement];

    private static string Culture => CultureInfo.CurrentUICulture.Name;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<TaskView>> TasksAsync(string idOrNumber, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(idOrNumber, ct: ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var tasks = await db.IncidentTasks.AsNoTracking().Where(t => t.IncidentId == incident.Id).OrderBy(t => t.Position).ToListAsync(ct);
        var names = await PeopleAsync(tasks.Select(t => t.OwnerId).OfType<string>(), ct);
        var now = Now;
        return tasks.Select(t => new TaskView(
            t.Id, t.Key, Culture.StartsWith("zh", StringComparison.Ordinal) ? t.TitleZh : t.TitleEn, t.RoleKey,
            t.RoleKey is null ? null : plan.FindRole(t.RoleKey)?.Name.In(Culture) ?? t.RoleKey,
            t.OwnerId is not null && names.TryGetValue(t.OwnerId, out var owner) ? new PersonRef(t.OwnerId, owner) : null,
            t.Stage, t.WithinMinutes, t.Deadline, t.State, t.State == TaskStates.Open && t.Deadline <= now, t.Reason, t.DoneAt, t.DoneByName,
            t.Mitigation, t.UpwardIndex is not null, t.Level)).ToList();
    }

    public Task<Incident> CompleteTaskAsync(string id, string taskId, string? note, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors().Text(note, "note", Incident.MaxNoteLength, required: false).ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var task = await OpenTaskAsync(incident, taskId, ct);
            if (task.UpwardIndex is not null)
                throw RequestException.Conflict("taskId", "An upward report is done by sending it: POST /api/v1/incidents/{id}/upward/{taskId} with its text.");
            Close(task, TaskStates.Done, Blank(note), user, now);
            incident.RecordResponse(TimelineKinds.TaskDone, user.Actor(), Blank(note), task.Key, task.TitleEn, now);
            if (task.Mitigation)
                incident.RecordMitigation(task.TitleEn, user.Actor(), now);
        }, ct);
    }

    public Task<Incident> SkipTaskAsync(string id, string taskId, string? reason, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Check(!string.IsNullOrWhiteSpace(reason), "reason", "Skipping a task needs a reason: say why the step is not needed or cannot be done.")
            .Text(reason, "reason", Incident.MaxNoteLength)
            .ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var task = await OpenTaskAsync(incident, taskId, ct);
            Close(task, TaskStates.Skipped, reason!.Trim(), user, now);
            incident.RecordResponse(TimelineKinds.TaskSkipped, user.Actor(), reason.Trim(), task.Key, task.TitleEn, now);
        }, ct);
    }

    public Task<Incident> ReassignTaskAsync(string id, string taskId, string? personId, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors().Check(!string.IsNullOrWhiteSpace(personId), "personId", "personId is required: the id of a person from GET /api/v1/people.").ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var task = await OpenTaskAsync(incident, taskId, ct);
            var person = await ActivePersonAsync(personId!, ct);
            var before = task.OwnerId;
            task.OwnerId = person.Id;
            incident.RecordResponse(TimelineKinds.TaskReassigned, user.Actor(), null, task.Key, person.DisplayName, now);
            db.Record(user, "incident.task_reassigned", "incident_task", task.Id, new { ownerId = before }, new { ownerId = person.Id }, now);
        }, ct);
    }

    public async Task<IReadOnlyList<RoleView>> RolesAsync(string idOrNumber, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(idOrNumber, ct: ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var rows = await db.IncidentRoles.AsNoTracking().Where(r => r.IncidentId == incident.Id).OrderBy(r => r.AssignedAt).ThenBy(r => r.Id).ToListAsync(ct);
        var names = await PeopleAsync(rows.Select(r => r.PersonId), ct);
        var views = plan.Roles.Select(role => new RoleView(role.Key, role.Name.In(Culture), role.Group,
            rows.Where(r => r.RoleKey == role.Key).Select(r => new PersonRef(r.PersonId, names.GetValueOrDefault(r.PersonId, r.PersonId))).ToList())).ToList();
        // A role a later plan version dropped still shows who held it.
        views.AddRange(rows.Where(r => plan.FindRole(r.RoleKey) is null).GroupBy(r => r.RoleKey).Select(g => new RoleView(g.Key, g.Key, true,
            g.Select(r => new PersonRef(r.PersonId, names.GetValueOrDefault(r.PersonId, r.PersonId))).ToList())));
        return views;
    }

    /// <summary>
    /// Puts a person in a role. A single role (the commander) holds one person, so assigning it
    /// replaces whoever held it; <see cref="RoleRequest.Replace"/> does the same for a group.
    /// Open tasks of the role with no owner, or owned by someone replaced, go to the new person.
    /// </summary>
    public Task<Incident> AssignRoleAsync(string id, RoleRequest request, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Check(!string.IsNullOrWhiteSpace(request.Role), "role", "role is required: a role key of the incident's plan, such as commander.")
            .Check(!string.IsNullOrWhiteSpace(request.PersonId), "personId", "personId is required: the id of a person from GET /api/v1/people.")
            .ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var role = plan.FindRole(request.Role!)
                ?? throw RequestException.Invalid("role", $"'{request.Role}' is not a role of this plan; use one of {string.Join(", ", plan.Roles.Select(r => r.Key))}.");
            var person = await ActivePersonAsync(request.PersonId!, ct);
            var held = await db.IncidentRoles.Where(r => r.IncidentId == incident.Id && r.RoleKey == role.Key).ToListAsync(ct);
            if (held.Any(r => r.PersonId == person.Id))
                throw RequestException.Conflict("personId", $"{person.DisplayName} already holds the role {role.Name.In(Culture)}.");
            var replaced = !role.Group || request.Replace ? held : [];
            db.IncidentRoles.RemoveRange(replaced);
            db.IncidentRoles.Add(new IncidentRoleAssignment { IncidentId = incident.Id, RoleKey = role.Key, PersonId = person.Id, AssignedAt = now, AssignedBy = user.Actor().Name });
            var gone = replaced.Select(r => r.PersonId).ToHashSet();
            foreach (var task in await db.IncidentTasks.Where(t => t.IncidentId == incident.Id && t.RoleKey == role.Key && t.State == TaskStates.Open).ToListAsync(ct))
                if (task.OwnerId is null || gone.Contains(task.OwnerId))
                    task.OwnerId = person.Id;
            var replacedNames = await ResponseSync.NamesAsync(db, gone.ToList(), ct);
            incident.RecordResponse(TimelineKinds.RoleAssigned, user.Actor(), replaced.Count > 0 ? replacedNames : null, role.Key, person.DisplayName, now);
            db.Record(user, "incident.role_assigned", "incident", incident.Id, new { role = role.Key, people = gone }, new { role = role.Key, personId = person.Id }, now);
        }, ct);
    }

    public Task<Incident> UnassignRoleAsync(string id, string roleKey, string personId, ClaimsPrincipal user, CancellationToken ct = default) =>
        incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var row = await db.IncidentRoles.FirstOrDefaultAsync(r => r.IncidentId == incident.Id && r.RoleKey == roleKey && r.PersonId == personId, ct)
                ?? throw RequestException.NotFound("role assignment", $"{roleKey}/{personId}");
            db.IncidentRoles.Remove(row);
            var next = await db.IncidentRoles.Where(r => r.IncidentId == incident.Id && r.RoleKey == roleKey && r.Id != row.Id)
                .OrderBy(r => r.AssignedAt).Select(r => r.PersonId).FirstOrDefaultAsync(ct);
            foreach (var task in await db.IncidentTasks.Where(t => t.IncidentId == incident.Id && t.OwnerId == personId && t.RoleKey == roleKey && t.State == TaskStates.Open).ToListAsync(ct))
                task.OwnerId = next;
            var name = await ResponseSync.NamesAsync(db, [personId], ct);
            incident.RecordResponse(TimelineKinds.RoleUnassigned, user.Actor(), null, roleKey, name, now);
            db.Record(user, "incident.role_unassigned", "incident", incident.Id, new { role = roleKey, personId }, null, now);
        }, ct);

    /// <summary>Sets or clears the category; the new category's tasks are added.</summary>
    public Task<Incident> SetCategoryAsync(string id, string? category, ClaimsPrincipal user, CancellationToken ct = default) =>
        incidents.ApplyAsync(id, (incident, plan, now) =>
        {
            var before = incident.Category;
            if (incident.SetCategory(category, plan, user.Actor(), now))
                db.Record(user, "incident.category_changed", "incident", incident.Id, new { category = before }, new { category = incident.Category }, now);
            return Task.CompletedTask;
        }, ct);

    public async Task<IReadOnlyList<UpwardView>> UpwardAsync(string idOrNumber, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(idOrNumber, ct: ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var tasks = await db.IncidentTasks.AsNoTracking().Where(t => t.IncidentId == incident.Id && t.UpwardIndex != null).OrderBy(t => t.Position).ToListAsync(ct);
        var sent = await MessagesAsync(incident.Id, ct);
        var views = new List<UpwardView>();
        foreach (var task in tasks)
        {
            var rule = task.UpwardIndex < plan.ReportUpward.Count ? plan.ReportUpward[task.UpwardIndex.Value] : null;
            var people = rule is null ? [] : await db.People.AsNoTracking().Where(p => rule.People.Contains(p.Email) && p.Active)
                .Select(p => new PersonRef(p.Id, p.DisplayName)).ToListAsync(ct);
            var (draft, problem) = rule is null ? ("", "The plan no longer has this report.") : await DraftAsync(incident, plan, rule.Template, people.Count, ct);
            views.Add(new UpwardView(task.Id, rule?.To.In(Culture) ?? task.Key, people, rule?.Channels ?? [], task.Deadline, task.State, draft, problem,
                sent.Where(m => m.TaskId == task.Id).ToList()));
        }
        return views;
    }

    /// <summary>
    /// Sends an upward report: the text (edited from the template) to the rule's people by their
    /// contact methods of the rule's channels, kept as sent; the task is done.
    /// </summary>
    public Task<Incident> SendUpwardAsync(string id, string taskId, string? text, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors().Text(text, "text", MaxReportLength).ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var task = await db.IncidentTasks.FirstOrDefaultAsync(t => t.Id == taskId && t.IncidentId == incident.Id && t.UpwardIndex != null, ct)
                ?? throw RequestException.NotFound("upward report task", taskId);
            if (task.UpwardIndex >= plan.ReportUpward.Count)
                throw RequestException.Unprocessable("taskId", "The incident's plan version has no such upward report rule.");
            var rule = plan.ReportUpward[task.UpwardIndex!.Value];
            if (!plan.Templates.ContainsKey(rule.Template))
                throw RequestException.Unprocessable("template", $"The plan has no template '{rule.Template}' for this report; add it to the plan's templates.");
            var people = await db.People.AsNoTracking().Where(p => rule.People.Contains(p.Email) && p.Active).ToListAsync(ct);
            if (people.Count == 0)
                throw RequestException.Unprocessable("people", rule.People.Count == 0
                    ? $"The plan names nobody to report to {rule.To.En}; add people (emails) to the rule."
                    : $"None of {string.Join(", ", rule.People)} is an active person in Muster; add them under People.");
            var message = new IncidentMessage
            {
                IncidentId = incident.Id,
                Kind = ResponseSync.UpwardKind,
                TaskId = task.Id,
                Recipients = $"{rule.To.In(Culture)}: {string.Join(", ", people.Select(p => p.DisplayName))}",
                Text = text!.Trim(),
                SentAt = now,
                SentById = user.Actor().Id,
                SentByName = user.Actor().Name,
            };
            db.IncidentMessages.Add(message);
            var queued = await ResponseSync.NotifyAsync(db, incident.Id, people.Select(p => p.Id).ToList(), rule.Channels, ResponseSync.UpwardKind, message.Id, now, ct);
            if (task.State == TaskStates.Open)
                Close(task, TaskStates.Done, null, user, now);
            incident.RecordResponse(TimelineKinds.ReportedUpward, user.Actor(), message.Text, rule.To.En,
                $"{string.Join(", ", people.Select(p => p.DisplayName))} ({queued})", now);
        }, ct);
    }

    public async Task<IReadOnlyList<MessageView>> MessagesAsync(string incidentId, CancellationToken ct = default)
    {
        var rows = await db.IncidentMessages.AsNoTracking().Where(m => m.IncidentId == incidentId).OrderBy(m => m.SentAt).ToListAsync(ct);
        var deliveries = await CustomerMessages.DeliveriesAsync(db, rows.Select(m => m.Id).ToList(), ct);
        var updateIds = rows.Select(m => m.StatusUpdateId).OfType<string>().ToList();
        var states = await db.StatusUpdates.AsNoTracking().Where(u => updateIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.State, ct);
        return rows.Select(m => new MessageView(m.Id, m.Kind, m.TaskId, m.Recipients, m.Text, m.SentAt, m.SentByName, deliveries[m.Id].ToList(),
            m.StatusUpdateId, m.StatusUpdateId is { } u ? states.GetValueOrDefault(u) : null)).ToList();
    }

    /// <summary>A customer message (SMS, announcement) drafted from the plan's template in a language (the page's by default), or a problem when the plan has none.</summary>
    public async Task<(string Text, string? Problem)> DraftCustomerAsync(string idOrNumber, string kind, string? culture = null, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(idOrNumber, ct: ct);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var previous = CultureInfo.CurrentUICulture;
        if (culture is not null)
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            return await DraftAsync(incident, plan, kind, 1, ct);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary>
    /// Sends a customer message and keeps it as sent. A customer SMS goes to each reachable reporter
    /// (less the 退订 list) through the SMS channel, one queued message each; an announcement becomes
    /// a status-page update for the incident (waiting for an approver at levels 1 and 2) and, once
    /// public, a post to the plan's channels. A drill sends nothing unless its scenario allows it.
    /// </summary>
    public async Task<Incident> SendCustomerMessageAsync(string id, MessageRequest request, ClaimsPrincipal user, CancellationToken ct = default)
    {
        var announcement = request.Kind == CustomerMessages.AnnouncementKind;
        var errors = new Problems.Errors()
            .Check(request.Kind is not null && CustomerKinds.Contains(request.Kind), "kind", $"kind is one of: {string.Join(", ", CustomerKinds)}.")
            .Text(request.Text, "text", MaxReportLength, required: !announcement || Blank(request.TextZh) is null || Blank(request.TextEn) is null)
            .Text(request.TextZh, "textZh", MaxReportLength, required: false)
            .Text(request.TextEn, "textEn", MaxReportLength, required: false);
        errors.ThrowIfAny();
        var incident = await incidents.FindAsync(id, ct: ct);
        if (!await Drills.DrillActions.CustomerMessagesAllowedAsync(db, incident.Id, ct))
            throw RequestException.Conflict("kind", $"{incident.Reference} is a drill whose scenario does not allow customer messages: nothing was sent. " +
                "Allow them on the drill scenario (customerMessages: true) to rehearse them for real.");
        return announcement ? await AnnounceAsync(incident, request, user, ct) : await SendSmsAsync(incident, request.Text!.Trim(), user, ct);
    }

    private async Task<Incident> SendSmsAsync(Incident found, string body, ClaimsPrincipal user, CancellationToken ct)
    {
        var (reachable, optedOut) = await CustomerMessages.SmsAudienceAsync(db, found.Id, ct);
        if (reachable.Count == 0)
            throw RequestException.Unprocessable("kind", optedOut.Count > 0
                ? $"Every reporter of {found.Reference} who left a phone number replied 退订 (opted out): nobody can be sent an SMS."
                : $"No reporter of {found.Reference} left a phone number (or the numbers were purged): a customer SMS goes to the incident's reporters who did. Use an announcement for everyone.");
        if (!await CustomerMessages.SmsChannelAsync(db, ct))
            throw RequestException.Unprocessable("kind", "No enabled SMS channel: an administrator adds one under Channels (Aliyun, Tencent, Twilio or an HTTP gateway).");
        var optOut = text["messages.sms_optout"].Value;
        var sent = body.Contains("退订", StringComparison.Ordinal) || body.Contains("STOP", StringComparison.OrdinalIgnoreCase) ? body : $"{body} {optOut}";
        return await incidents.ApplyAsync(found.Id, async (incident, plan, now) =>
        {
            var recipients = $"{reachable.Count} reporter(s) by SMS: {string.Join(", ", reachable.Select(SmsReplies.Mask))}"
                + (optedOut.Count > 0 ? $"; not sent to {optedOut.Count} who replied 退订: {string.Join(", ", optedOut.Select(SmsReplies.Mask))}" : "");
            var message = new IncidentMessage
            {
                IncidentId = incident.Id,
                Kind = CustomerMessages.SmsKind,
                Recipients = recipients,
                Text = sent,
                SentAt = now,
                SentById = user.Actor().Id,
                SentByName = user.Actor().Name,
            };
            db.IncidentMessages.Add(message);
            foreach (var phone in reachable)
                await Outbox.QueueAsync(db, "sms", phone, incident.Id, CustomerMessages.SmsKind, now, now, ct, subjectId: message.Id);
            incident.RecordResponse(TimelineKinds.CustomerMessage, user.Actor(), sent, recipients, CustomerMessages.SmsKind, now);
            db.Record(user, "incident.customer_message_sent", "incident", incident.Id, null,
                new { message.Id, kind = CustomerMessages.SmsKind, recipients, text = sent }, now);
        }, ct);
    }

    private async Task<Incident> AnnounceAsync(Incident found, MessageRequest request, ClaimsPrincipal user, CancellationToken ct)
    {
        var zh = Blank(request.TextZh) ?? request.Text!.Trim();
        var en = Blank(request.TextEn) ?? request.Text!.Trim();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The status page is where announcements go: the incident's post gets an update (a new post when it has none).
        var post = await db.StatusPosts.AsNoTracking().FirstOrDefaultAsync(p => p.IncidentId == found.Id, ct);
        var last = post is null ? null : await db.StatusUpdates.AsNoTracking().Where(u => u.PostId == post.Id)
            .OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id).Select(u => u.Status).FirstOrDefaultAsync(ct);
        var statusKey = !found.IsOpen ? "resolved" : last is null or "resolved" ? "investigating" : last;
        var postId = post?.Id ?? await status.CreateIncidentPostAsync(new Status.PostRequest(found.Id, Status: statusKey, TextZh: zh, TextEn: en), user, ct);
        if (post is not null)
            await status.AddUpdateAsync(post.Id, new Status.UpdateRequest(statusKey, zh, en), user, ct);
        var update = await db.StatusUpdates.AsNoTracking().Where(u => u.PostId == postId).OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id).FirstAsync(ct);
        var result = await incidents.ApplyAsync(found.Id, async (incident, plan, now) =>
        {
            var message = new IncidentMessage
            {
                IncidentId = incident.Id,
                Kind = CustomerMessages.AnnouncementKind,
                Text = Culture.StartsWith("zh", StringComparison.Ordinal) ? zh : en,
                SentAt = now,
                SentById = user.Actor().Id,
                SentByName = user.Actor().Name,
                StatusUpdateId = update.Id,
            };
            var published = update.State == Status.StatusStates.Published;
            var channels = published ? await CustomerMessages.QueueChannelsAsync(db, plan, incident.Id, message.Id, now, ct) : [];
            var named = plan.Communication?.Channels ?? [];
            message.Recipients = (published ? "status page (published)" : "status page (waiting for approval)")
                + (named.Count == 0 ? "" : published ? $"; channels: {string.Join(", ", channels)}" : $"; channels once approved: {string.Join(", ", named)}");
            db.IncidentMessages.Add(message);
            incident.RecordResponse(TimelineKinds.CustomerMessage, user.Actor(), message.Text, message.Recipients, CustomerMessages.AnnouncementKind, now);
            db.Record(user, "incident.customer_message_sent", "incident", incident.Id, null,
                new { message.Id, kind = CustomerMessages.AnnouncementKind, recipients = message.Recipients, textZh = zh, textEn = en, statusUpdateId = update.Id }, now);
        }, ct);
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Merges this incident into another: its alerts, reports, tasks, roles, messages and timeline
    /// move to the surviving incident, and it is closed as merged, with a link to it.
    /// </summary>
    public async Task<Incident> MergeAsync(string id, string? into, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors().Check(!string.IsNullOrWhiteSpace(into), "into", "into is required: the id or number (INC-1042) of the incident that stays.").ThrowIfAny();
        var merged = await incidents.FindAsync(id, ct: ct);
        var survivor = await incidents.FindAsync(into!, ct: ct);
        if (survivor.Id == merged.Id)
            throw RequestException.Invalid("into", "An incident cannot be merged into itself.");
        if (merged.MergedIntoId is not null || !survivor.IsOpen)
            throw RequestException.Conflict("into", merged.MergedIntoId is not null ? $"{merged.Reference} was already merged." : $"{survivor.Reference} is not open; merge into an open incident.");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = Now;
        // The rows move first, in bulk; then both incidents are loaded and their timelines written.
        await db.TimelineEntries.Where(e => e.IncidentId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.IncidentId, survivor.Id), ct);
        await db.Alerts.Where(a => a.IncidentId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.IncidentId, survivor.Id), ct);
        await db.Reports.Where(r => r.IncidentId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.IncidentId, survivor.Id), ct);
        await db.IncidentMessages.Where(m => m.IncidentId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.IncidentId, survivor.Id), ct);
        var survivorKeys = await db.IncidentTasks.Where(t => t.IncidentId == survivor.Id).Select(t => t.Key).ToListAsync(ct);
        await db.IncidentTasks.Where(t => t.IncidentId == merged.Id && !survivorKeys.Contains(t.Key))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.IncidentId, survivor.Id), ct);
        await db.IncidentTasks.Where(t => t.IncidentId == merged.Id && t.State == TaskStates.Open)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TaskStates.Skipped).SetProperty(t => t.Reason, $"merged into {survivor.Reference}").SetProperty(t => t.DoneAt, now), ct);
        var survivorRoles = await db.IncidentRoles.Where(r => r.IncidentId == survivor.Id).Select(r => r.RoleKey + "/" + r.PersonId).ToListAsync(ct);
        await db.IncidentRoles.Where(r => r.IncidentId == merged.Id && !survivorRoles.Contains(r.RoleKey + "/" + r.PersonId))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.IncidentId, survivor.Id), ct);

        var result = await incidents.ApplyAsync(survivor.Id, async (kept, plan, at) =>
        {
            // Read here, not before: a change read again after a conflict reads the merged incident again too.
            var loser = await db.Incidents.FirstAsync(i => i.Id == merged.Id, ct);
            version.Check(loser);
            var before = loser.Status;
            loser.MergeInto(kept, user.Actor(), at);
            await incidents.SyncPagingAsync(loser, before, at, ct);
            await db.CancelAsync($"{IncidentActions.ClockWork}:{loser.Id}", ct);
            await db.CancelAsync(ResponseSync.OverdueKey(loser.Id), ct);
            db.Record(user, "incident.merged", "incident", loser.Id, null, new { into = kept.Id }, at);
        }, checkVersion: false, ct);
        await transaction.CommitAsync(ct);
        return result;
    }

    public async Task<IReadOnlyList<LinkView>> LinksAsync(string idOrNumber, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(idOrNumber, ct: ct);
        var links = await db.IncidentLinks.AsNoTracking().Where(l => l.IncidentId == incident.Id || l.OtherId == incident.Id).ToListAsync(ct);
        var others = links.Select(l => l.IncidentId == incident.Id ? l.OtherId : l.IncidentId).ToList();
        var rows = await db.Incidents.AsNoTracking().Where(i => others.Contains(i.Id) || i.MergedIntoId == incident.Id || i.Id == incident.MergedIntoId)
            .Select(i => new { i.Id, i.Number, i.Title, i.Status, i.MergedIntoId }).ToListAsync(ct);
        return rows.Select(r => new LinkView(r.Id, $"INC-{r.Number}", r.Title, r.Status.ToString().ToLowerInvariant(),
                links.FirstOrDefault(l => l.IncidentId == r.Id || l.OtherId == r.Id)?.Note,
                r.MergedIntoId == incident.Id || r.Id == incident.MergedIntoId))
            .OrderBy(l => l.Number, StringComparer.Ordinal).ToList();
    }

    public Task<Incident> LinkAsync(string id, LinkRequest request, ClaimsPrincipal user, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Check(!string.IsNullOrWhiteSpace(request.Other), "other", "other is required: the id or number (INC-1042) of the related incident.")
            .Text(request.Note, "note", Incident.MaxNoteLength, required: false)
            .ThrowIfAny();
        return incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var other = await db.Incidents.Include(i => i.Timeline).FirstOrDefaultAsync(i => i.Id == (request.Other!.StartsWith("INC-", StringComparison.OrdinalIgnoreCase) ? "" : request.Other), ct)
                ?? await NumberedAsync(request.Other!, ct)
                ?? throw RequestException.NotFound("incident", request.Other!);
            if (other.Id == incident.Id)
                throw RequestException.Invalid("other", "An incident cannot be linked to itself.");
            if (await db.IncidentLinks.AnyAsync(l => (l.IncidentId == incident.Id && l.OtherId == other.Id) || (l.IncidentId == other.Id && l.OtherId == incident.Id), ct))
                throw RequestException.Conflict("other", $"{incident.Reference} and {other.Reference} are already linked.");
            db.IncidentLinks.Add(new IncidentLink { IncidentId = incident.Id, OtherId = other.Id, Note = Blank(request.Note), CreatedAt = now, CreatedBy = user.Actor().Name });
            incident.RecordResponse(TimelineKinds.Linked, user.Actor(), Blank(request.Note), null, other.Reference, now);
            other.RecordResponse(TimelineKinds.Linked, user.Actor(), Blank(request.Note), null, incident.Reference, now);
        }, ct);
    }

    public Task<Incident> UnlinkAsync(string id, string otherId, ClaimsPrincipal user, CancellationToken ct = default) =>
        incidents.ApplyAsync(id, async (incident, plan, now) =>
        {
            var other = await incidents.FindAsync(otherId, track: true, ct);
            var link = await db.IncidentLinks.FirstOrDefaultAsync(l => (l.IncidentId == incident.Id && l.OtherId == other.Id) || (l.IncidentId == other.Id && l.OtherId == incident.Id), ct)
                ?? throw RequestException.NotFound("link", $"{incident.Reference} – {other.Reference}");
            db.IncidentLinks.Remove(link);
            incident.RecordResponse(TimelineKinds.Unlinked, user.Actor(), null, null, other.Reference, now);
            other.RecordResponse(TimelineKinds.Unlinked, user.Actor(), null, null, incident.Reference, now);
        }, ct);

    /// <summary>The values a template's placeholders are filled with, in the current language.</summary>
    public async Task<Dictionary<string, string?>> ValuesAsync(Incident incident, PlanDefinition plan, CancellationToken ct = default)
    {
        var zone = options.Value.Zone;
        string Local(DateTime? utc) => utc is { } t ? TimeZoneInfo.ConvertTimeFromUtc(t, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
        var service = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
        var commanderId = await db.IncidentRoles.Where(r => r.IncidentId == incident.Id && r.RoleKey == TaskOverdueWork.CommanderRole)
            .OrderBy(r => r.AssignedAt).Select(r => r.PersonId).FirstOrDefaultAsync(ct);
        var commander = commanderId is null ? "" : await db.People.Where(p => p.Id == commanderId).Select(p => p.DisplayName).FirstAsync(ct);
        var impact = incident.Impact;
        var facts = new List<string>();
        if (impact.AffectedUsers is { } users)
            facts.Add(Culture.StartsWith("zh", StringComparison.Ordinal) ? $"影响用户 {users}" : $"{users} users affected");
        if (impact.AvailabilityPercent is { } availability)
            facts.Add(Culture.StartsWith("zh", StringComparison.Ordinal) ? $"可用率 {availability}%" : $"availability {availability}%");
        var baseUrl = links.Base;
        return new Dictionary<string, string?>
        {
            ["reference"] = incident.Reference,
            ["title"] = incident.Title,
            ["service"] = service,
            ["level"] = incident.SeverityLevel,
            ["levelName"] = plan.FindLevel(incident.SeverityLevel)?.Name.In(Culture) ?? incident.SeverityLevel,
            ["status"] = incident.Status.ToString().ToLowerInvariant(),
            ["startedAt"] = Local(incident.StartedAt),
            ["declaredAt"] = Local(incident.DeclaredAt),
            ["impact"] = string.Join(Culture.StartsWith("zh", StringComparison.Ordinal) ? "，" : ", ", facts),
            ["affectedUsers"] = impact.AffectedUsers?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["eta"] = "",
            ["statusUrl"] = $"{baseUrl}/status",
            ["commander"] = commander,
            ["plan"] = plan.Name.In(Culture),
            ["now"] = Local(Now),
        };
    }

    private async Task<(string Text, string? Problem)> DraftAsync(Incident incident, PlanDefinition plan, string template, int people, CancellationToken ct)
    {
        if (!plan.Templates.TryGetValue(template, out var text))
            return ("", $"The plan has no template '{template}'; add it to the plan's templates.");
        var draft = PlanTemplates.Render(text.In(Culture), await ValuesAsync(incident, plan, ct));
        return (draft, people == 0 ? "The plan names nobody in Muster to send this to; add the people (by email) to the rule and under People." : null);
    }

    private async Task<Incident?> NumberedAsync(string reference, CancellationToken ct)
    {
        var digits = reference.StartsWith("INC-", StringComparison.OrdinalIgnoreCase) ? reference[4..] : reference;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? await db.Incidents.Include(i => i.Timeline).FirstOrDefaultAsync(i => i.Number == number, ct)
            : null;
    }

    private async Task<IncidentTask> OpenTaskAsync(Incident incident, string taskId, CancellationToken ct)
    {
        var task = await db.IncidentTasks.FirstOrDefaultAsync(t => (t.Id == taskId || t.Key == taskId) && t.IncidentId == incident.Id, ct)
            ?? throw RequestException.NotFound("task", taskId);
        return task.State == TaskStates.Open ? task : throw RequestException.Conflict("state", $"The task '{task.TitleEn}' is already {task.State}.");
    }

    private async Task<Person> ActivePersonAsync(string personId, CancellationToken ct) =>
        await db.People.AsNoTracking().FirstOrDefaultAsync(p => (p.Id == personId || p.Email == personId) && p.Active, ct)
        ?? throw RequestException.Unprocessable("personId", $"There is no active person '{personId}'; use an id from GET /api/v1/people.");

    private async Task<Dictionary<string, string>> PeopleAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        return await db.People.AsNoTracking().Where(p => list.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
    }

    private static void Close(IncidentTask task, string state, string? reason, ClaimsPrincipal user, DateTime now)
    {
        task.State = state;
        task.Reason = reason;
        task.DoneAt = now;
        task.DoneById = user.Actor().Id;
        task.DoneByName = user.Actor().Name;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
