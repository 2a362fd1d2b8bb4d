using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Features.Notifications;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Room;

/// <summary>
/// What the room sends: a report upward (the text as the sender wrote it), an overdue task (which,
/// whose, since when), a customer SMS and an announcement to group robots (the text as the room
/// kept it, with the status page's link).
/// </summary>
public sealed class RoomMessages(MusterDb db, PlanCatalog plans, IOptions<MusterOptions> options, IStringLocalizer<SharedResource> text) : IMessageKind
{
    public IReadOnlyList<string> Kinds { get; } = [ResponseSync.UpwardKind, ResponseSync.OverdueKind, CustomerMessages.SmsKind, CustomerMessages.AnnouncementKind];

    public async Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var (notification, incident) = (context.Notification, context.Incident);
        if (incident is null)
            return Rendered.Cancel("the incident no longer exists");
        if (notification.Kind is CustomerMessages.SmsKind or CustomerMessages.AnnouncementKind)
        {
            var kept = await db.IncidentMessages.AsNoTracking().Where(m => m.Id == notification.SubjectId).Select(m => m.Text).FirstOrDefaultAsync(ct);
            if (kept is null)
                return Rendered.Cancel("the message no longer exists");
            var url = $"{context.BaseUrl}/status";
            var parameters = new Dictionary<string, string> { ["number"] = incident.Reference, ["title"] = incident.Title, ["text"] = kept, ["url"] = url };
            // Customers and group chats read Chinese first; the SMS says only what the room wrote, the post adds the link.
            return notification.Kind == CustomerMessages.SmsKind
                ? new Rendered(new OutgoingMessage(notification.Kind, incident.Reference, kept, kept, null, null, url, parameters, "zh-CN", incident.Drill, notification.Id))
                : new Rendered(new OutgoingMessage(notification.Kind, $"{incident.Reference} {incident.Title}", $"{kept}\n\n{url}", kept, null, null, url, parameters,
                    "zh-CN", incident.Drill, notification.Id), Recipient: Recipient.Group);
        }
        var culture = context.Culture;
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var level = plan.FindLevel(incident.SeverityLevel)?.Name.In(culture.Name) ?? incident.SeverityLevel;
        var service = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
        var incidentUrl = $"{context.BaseUrl}/incidents/{incident.Id}";
        var drill = incident.Drill ? text["notify.drill"] + " " : "";
        string title, body;
        if (notification.Kind == ResponseSync.UpwardKind)
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
        return new Rendered(new OutgoingMessage(notification.Kind, title, body, shortText, null, null, incidentUrl,
            new Dictionary<string, string> { ["level"] = level, ["service"] = service, ["title"] = incident.Title, ["number"] = incident.Reference, ["deadline"] = "", ["url"] = incidentUrl },
            culture.Name, incident.Drill, notification.Id));
    }
}
