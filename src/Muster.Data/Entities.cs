namespace Muster.Data;

public sealed class Team
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class Person
{
    public string Id { get; set; } = Ids.New();
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";

    /// <summary>admin, manager, responder or viewer.</summary>
    public string Role { get; set; } = "viewer";

    public string? PasswordHash { get; set; }

    /// <summary>zh-CN or en: the language of the UI and of every message to this person.</summary>
    public string Language { get; set; } = "zh-CN";

    public string? TeamId { get; set; }
    public string? Phone { get; set; }
    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// How this person wants to be paged, as JSON: <c>[{delayMinutes, methodIds}]</c>; null pages every
    /// contact method at once.
    /// </summary>
    public string? NotificationRules { get; set; }

    /// <summary>The secret in this person's iCalendar feed URL: calendar apps cannot sign in.</summary>
    public string? CalendarToken { get; set; }
}

/// <summary>A way to reach a person: an address on one kind of channel.</summary>
public sealed class ContactMethod
{
    public string Id { get; set; } = Ids.New();
    public string PersonId { get; set; } = "";

    /// <summary>email, sms, voice, dingtalk, wecom, feishu, slack, teams or webhook.</summary>
    public string Type { get; set; } = "email";

    /// <summary>The email address, the mobile number, or the person's id in the chat app (for @mentions).</summary>
    public string Address { get; set; } = "";

    public string? Label { get; set; }

    /// <summary>The configured channel that carries it (the SMS gateway, the group robot); null takes the first enabled one of its kind.</summary>
    public string? ChannelId { get; set; }

    /// <summary>Set when the person unsubscribed (an SMS reply of 退订) or the address bounced: nothing more is sent to it.</summary>
    public DateTime? StoppedAt { get; set; }

