using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>
/// Sends one queued message. Idempotent: a message sent is never sent again, and its id is the
/// idempotency key the channels pass on, so a retry after a crash is the same message. About one
/// message a minute reaches a contact method; what comes in between is bundled into the next.
/// </summary>
public sealed class DeliveryWork(MusterDb db, NotificationChannels channels, PlanCatalog plans, TimeProvider time, WorkSignal signal,
    IConfiguration configuration, IOptions<MusterOptions> options, PublicUrl links, IStringLocalizer<SharedResource> text, ILogger<DeliveryWork> logger) : IWorkHandler
{
    public static readonly TimeSpan Throttle = TimeSpan.FromMinutes(1);
    public const int MaxAttempts = 5;

    public string Kind => Paging.DeliverWork;

    /// <summary>Messages that say their own thing: never bundled with pages, nor bundling them.</summary>
    private static bool OwnText(string kind) => OwnTextKinds.Contains(kind);

    private static readonly string[] OwnTextKinds =
        ["test", Room.ResponseSync.UpwardKind, Room.ResponseSync.OverdueKind, Reviews.ReviewWork.ReminderKind, Drills.DrillWork.ReminderKind,
            Room.CustomerMessages.SmsKind, Room.CustomerMessages.AnnouncementKind];

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var notification = await db.Notifications.FirstOrDefaultAsync(n => n.Id == item.Payload, ct);
        if (notification is not { Status: "queued" })
            return;
        var incident = notification.IncidentId is null ? null : await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == notification.IncidentId, ct);
        if (notification.Kind == "page" && incident is { Status: not IncidentStatus.Triggered })
        {
            Finish(notification, "cancelled", "acknowledged before it was sent");
            await db.SaveChangesAsync(ct);
            return;
        }
        if (notification.PersonId is null && notification.ChannelId is not null)
        {
            await SendToGroupAsync(notification, incident, now, ct);
            return;
        }
        if (notification.PersonId is null && notification.Address is not null)
        {
            await SendToAddressAsync(notification, incident, now, ct);
            return;
        }
        var method = notification.ContactMethodId is null ? null : await db.ContactMethods.AsNoTracking().FirstOrDefaultAsync(m => m.Id == notification.ContactMethodId, ct);
        var person = notification.PersonId is null ? null : await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == notification.PersonId, ct);
        if (method is null || person is null || method.StoppedAt is not null)
        {
            await FailAsync(notification, incident, person, method?.StoppedReason is { } why ? $"stopped: {why}" : "the contact method no longer exists", now, ct);
            return;
        }

        // About one message a minute per contact method: wait for the minute, then send what gathered as one.
        // A page never waits behind a reminder or an overdue-task message: each kind of message is throttled among its own.
        var own = OwnText(notification.Kind);
        var lastSent = await db.Notifications.Where(n => n.ContactMethodId == method.Id && n.SentAt != null && OwnTextKinds.Contains(n.Kind) == own)
            .MaxAsync(n => n.SentAt, ct);
        if (lastSent is { } last && now - last < Throttle && notification.Kind != "test")
        {
            await db.ScheduleAsync(Paging.DeliverWork, item.Key, last + Throttle, notification.Id, now, ct);
            await db.SaveChangesAsync(ct);
            return;
        }
        // Reports upward, overdue tasks and reminders carry their own text: they are neither bundled nor bundle others.
        var bundled = OwnText(notification.Kind) ? [] : await db.Notifications
            .Where(n => n.ContactMethodId == method.Id && n.Status == "queued" && n.Id != notification.Id && n.DueAt <= now
                && n.Kind != Room.ResponseSync.UpwardKind && n.Kind != Room.ResponseSync.OverdueKind
                && n.Kind != Reviews.ReviewWork.ReminderKind && n.Kind != Drills.DrillWork.ReminderKind)
            .ToListAsync(ct);

        var message = await RenderAsync(notification, incident, bundled, person, ct);
        var result = await SendAsync(method, message, ct);
        notification.Attempts++;
        switch (result.Status)
        {
            case DeliveryStatus.Sent:
                Finish(notification, "sent", result.Detail);
                notification.SentAt = now;
                notification.ProviderId = result.ProviderId;
                foreach (var other in bundled)
                {
                    Finish(other, "bundled", $"sent together with {notification.Id}");
                    other.SentAt = now;
                    await db.CancelAsync(Paging.DeliverKey(other.Id), ct);
                }
                break;
            case DeliveryStatus.RateLimited or DeliveryStatus.Retry when notification.Attempts < MaxAttempts:
                notification.Detail = result.Detail;
                var wait = result.RetryAfter ?? TimeSpan.FromSeconds(15 * Math.Pow(2, notification.Attempts - 1));
                await db.ScheduleAsync(Paging.DeliverWork, item.Key, now + wait, notification.Id, now, ct);
                break;
            default:
                await FailAsync(notification, incident, person, result.Detail ?? result.Status.ToString(), now, ct);
                return;
        }
        if (notification.Status == "sent")
            await SaveDoneAsync(item, ct);
        else
            await db.SaveChangesAsync(ct);
        logger.LogInformation("Notification {Id} to a {Type} method: {Status}.", notification.Id, method.Type, notification.Status);
    }

    /// <summary>A post to a group robot (the plan's "IM to everyone"), @mentioning who is on call for the service.</summary>
    private async Task SendToGroupAsync(Notification notification, Incident? incident, DateTime now, CancellationToken ct)
    {
        var channel = await db.NotificationChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == notification.ChannelId && c.Enabled, ct);
        if (channel is null || incident is null)
        {
            Finish(notification, "failed", "the channel was removed or turned off");
            await db.SaveChangesAsync(ct);
            return;
        }
        OutgoingMessage message;
        Recipient recipient;
        if (notification.Kind == Room.CustomerMessages.AnnouncementKind)
        {
            // An announcement says what the room wrote, to the group, mentioning nobody.
            var kept = await db.IncidentMessages.AsNoTracking().Where(m => m.Id == notification.SubjectId).Select(m => m.Text).FirstOrDefaultAsync(ct) ?? "";
            var url = links.To("/status");
            message = new OutgoingMessage(notification.Kind, $"{incident.Reference} {incident.Title}", $"{kept}\n\n{url}", kept, null, null, url,
                new Dictionary<string, string> { ["number"] = incident.Reference, ["title"] = incident.Title, ["text"] = kept, ["url"] = url }, "zh-CN", incident.Drill, notification.Id);
            recipient = Recipient.Group;
        }
        else
        {
            var onCall = (await OnCall.OnCallLookup.ForServiceAsync(db, incident.ServiceId, now, ct)).Select(p => p.PersonId).ToList();
            var phones = await db.People.AsNoTracking().Where(p => onCall.Contains(p.Id) && p.Phone != null).Select(p => p.Phone!).ToListAsync(ct);
            message = await RenderAsync(notification, incident, [], null, ct);
            recipient = new Recipient(MentionPhones: phones);
        }
        var result = await channels.SendAsync(channel.Type, channel.Settings, recipient, message, ct);
        notification.Attempts++;
        if (result.Status == DeliveryStatus.Sent)
        {
            Finish(notification, "sent", result.Detail);
            notification.SentAt = now;
        }
        else if (result.Status is DeliveryStatus.Retry or DeliveryStatus.RateLimited && notification.Attempts < MaxAttempts)
        {
            notification.Detail = result.Detail;
            await db.ScheduleAsync(Paging.DeliverWork, Paging.DeliverKey(notification.Id), now + (result.RetryAfter ?? TimeSpan.FromSeconds(15 * notification.Attempts)), notification.Id, now, ct);
        }
        else
        {
            Finish(notification, "failed", result.Detail);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// A customer SMS to a reporter's phone: the text as the room sent it, through the first enabled
    /// SMS channel, unless the number replied 退订 meanwhile.
    /// </summary>
    private async Task SendToAddressAsync(Notification notification, Incident? incident, DateTime now, CancellationToken ct)
    {
        var kept = notification.SubjectId is null ? null : await db.IncidentMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == notification.SubjectId, ct);
        var address = notification.Address!;
        if (kept is null || incident is null)
        {
            Finish(notification, "failed", "the message or its incident no longer exists");
            await db.SaveChangesAsync(ct);
            return;
        }
        if ((await SmsReplies.OptedOutAsync(db, [address], ct)).Count > 0)
        {
            Finish(notification, "cancelled", "the number replied 退订 (opted out)");
            await db.SaveChangesAsync(ct);
            return;
        }
        var types = ContactTypes.ChannelTypesFor(notification.Type);
        var channel = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled && types.Contains(c.Type)).OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(ct);
        var statusUrl = links.To("/status");
        var message = new OutgoingMessage(notification.Kind, incident.Reference, kept.Text, kept.Text, null, null, statusUrl,
            new Dictionary<string, string> { ["number"] = incident.Reference, ["title"] = incident.Title, ["text"] = kept.Text, ["url"] = statusUrl },
            "zh-CN", incident.Drill, notification.Id);
        var result = channel is null
            ? DeliveryResult.Failed($"no enabled channel carries {notification.Type}: an administrator adds one under Channels")
            : await channels.SendAsync(channel.Type, channel.Settings, new Recipient(Phone: address), message, ct);
        notification.Attempts++;
        if (result.Status == DeliveryStatus.Sent)
        {
            Finish(notification, "sent", result.Detail);
            notification.SentAt = now;
            notification.ProviderId = result.ProviderId;
        }
        else if (result.Status is DeliveryStatus.Retry or DeliveryStatus.RateLimited && notification.Attempts < MaxAttempts)
        {
            notification.Detail = result.Detail;
            var wait = result.RetryAfter ?? TimeSpan.FromSeconds(15 * Math.Pow(2, notification.Attempts - 1));
            await db.ScheduleAsync(Paging.DeliverWork, Paging.DeliverKey(notification.Id), now + wait, notification.Id, now, ct);
        }
        else
        {
            Finish(notification, "failed", result.Detail ?? result.Status.ToString());
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Notification {Id} ({Kind}) to an address: {Status}.", notification.Id, notification.Kind, notification.Status);
    }

    /// <summary>
    /// Records a message sent and removes its work item in one commit, rather than the runner's
    /// delete as a second one (on SQLite, each commit is a disk sync). When the item is already
    /// gone (an acknowledgement cancelled it while the message was on its way), the record still
    /// says what happened: it was sent.
    /// </summary>
    private async Task SaveDoneAsync(WorkItem item, CancellationToken ct)
    {
        var done = new WorkItem { Id = item.Id };
        db.WorkItems.Attach(done);
        db.WorkItems.Remove(done);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException e) when (e.Entries.All(x => x.Entity is WorkItem))
        {
            db.Entry(done).State = EntityState.Detached;
            await db.SaveChangesAsync(ct);
        }
        item.LeaseOwner = null;
    }

    private static void Finish(Notification notification, string status, string? detail)
    {
        notification.Status = status;
        notification.Detail = detail;
    }

    /// <summary>
    /// A failed message; when every message of the step to this person has failed, the person is not
    /// reached and the escalation moves on now rather than at the step's delay.
    /// </summary>
    private async Task FailAsync(Notification notification, Incident? incident, Person? person, string reason, DateTime now, CancellationToken ct)
    {
        Finish(notification, "failed", reason);
        if (incident is not null && person is not null && notification.Kind == "page")
        {
            var others = await db.Notifications.AnyAsync(n => n.IncidentId == incident.Id && n.PersonId == person.Id && n.Step == notification.Step
                && n.Round == notification.Round && n.Id != notification.Id && n.Status != "failed" && n.Status != "cancelled", ct);
            if (!others)
            {
                var tracked = await db.Incidents.FirstAsync(i => i.Id == incident.Id, ct);
                tracked.RecordNotReached(person.DisplayName, reason, now);
                var escalation = await db.WorkItems.FirstOrDefaultAsync(w => w.Key == Paging.EscalateKey(incident.Id), ct);
                if (escalation is not null && escalation.DueAt > now && tracked.Status == IncidentStatus.Triggered)
                {
                    escalation.DueAt = now;
                    signal.Notify();
                }
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task<DeliveryResult> SendAsync(ContactMethod method, OutgoingMessage message, CancellationToken ct)
    {
        if (method.Type == "email")
        {
            var smtp = SmtpSettings.FromConfiguration(configuration);
            if (string.IsNullOrWhiteSpace(smtp.Host))
                return DeliveryResult.Failed("email is not set up: set Muster__Smtp__Host and Muster__Smtp__From");
            var problems = smtp.Problems().ToList();
            return problems.Count > 0
                ? DeliveryResult.Failed($"email settings (Muster__Smtp__…): {string.Join("; ", problems)}")
                : await new EmailChannel(time).SendAsync(smtp, new Recipient(Email: method.Address), message, ct);
        }
        var compatible = ContactTypes.ChannelTypesFor(method.Type);
        var channel = await db.NotificationChannels.AsNoTracking()
            .Where(c => c.Enabled && (method.ChannelId != null ? c.Id == method.ChannelId : compatible.Contains(c.Type)))
            .OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(ct);
        if (channel is null)
            return DeliveryResult.Failed($"no enabled channel carries {method.Type}: an administrator adds one under Channels");
        var recipient = method.Type switch
        {
            "sms" or "voice" => new Recipient(Phone: method.Address),
            "dingtalk" or "wecom" => new Recipient(MentionPhones: [method.Address]),
            "feishu" or "slack" => new Recipient(MentionUserIds: [method.Address]),
            _ => Recipient.Group,
        };
        return await channels.SendAsync(channel.Type, channel.Settings, recipient, message, ct);
    }

    /// <summary>
    /// A report upward (the text as the sender wrote it) or an overdue task (which, whose, since
    /// when), in the recipient's language, with the incident's link.
    /// </summary>
    private async Task<OutgoingMessage> ResponseMessageAsync(Notification notification, Incident incident, string level, string service, string baseUrl,
        CultureInfo culture, CancellationToken ct)
    {
        var incidentUrl = $"{baseUrl}/incidents/{incident.Id}";
        var drill = incident.Drill ? text["notify.drill"] + " " : "";
        string title, body;
        if (notification.Kind == Room.ResponseSync.UpwardKind)
        {
            var report = await db.IncidentMessages.AsNoTracking().Where(m => m.Id == notification.SubjectId).Select(m => m.Text).FirstOrDefaultAsync(ct) ?? "";
            title = $"{drill}{text["notify.upward_title", level, incident.Reference, incident.Title]}";
            body = $"{report}\n\n{text["notify.open_link", incidentUrl]}";
        }
        else
        {
            var task = await db.IncidentTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == notification.SubjectId, ct);
            var taskTitle = task is null ? "" : culture.Name.StartsWith("zh", StringComparison.Ordinal) ? task.TitleZh : task.TitleEn;
            var due = task?.Deadline is { } d ? TimeZoneInfo.ConvertTimeFromUtc(d, options.Value.Zone).ToString("HH:mm", CultureInfo.InvariantCulture) : "";
            title = $"{drill}{text["notify.task_overdue_title", taskTitle, incident.Reference]}";
            body = string.Join('\n', text["notify.task_overdue_body", taskTitle, due], text["notify.level_service", level, service], text["notify.open_link", incidentUrl]);
        }
        var shortText = title.Length > 70 ? title[..69] + "…" : title;
        return new OutgoingMessage(notification.Kind, title, body, shortText, null, null, incidentUrl,
            new Dictionary<string, string> { ["level"] = level, ["service"] = service, ["title"] = incident.Title, ["number"] = incident.Reference, ["deadline"] = "", ["url"] = incidentUrl },
            culture.Name, incident.Drill, notification.Id);
    }

    /// <summary>The message in the recipient's language, short enough for SMS, with the level, service, the clock that matters, and the links.</summary>
    private async Task<OutgoingMessage> RenderAsync(Notification notification, Incident? incident, IReadOnlyList<Notification> bundled, Person? person, CancellationToken ct)
    {
        // A group has no language of its own: most readers are in China.
        var culture = CultureInfo.GetCultureInfo(person?.Language is "en" ? "en" : "zh-CN");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var key = await ActionLinks.KeyAsync(db, ct);
            var now = time.GetUtcNow().UtcDateTime;
            var expires = now + ActionLinks.Lifetime;
            var baseUrl = links.Base;
            if (person is not null && notification.Kind is Reviews.ReviewWork.ReminderKind or Drills.DrillWork.ReminderKind)
                return await RenderReminderAsync(notification, incident, person, baseUrl, culture, ct);
            if (incident is null || person is null)
            {
                var name = person?.DisplayName ?? "";
                var testTitle = text["notify.test_title"];
                var body = text["notify.test_body", name];
                return new OutgoingMessage(notification.Kind, testTitle, body, body, null, null, baseUrl,
                    new Dictionary<string, string> { ["name"] = name }, culture.Name, false, notification.Id);
            }
            var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
            var level = plan.FindLevel(incident.SeverityLevel)?.Name.In(culture.Name) ?? incident.SeverityLevel;
            var service = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
            if (notification.Kind is Room.ResponseSync.UpwardKind or Room.ResponseSync.OverdueKind)
                return await ResponseMessageAsync(notification, incident, level, service, baseUrl, culture, ct);
            var ackMinutes = plan.TargetsFor(incident.SeverityLevel).Acknowledge;
            var deadline = ackMinutes is { } minutes
                ? TimeZoneInfo.ConvertTimeFromUtc(incident.DeclaredAt.AddMinutes(minutes), options.Value.Zone).ToString("HH:mm", CultureInfo.InvariantCulture)
                : null;
            var ackUrl = $"{baseUrl}/a/{ActionLinks.Create(key, notification.Id, "ack", expires)}";
            var resolveUrl = $"{baseUrl}/a/{ActionLinks.Create(key, notification.Id, "resolve", expires)}";
            var incidentUrl = $"{baseUrl}/incidents/{incident.Id}";
            var drill = incident.Drill ? text["notify.drill"] + " " : "";
            var again = notification.Kind == "reescalation" ? text["notify.reescalation"] + " " : "";
            var title = $"{drill}{again}[{level}] {service}: {incident.Title}";
            var lines = new List<string> { $"{drill}{incident.Reference} {incident.Title}", text["notify.level_service", level, service] };
            if (deadline is not null)
                lines.Add(text["notify.ack_by", deadline]);
            lines.Add(text["notify.ack_link", ackUrl]);
            lines.Add(text["notify.resolve_link", resolveUrl]);
            lines.Add(text["notify.open_link", incidentUrl]);
            if (bundled.Count > 0)
            {
                var ids = bundled.Select(b => b.IncidentId).ToList();
                var more = await db.Incidents.AsNoTracking().Where(i => ids.Contains(i.Id)).Select(i => i.Number).ToListAsync(ct);
                lines.Add(text["notify.bundled", bundled.Count, string.Join(", ", more.Select(n => $"INC-{n}"))]);
            }
            var shortText = $"{drill}[{level}] {service} {incident.Reference}: {incident.Title}";
            if (shortText.Length > 70)
                shortText = shortText[..69] + "…";
            var parameters = new Dictionary<string, string>
            {
                ["level"] = level,
                ["service"] = service,
                ["title"] = incident.Title,
                ["number"] = incident.Reference,
                ["deadline"] = deadline ?? "",
                ["url"] = ackUrl,
            };
            return new OutgoingMessage(notification.Kind, title, string.Join('\n', lines), shortText, ackUrl, resolveUrl, incidentUrl, parameters,
                culture.Name, incident.Drill, notification.Id);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary>A reminder: a review due (with its incident) or a drill coming (with its scenario), and the page to open.</summary>
    private async Task<OutgoingMessage> RenderReminderAsync(Notification notification, Incident? incident, Person person, string baseUrl, CultureInfo culture, CancellationToken ct)
    {
        var zone = options.Value.Zone;
        string title, body, url;
        var parameters = new Dictionary<string, string>();
        var drill = false;
        if (notification.Kind == Reviews.ReviewWork.ReminderKind && incident is not null)
        {
            var due = await db.Reviews.AsNoTracking().Where(r => r.IncidentId == incident.Id).Select(r => r.DueAt).FirstOrDefaultAsync(ct);
            var dueText = due is { } d ? Reviews.ReviewWork.Day(d, zone) : "";
            url = $"{baseUrl}/incidents/{incident.Id}/review";
            title = text["notify.review_title", incident.Reference, dueText];
            body = string.Join('\n', text["notify.review_body", incident.Reference, incident.Title, dueText], text["notify.open_link", url]);
            parameters["number"] = incident.Reference;
            parameters["deadline"] = dueText;
        }
        else
        {
            var scenarioId = notification.Subject?.StartsWith("drill:", StringComparison.Ordinal) == true ? notification.Subject[6..] : "";
            var scenario = await db.DrillScenarios.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scenarioId, ct);
            var when = scenario?.NextAt is { } at ? Reviews.ReviewWork.Day(at, zone) : "";
            url = $"{baseUrl}/drills/{scenarioId}";
            drill = true;
            title = $"{text["notify.drill"]} {text["notify.drill_reminder_title", scenario?.Name ?? "", when]}";
            body = string.Join('\n', title, text["notify.drill_reminder_body", scenario?.Name ?? "", when], text["notify.open_link", url]);
            parameters["deadline"] = when;
        }
        parameters["url"] = url;
        parameters["name"] = person.DisplayName;
        var shortText = title.Length > 70 ? title[..69] + "…" : title;
        return new OutgoingMessage(notification.Kind, title, body, shortText, null, null, url, parameters, culture.Name, drill, notification.Id);
    }
}

/// <summary>The kinds of contact method, and the channel types that carry each.</summary>
public static class ContactTypes
{
    public static readonly IReadOnlyList<string> All = ["email", "sms", "voice", "dingtalk", "wecom", "feishu", "slack", "teams", "webhook"];

    public static IReadOnlyList<string> ChannelTypesFor(string contactType) => contactType switch
    {
        "sms" => ["aliyun-sms", "tencent-sms", "twilio-sms", "http-sms"],
        "voice" => ["aliyun-voice", "tencent-voice", "twilio-voice"],
        "email" => ["email"],
        _ => [contactType],
    };
}
