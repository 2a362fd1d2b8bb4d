using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>
/// Sends one queued message, whatever feature wrote it: the one place that picks the channel, the
/// one SMTP client, the one retry policy, and the one record of what was sent (the message's row).
/// What a message says comes from the <see cref="IMessageKind"/> registered for its kind.
/// Idempotent: a message sent is never sent again, and its id is the idempotency key the channels
/// pass on, so a retry after a crash is the same message. About one message a minute reaches a
/// contact method; pages that come in between are bundled into the next.
/// </summary>
public sealed class DeliveryWork(MusterDb db, NotificationChannels channels, IEnumerable<IMessageKind> kinds, TimeProvider time,
    IConfiguration configuration, PublicUrl links, IHttpClientFactory httpFactory, ILogger<DeliveryWork> logger) : IWorkHandler
{
    public static readonly TimeSpan Throttle = TimeSpan.FromMinutes(1);
    public const int MaxAttempts = 5;

    public string Kind => Outbox.DeliverWork;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var notification = await db.Notifications.FirstOrDefaultAsync(n => n.Id == item.Payload, ct);
        if (notification is not { Status: "queued" })
            return;
        var writer = kinds.FirstOrDefault(k => k.Kinds.Contains(notification.Kind));
        if (writer is null)
        {
            // A kind nothing writes any more (its feature was removed): say so rather than retry for ever.
            Finish(notification, "failed", $"no feature writes messages of kind '{notification.Kind}'");
            await db.SaveChangesAsync(ct);
            return;
        }
        var incident = notification.IncidentId is null ? null : await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == notification.IncidentId, ct);
        var person = notification.PersonId is null ? null : await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == notification.PersonId, ct);
        ContactMethod? method = null;
        if (notification.ContactMethodId is not null || notification.PersonId is not null)
        {
            method = notification.ContactMethodId is null ? null : await db.ContactMethods.AsNoTracking().FirstOrDefaultAsync(m => m.Id == notification.ContactMethodId, ct);
            if (method is null || person is null || method.StoppedAt is not null)
            {
                await EndAsync(writer, notification, "failed", method?.StoppedReason is { } why ? $"stopped: {why}" : "the contact method no longer exists", ct);
                return;
            }
        }
        else if (notification.Address is { } address && notification.Type is "sms" or "voice" && (await SmsReplies.OptedOutAsync(db, [address], ct)).Count > 0)
        {
            // 退订 binds every message to the number, whoever wrote it: carriers in China require it.
            await EndAsync(writer, notification, "cancelled", "the number replied 退订 (opted out)", ct);
            return;
        }

        IReadOnlyList<Notification> bundled = [];
        if (method is not null)
        {
            // About one message a minute per contact method: wait for the minute, then send what gathered as one.
            // Pages are throttled among pages and every other kind among its like, so a page never waits behind a reminder.
            var pageKinds = kinds.Where(k => k.Pages).SelectMany(k => k.Kinds).ToList();
            var isPage = writer.Pages;
            var lastSent = await db.Notifications.Where(n => n.ContactMethodId == method.Id && n.SentAt != null && pageKinds.Contains(n.Kind) == isPage)
                .MaxAsync(n => n.SentAt, ct);
            if (lastSent is { } last && now - last < Throttle && writer.Throttled)
            {
                await db.ScheduleAsync(Outbox.DeliverWork, item.Key, last + Throttle, notification.Id, now, ct);
                await db.SaveChangesAsync(ct);
                return;
            }
            if (isPage)
                bundled = await db.Notifications
                    .Where(n => n.ContactMethodId == method.Id && n.Status == "queued" && n.Id != notification.Id && n.DueAt <= now && pageKinds.Contains(n.Kind))
                    .ToListAsync(ct);
        }

        // A group has no language of its own, nor an address: most readers are in China.
        var culture = CultureInfo.GetCultureInfo(person?.Language is "en" ? "en" : "zh-CN");
        var baseUrl = links.Base;
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        Rendered rendered;
        try
        {
            rendered = await writer.RenderAsync(new MessageContext(notification, incident, person, bundled, culture, baseUrl, now), ct);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
        if (rendered.Message is not { } message)
        {
            await EndAsync(writer, notification, "cancelled", rendered.Cancelled ?? "nothing to send", ct);
            return;
        }

        var result = await SendAsync(notification, method, rendered, message, ct);
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
                    await db.CancelAsync(Outbox.DeliverKey(other.Id), ct);
                }
                await writer.DoneAsync(notification, ct);
                await SaveDoneAsync(item, ct);
                break;
            case DeliveryStatus.RateLimited or DeliveryStatus.Retry when notification.Attempts < MaxAttempts:
                // The one retry policy: the vendor's Retry-After, else 15 s doubling, up to five attempts.
                notification.Detail = result.Detail;
                var wait = result.RetryAfter ?? TimeSpan.FromSeconds(15 * Math.Pow(2, notification.Attempts - 1));
                await db.ScheduleAsync(Outbox.DeliverWork, item.Key, now + wait, notification.Id, now, ct);
                await db.SaveChangesAsync(ct);
                break;
            default:
                await EndAsync(writer, notification, "failed", result.Detail ?? result.Status.ToString(), ct);
                return;
        }
        logger.LogInformation("Notification {Id} ({Kind}) by {Type}: {Status}.", notification.Id, notification.Kind, notification.Type, notification.Status);
    }

    /// <summary>Picks the channel for the message's recipient (a contact method, a group channel, or a bare address) and sends.</summary>
    private async Task<DeliveryResult> SendAsync(Notification notification, ContactMethod? method, Rendered rendered, OutgoingMessage message, CancellationToken ct)
    {
        if (method is null && notification.ChannelId is not null)
        {
            var group = await db.NotificationChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == notification.ChannelId && c.Enabled, ct);
            return group is null
                ? DeliveryResult.Failed("the channel was removed or turned off")
                : await channels.SendAsync(group.Type, group.Settings, rendered.Recipient ?? Recipient.Group, message, ct);
        }
        var type = method?.Type ?? notification.Type;
        var address = method?.Address ?? notification.Address;
        if (address is null)
            return DeliveryResult.Failed("no address: it was purged with the reports' contact details");
        if (type == "email")
        {
            var smtp = SmtpSettings.FromConfiguration(configuration);
            if (string.IsNullOrWhiteSpace(smtp.Host))
                return DeliveryResult.Failed("email is not set up: set Muster__Smtp__Host and Muster__Smtp__From");
            var problems = smtp.Problems().ToList();
            return problems.Count > 0
                ? DeliveryResult.Failed($"email settings (Muster__Smtp__…): {string.Join("; ", problems)}")
                : await new EmailChannel(time).SendAsync(smtp, new Recipient(Email: address), message, ct);
        }
        if (method is null && type == "webhook")
            return await new JsonPostChannel(httpFactory.CreateClient(NotificationChannels.HttpClientName), time)
                .SendAsync(address, rendered.Document ?? message, message.IdempotencyKey, ct);
        var compatible = ContactTypes.ChannelTypesFor(type);
        var channelId = method?.ChannelId;
        var channel = await db.NotificationChannels.AsNoTracking()
            .Where(c => c.Enabled && (channelId != null ? c.Id == channelId : compatible.Contains(c.Type)))
            .OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(ct);
        if (channel is null)
            return DeliveryResult.Failed($"no enabled channel carries {type}: an administrator adds one under Channels");
        var recipient = type switch
        {
            "sms" or "voice" => new Recipient(Phone: address),
            "dingtalk" or "wecom" => new Recipient(MentionPhones: [address]),
            "feishu" or "slack" => new Recipient(MentionUserIds: [address]),
            _ => Recipient.Group,
        };
        return await channels.SendAsync(channel.Type, channel.Settings, recipient, message, ct);
    }

    /// <summary>How often a record that lost a race for its incident is written again on the incident as it is then.</summary>
    private const int RecordAttempts = 5;

    /// <summary>A message that ends unsent (failed or cancelled): its feature hears of it in the same commit.</summary>
    private async Task EndAsync(IMessageKind writer, Notification notification, string status, string reason, CancellationToken ct)
    {
        Finish(notification, status, reason);
        for (var attempt = 1; ; attempt++)
        {
            await writer.DoneAsync(notification, ct);
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException e) when (attempt < RecordAttempts && e.Entries.All(x => x.Entity is Incident))
            {
                // An acknowledgement or a page moved the incident meanwhile: forget what the kind wrote on
                // it and write it again on the incident as it is now, rather than fail and send this twice.
                foreach (var entry in db.ChangeTracker.Entries().Where(x => x.Entity is Incident || (x.Entity is TimelineEntry && x.State == EntityState.Added)).ToList())
                    entry.State = EntityState.Detached;
                MusterMetrics.ConflictRetried();
            }
        }
        logger.LogInformation("Notification {Id} ({Kind}) by {Type}: {Status}.", notification.Id, notification.Kind, notification.Type, notification.Status);
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
