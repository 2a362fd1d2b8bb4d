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
