using Muster.Data;

namespace Muster.Features.Notifications;

/// <summary>
/// The one way out: every message Muster sends (a page, a reminder, a report upward, a customer
/// SMS, a status-page subscriber's mail, a survey invitation) is a <see cref="Notification"/> row
/// and its delivery work item, added here to the caller's unit of work so that both commit with
/// the change that caused them. <see cref="DeliveryWork"/> sends it.
/// </summary>
public static class Outbox
{
    public const string DeliverWork = "notify";

    public static string DeliverKey(string notificationId) => $"{DeliverWork}:{notificationId}";

    /// <summary>
    /// Adds a message to one contact method, and its delivery to the work table, in the caller's
    /// transaction: every page, reminder and report that leaves Muster starts here.
    /// </summary>
    public static Task<Notification> QueueAsync(MusterDb db, ContactMethod method, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, int? step = null, int? round = null, string? subject = null, string? subjectId = null) =>
        Add(db, Message(method, incidentId, kind, dueAt, now, step, round, subject, subjectId), now);

    /// <summary>A post to a group channel (a robot): the matrix's channel audience, an announcement.</summary>
    public static Task<Notification> QueueAsync(MusterDb db, NotificationChannel channel, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, string? subjectId = null) =>
        Add(db, new Notification { IncidentId = incidentId, ChannelId = channel.Id, Type = channel.Type, Kind = kind, SubjectId = subjectId, CreatedAt = now, DueAt = dueAt }, now);

    /// <summary>
    /// A message to an address that is nobody's contact method: a customer SMS to a reporter's
    /// phone, a status-page subscriber's mail, a survey invitation. <paramref name="type"/> is the
    /// contact kind that carries it (email, sms, webhook).
    /// </summary>
    public static Task<Notification> QueueAsync(MusterDb db, string type, string address, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, string? subjectId = null, string? subject = null) =>
        Add(db, new Notification { IncidentId = incidentId, Type = type, Address = address, Kind = kind, SubjectId = subjectId, Subject = subject, CreatedAt = now, DueAt = dueAt }, now);

    private static Task<Notification> Add(MusterDb db, Notification notification, DateTime now)
    {
        Enqueue(db, notification, now);
        return Task.FromResult(notification);
    }

    /// <summary>Adds a message built by <see cref="Message"/> and its delivery to the caller's unit of work.</summary>
    public static void Enqueue(MusterDb db, Notification notification, DateTime now)
    {
        db.Notifications.Add(notification);
        db.WorkItems.Add(Delivery(notification, now));
    }

    /// <summary>The work item that sends a message. The message is new, so its key is too: no row to replace.</summary>
    public static WorkItem Delivery(Notification notification, DateTime now) =>
        new() { Kind = DeliverWork, Key = DeliverKey(notification.Id), DueAt = notification.DueAt, Payload = notification.Id, CreatedAt = now };

    /// <summary>A message to one of a person's contact methods, not yet queued.</summary>
    public static Notification Message(ContactMethod method, string? incidentId, string kind, DateTime dueAt, DateTime now,
        int? step = null, int? round = null, string? subject = null, string? subjectId = null) => new()
        {
            IncidentId = incidentId,
            PersonId = method.PersonId,
            ContactMethodId = method.Id,
            ChannelId = method.ChannelId,
            Type = method.Type,
            Kind = kind,
            Step = step,
            Round = round,
            Subject = subject,
            SubjectId = subjectId,
            CreatedAt = now,
            DueAt = dueAt,
        };
}
