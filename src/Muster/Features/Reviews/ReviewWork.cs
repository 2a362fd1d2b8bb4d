using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Learning;
using Muster.Infrastructure;

namespace Muster.Features.Reviews;

/// <summary>
/// After an incident resolves: makes the review the plan requires (a draft from its template), sets
/// its due date, and reminds its owner (or the managers) every day and at the due moment until it is
/// published. One work item per incident; a published review stops it, a reopened one starts it again.
/// </summary>
public sealed class ReviewWork(MusterDb db, PlanCatalog plans, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string WorkKind = "review";
    public const string Resolved = "resolved";
    public const string Remind = "remind";
    public const string ReminderKind = "review-reminder";

    public string Kind => WorkKind;

    public static string Key(string incidentId) => $"{WorkKind}:{incidentId}";

    public static Task ScheduleAsync(MusterDb db, string incidentId, DateTime at, string why, DateTime now, CancellationToken ct = default) =>
        db.ScheduleAsync(WorkKind, Key(incidentId), at, why, now, ct);

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var incidentId = item.Key[(WorkKind.Length + 1)..];
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, ct);
        // Reopened since: the next resolution schedules this again.
        if (incident?.ResolvedAt is not { } resolvedAt)
            return;
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var review = await db.Reviews.FirstOrDefaultAsync(r => r.IncidentId == incident.Id, ct);
        var required = ReviewSchedule.IsRequired(plan, incident.SeverityLevel, incident.Drill);
        if (review is null)
        {
            if (!required)
                return;
            review = await ReviewActions.CreateAsync(db, plans, incident, null, "zh-CN", now, ct);
        }
        if (review.State == ReviewStates.Published)
            return;
        review.Required = required;
        if (!required)
        {
            await db.SaveChangesAsync(ct);
            return;
        }
        // Due from the latest resolution: a reopened and re-resolved incident gets its days again.
        review.DueAt = ReviewSchedule.DueAt(plan, resolvedAt);
        if (item.Payload == Remind)
        {
            await RemindAsync(review, incident, now, ct);
            review.RemindedAt = now;
        }
        await ScheduleAsync(db, incident.Id, ReviewSchedule.NextReminder(resolvedAt, review.DueAt.Value, now), Remind, now, ct);
        await db.SaveChangesAsync(ct);
        signal.Notify();
    }

    /// <summary>A message to the owner, or to every manager when nobody owns it: email when the person has one, else their first way.</summary>
    private async Task RemindAsync(PostIncidentReview review, Incident incident, DateTime now, CancellationToken ct)
    {
        var people = review.OwnerId is { } owner
            ? await db.People.AsNoTracking().Where(p => p.Id == owner && p.Active).Select(p => p.Id).ToListAsync(ct)
            : await db.People.AsNoTracking().Where(p => p.Active && (p.Role == "manager" || p.Role == "admin")).Select(p => p.Id).ToListAsync(ct);
        await QueueAsync(db, people, ReminderKind, $"review:{review.Id}", incident.Id, now, ct);
    }

    /// <summary>Queues one message per person (email first, else the first contact method) for the delivery worker.</summary>
    public static async Task QueueAsync(MusterDb db, IReadOnlyList<string> people, string kind, string subject, string? incidentId, DateTime now, CancellationToken ct)
    {
        var methods = await db.ContactMethods.AsNoTracking().Where(m => people.Contains(m.PersonId) && m.StoppedAt == null)
            .OrderBy(m => m.CreatedAt).ToListAsync(ct);
        foreach (var person in people)
        {
            var own = methods.Where(m => m.PersonId == person).ToList();
            var method = own.FirstOrDefault(m => m.Type == "email") ?? own.FirstOrDefault();
            if (method is null)
                continue;
            await Notifications.Outbox.QueueAsync(db, method, incidentId, kind, now, now, ct, subject: subject);
        }
    }

    public static string Day(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(utc, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>A review's reminder: which incident, the review's due date, and the review page to open.</summary>
public sealed class ReviewReminder(MusterDb db, IOptions<MusterOptions> options, IStringLocalizer<SharedResource> text) : Notifications.IMessageKind
{
    public IReadOnlyList<string> Kinds { get; } = [ReviewWork.ReminderKind];

    public async Task<Notifications.Rendered> RenderAsync(Notifications.MessageContext context, CancellationToken ct)
    {
        var (notification, incident) = (context.Notification, context.Incident);
        if (incident is null || context.Person is null)
            return Notifications.Rendered.Cancel("the incident or the person no longer exists");
        var due = await db.Reviews.AsNoTracking().Where(r => r.IncidentId == incident.Id).Select(r => r.DueAt).FirstOrDefaultAsync(ct);
        var dueText = due is { } d ? ReviewWork.Day(d, options.Value.Zone) : "";
        var url = $"{context.BaseUrl}/incidents/{incident.Id}/review";
        string title = text["notify.review_title", incident.Reference, dueText];
        var body = string.Join('\n', text["notify.review_body", incident.Reference, incident.Title, dueText], text["notify.open_link", url]);
        var parameters = new Dictionary<string, string> { ["number"] = incident.Reference, ["deadline"] = dueText, ["url"] = url, ["name"] = context.Person.DisplayName };
        var shortText = title.Length > 70 ? title[..69] + "…" : title;
        return new Notifications.Rendered(new Notifications.Channels.OutgoingMessage(notification.Kind, title, body, shortText, null, null, url, parameters,
            context.Culture.Name, false, notification.Id));
    }
}
