using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Plans;
using Muster.Features.Notifications;
using Muster.Infrastructure;

namespace Muster.Features.Room;

/// <summary>
/// Who a customer message reaches. A customer SMS goes to the incident's reachable reporters (a
/// report that left a phone number not yet purged), less the numbers on the 退订 list; an
/// announcement is a status-page update for the incident and, when the plan names them
/// (<c>communication.channels</c>), a post to those group robots once it is public.
/// </summary>
public static class CustomerMessages
{
    public const string SmsKind = PlanTemplates.CustomerSms;
    public const string AnnouncementKind = PlanTemplates.Announcement;

    /// <summary>The incident's reporters' phone numbers, each number once however it was written.</summary>
    public static async Task<List<string>> ReporterPhonesAsync(MusterDb db, string incidentId, CancellationToken ct = default) =>
        (await db.Reports.AsNoTracking().Where(r => r.IncidentId == incidentId && r.Phone != null && r.ContactPurgedAt == null)
            .OrderBy(r => r.ReceivedAt).Select(r => r.Phone!).ToListAsync(ct))
        .Where(p => SmsReplies.Normalize(p).Length > 0)
        .DistinctBy(SmsReplies.Normalize).ToList();

    /// <summary>Reachable reporters and those who opted out, for the room to say whom an SMS would reach.</summary>
    public static async Task<(List<string> Reachable, List<string> OptedOut)> SmsAudienceAsync(MusterDb db, string incidentId, CancellationToken ct = default)
    {
        var phones = await ReporterPhonesAsync(db, incidentId, ct);
        var optedOut = await SmsReplies.OptedOutAsync(db, phones, ct);
        return (phones.Where(p => !optedOut.Contains(p)).ToList(), phones.Where(optedOut.Contains).ToList());
    }

    /// <summary>Whether an SMS channel is set up to carry customer SMS.</summary>
    public static Task<bool> SmsChannelAsync(MusterDb db, CancellationToken ct = default)
    {
        var types = ContactTypes.ChannelTypesFor("sms");
        return db.NotificationChannels.AnyAsync(c => c.Enabled && types.Contains(c.Type), ct);
    }

    /// <summary>Queues an announcement to the plan's channels (group robots); returns their names. The caller saves.</summary>
    public static async Task<List<string>> QueueChannelsAsync(MusterDb db, PlanDefinition plan, string incidentId, string messageId, DateTime now, CancellationToken ct = default)
    {
        var names = plan.Communication?.Channels ?? [];
        if (names.Count == 0)
            return [];
        var channels = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled && (names.Contains(c.Name) || names.Contains(c.Id))).ToListAsync(ct);
        foreach (var channel in channels)
            await Outbox.QueueAsync(db, channel, incidentId, AnnouncementKind, now, now, ct, subjectId: messageId);
        return channels.Select(c => c.Name).ToList();
    }

    /// <summary>An announcement's status update became public (approved): its channel posts go now. The caller saves.</summary>
    public static async Task PublishedAsync(MusterDb db, PlanCatalog plans, string incidentId, string statusUpdateId, DateTime now, CancellationToken ct = default)
    {
        var message = await db.IncidentMessages.FirstOrDefaultAsync(m => m.StatusUpdateId == statusUpdateId && m.Kind == AnnouncementKind, ct);
        if (message is null)
            return;
        var incident = await db.Incidents.AsNoTracking().FirstAsync(i => i.Id == incidentId, ct);
        await QueueChannelsAsync(db, await plans.GetAsync(db, incident.PlanVersionId, ct), incidentId, message.Id, now, ct);
    }

    /// <summary>Each message's deliveries: to whom (a masked number, a person, a channel), how, and where it stands.</summary>
    public static async Task<ILookup<string, DeliveryView>> DeliveriesAsync(MusterDb db, IReadOnlyCollection<string> messageIds, CancellationToken ct = default)
    {
        var rows = await db.Notifications.AsNoTracking().Where(n => n.SubjectId != null && messageIds.Contains(n.SubjectId)).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(ct);
        var people = rows.Select(n => n.PersonId).OfType<string>().Distinct().ToList();
        var channels = rows.Select(n => n.ChannelId).OfType<string>().Distinct().ToList();
        var names = await db.People.AsNoTracking().Where(p => people.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
        var channelNames = await db.NotificationChannels.AsNoTracking().Where(c => channels.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return rows.ToLookup(n => n.SubjectId!, n => new DeliveryView(
            n.Address is { } address ? SmsReplies.Mask(address)
                : n.PersonId is { } p ? names.GetValueOrDefault(p, p)
                : n.ChannelId is { } c ? channelNames.GetValueOrDefault(c, c) : "",
            n.Type, n.Status, n.Detail, n.SentAt));
    }
}