    public string? StoppedReason { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A configured sender: an SMS or voice gateway, a chat group robot, a webhook.</summary>
public sealed class NotificationChannel
{
    public string Id { get; set; } = Ids.New();

    /// <summary>A channel type of <c>NotificationChannels.Types</c>, such as <c>aliyun-sms</c> or <c>dingtalk</c>.</summary>
    public string Type { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>The vendor's settings and credentials as JSON; never shown back in full.</summary>
    public string Settings { get; set; } = "{}";

    public bool Enabled { get; set; } = true;
    public DateTime CreatedAt { get; set; }
}

/// <summary>An on-call schedule: layers of rotations, as JSON (a <c>ScheduleDefinition</c>).</summary>
public sealed class Schedule
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string? TeamId { get; set; }

    /// <summary>The working-day calendar its working-day layers follow; null is weekends only.</summary>
    public string? CalendarId { get; set; }

    public string Definition { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Someone added to, taken off, or put in another's place on a schedule for a period.</summary>
public sealed class ScheduleOverride
{
    public string Id { get; set; } = Ids.New();
    public string ScheduleId { get; set; } = "";
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }

    /// <summary>add, remove or replace.</summary>
    public string Kind { get; set; } = "replace";

    public string PersonId { get; set; } = "";
    public string? ReplacesPersonId { get; set; }
    public string? Reason { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A request to hand a stretch of one's shifts to someone else; a manager approves it into an override.</summary>
public sealed class SwapRequest
{
    public string Id { get; set; } = Ids.New();
    public string ScheduleId { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public string WithPersonId { get; set; } = "";
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public string? Reason { get; set; }

    /// <summary>pending, approved or rejected.</summary>
    public string Status { get; set; } = "pending";

    public string? DecidedBy { get; set; }
    public DateTime? DecidedAt { get; set; }
    public string? OverrideId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Public holidays and make-up working days, in the calendar file format (<c>date,kind,name</c>).</summary>
public sealed class WorkingCalendarRecord
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string Entries { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

/// <summary>Who is paged, in which order, when an incident is not acknowledged: an <c>EscalationPolicyDefinition</c> as JSON.</summary>
public sealed class EscalationPolicy
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string Definition { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One message to one contact method (or one group channel): queued, sent, failed and why. Its id
/// is the idempotency key, so a retry is the same message and not a second page.
/// </summary>
public sealed class Notification
{
    public string Id { get; set; } = Ids.New();
    public string? IncidentId { get; set; }
    public string? PersonId { get; set; }
    public string? ContactMethodId { get; set; }
    public string? ChannelId { get; set; }

    /// <summary>The contact method's type or the channel's: email, sms, dingtalk...</summary>
    public string Type { get; set; } = "";

    /// <summary>
    /// The kind of message, whose feature says what it is (docs/notifications.md, "One way out"): page,
    /// reescalation, matrix, test, upward, task_overdue, customerSms, announcement, review-reminder,
    /// drill-reminder, status-confirm, status-update, survey.
    /// </summary>
    public string Kind { get; set; } = "page";

    /// <summary>The escalation step (1-based) and round that sent it.</summary>
    public int? Step { get; set; }

    public int? Round { get; set; }

    /// <summary>queued, sent, failed, cancelled (acknowledged first) or bundled (sent inside another).</summary>
    public string Status { get; set; } = "queued";

    public int Attempts { get; set; }
    public string? Detail { get; set; }
    public string? ProviderId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime DueAt { get; set; }
    public DateTime? SentAt { get; set; }

    /// <summary>What an upward or task_overdue message is about: the IncidentMessage or IncidentTask id.</summary>
    public string? SubjectId { get; set; }
    /// <summary>What a message that is not a page is about, such as <c>review:{id}</c> or <c>drill:{id}</c>.</summary>
    public string? Subject { get; set; }

    /// <summary>
    /// Where a message to nobody in Muster goes, in the form <see cref="Type"/> names: a reporter's
    /// phone (customer SMS, survey), a subscriber's email, phone or webhook URL. Cleared with the
    /// reports' contact details.
    /// </summary>
    public string? Address { get; set; }
}

/// <summary>A key for programs. Only a hash is kept; the key is shown once when made.</summary>
public sealed class ApiKey
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string Role { get; set; } = "viewer";

    /// <summary>The key's first characters, to find its row without scanning.</summary>
    public string Prefix { get; set; } = "";

    public string Hash { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public sealed class Service
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? TeamId { get; set; }

    /// <summary>The plan whose active version new incidents of this service start under.</summary>
    public string? PlanId { get; set; }

    /// <summary>When every alert of an incident resolves, leave the incident for a person to resolve.</summary>
    public bool KeepOpenWhenAlertsResolve { get; set; }

    /// <summary>Who is paged for this service's incidents; none pages nobody.</summary>
    public string? EscalationPolicyId { get; set; }

    public DateTime CreatedAt { get; set; }
}

public sealed class Plan
{
    public string Id { get; set; } = Ids.New();
    public string Key { get; set; } = "";
    public string NameZh { get; set; } = "";
    public string NameEn { get; set; } = "";
    public string? ActiveVersionId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>An immutable version of a plan, as JSON (<see cref="Domain.Plans.PlanDefinition"/>).</summary>
public sealed class PlanVersion
{
    public string Id { get; set; } = Ids.New();
    public string PlanId { get; set; } = "";
    public int Version { get; set; }
    public string Definition { get; set; } = "";

    /// <summary>The YAML a person wrote, comments and all, when the version came from YAML; null when it came from JSON.</summary>
    public string? Source { get; set; }

    public DateTime CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}

/// <summary>A change of configuration: who, what, and the entity before and after as JSON.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string? ActorId { get; set; }
    public string ActorName { get; set; } = "";
    public string Action { get; set; } = "";
    public string EntityType { get; set; } = "";
    public string EntityId { get; set; } = "";
    public string? Before { get; set; }
    public string? After { get; set; }
}

/// <summary>
/// Something that must happen later: written in the same transaction as the change that caused
/// it, claimed by a worker with a lease, deleted when done. <see cref="Key"/> makes it idempotent.
/// </summary>
public sealed class WorkItem
{
    public long Id { get; set; }
    public string Kind { get; set; } = "";
    public string Key { get; set; } = "";
    public string? Payload { get; set; }
    public DateTime DueAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A named sequence, such as the incident numbers.</summary>
public sealed class Counter
{
    public string Name { get; set; } = "";
    public long Value { get; set; }
}

public sealed class Setting
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}

public static class Ids
{
    /// <summary>An opaque id that sorts by creation time.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");
}

/// <summary>A source of alerts for one service: its type decides the URL it posts to; the secret routes it.</summary>
public sealed class Integration
{
    public string Id { get; set; } = Ids.New();
    public string ServiceId { get; set; } = "";

    /// <summary>events, prometheus, alertmanager, grafana, zabbix or heartbeat.</summary>
    public string Type { get; set; } = "events";

    public string Name { get; set; } = "";
    public string Secret { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public int? IntervalSeconds { get; set; }
    public int? GraceSeconds { get; set; }

    /// <summary>Events accepted per minute from this source; null means no limit.</summary>
    public int? RateLimitPerMinute { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastEventAt { get; set; }
}

/// <summary>
/// An event as it arrived, committed before the sender hears 2xx (the intake inbox); the
/// correlator turns events into alerts and incidents afterwards, in order.
/// </summary>
public sealed class AlertEvent
{
    public long Id { get; set; }
    public string IntegrationId { get; set; } = "";
    public DateTime ReceivedAt { get; set; }

    /// <summary>trigger, acknowledge or resolve.</summary>
    public string Action { get; set; } = "";

    public string DedupKey { get; set; } = "";
    public string? Summary { get; set; }
    public string? Source { get; set; }
    public string? Severity { get; set; }

    /// <summary>What groups alerts into one incident, such as an alert name.</summary>
    public string? GroupKey { get; set; }

    public string? Payload { get; set; }
    public DateTime? ProcessedAt { get; set; }
}

/// <summary>One alert: every event with its dedup key, from one integration.</summary>
public sealed class Alert
{
    public string Id { get; set; } = Ids.New();
    public string IntegrationId { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string DedupKey { get; set; } = "";
    public string GroupKey { get; set; } = "";

    /// <summary>firing, resolved or suppressed.</summary>
    public string Status { get; set; } = "firing";

    public string Summary { get; set; } = "";
    public string? Source { get; set; }
    public string? Severity { get; set; }
    public string? Details { get; set; }
    public string? IncidentId { get; set; }
    public int EventCount { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public DateTime? ResolvedAt { get; set; }
}

/// <summary>A planned period on a service when its alerts are recorded as suppressed and page nobody.</summary>
public sealed class MaintenanceWindow
{
    public string Id { get; set; } = Ids.New();
    public string ServiceId { get; set; } = "";

    /// <summary>When set, only this device of the service is under maintenance.</summary>
    public string? DeviceId { get; set; }
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public string Reason { get; set; } = "";
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A kind of device, with the symptoms a reporter picks from on the public report page.</summary>
public sealed class DeviceType
{
    /// <summary>A short stable name such as <c>kiosk</c>, used in CSV files and the API.</summary>
    public string Key { get; set; } = "";

    public string NameZh { get; set; } = "";
    public string NameEn { get; set; } = "";

    /// <summary>A JSON array of <c>{"zh": "...", "en": "..."}</c>: kept as one column because it is
    /// only ever read and written whole, with its type.</summary>
    public string Symptoms { get; set; } = "[]";

    /// <summary>
    /// The failure rate wanted for devices of this type (0.02 is 2%): incidents naming one per device
    /// in service per 30 days. Null sets no target.
    /// </summary>
    public double? FailureTarget { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A thing in a place that can break: a kiosk, a card reader, a door.</summary>
public sealed class Device
{
    public string Id { get; set; } = Ids.New();

    /// <summary>The number painted on the device, unique: what staff and CSV files use.</summary>
    public string Code { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>The <see cref="DeviceType.Key"/>.</summary>
    public string Type { get; set; } = "";

    public string ServiceId { get; set; } = "";
    public string? Site { get; set; }
    public string? Building { get; set; }
    public string? Floor { get; set; }
    public string? Area { get; set; }

    /// <summary>in_service, out_of_service or retired.</summary>
    public string Status { get; set; } = "in_service";

    /// <summary>The random part of the public report URL <c>/r/{token}</c>: unguessable, unlike the code.</summary>
    public string ReportToken { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>A person's report of a fault: from the public QR page, or taken by staff.</summary>
public sealed class Report
{
    public string Id { get; set; } = Ids.New();
    public string? DeviceId { get; set; }
    public string ServiceId { get; set; } = "";

    /// <summary>qr, phone, counter, wechat or app.</summary>
    public string Channel { get; set; } = "qr";

    public string Symptom { get; set; } = "";

    /// <summary>How many are affected, in the reporter's words ("queue of more than 5").</summary>
    public string? Scope { get; set; }

    /// <summary>Who called, for reports taken by staff.</summary>
    public string? Caller { get; set; }

    /// <summary>The reporter's phone number: personal data, purged after the retention period.</summary>
    public string? Phone { get; set; }

    /// <summary>An email address the reporter left to be told (a survey when the fault is fixed); purged with the phone.</summary>
    public string? Email { get; set; }

    public bool HasPhoto { get; set; }
    public string? ClientAddress { get; set; }
    public DateTime ReceivedAt { get; set; }
    public string? IncidentId { get; set; }

    /// <summary>When the phone number and photo were removed, so that the page can say so.</summary>
    public DateTime? ContactPurgedAt { get; set; }
}

/// <summary>A report's photo, in its own table so that listing reports never loads the bytes.</summary>
public sealed class ReportPhoto
{
    public string ReportId { get; set; } = "";
    public string ContentType { get; set; } = "";
    public byte[] Data { get; set; } = [];
}
