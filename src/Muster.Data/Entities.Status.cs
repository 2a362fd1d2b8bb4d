namespace Muster.Data;

/// <summary>A part of the service the public sees on the status page, mapped to one or more services.</summary>
public sealed class StatusComponent
{
    public string Id { get; set; } = Ids.New();
    public string NameZh { get; set; } = "";
    public string NameEn { get; set; } = "";
    public string? DescriptionZh { get; set; }
    public string? DescriptionEn { get; set; }

    /// <summary>A heading the component is listed under, such as 线上渠道 / Online channels.</summary>
    public string? Group { get; set; }

    public int Order { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A service whose open incidents set a component's state.</summary>
public sealed class StatusComponentService
{
    public string ComponentId { get; set; } = "";
    public string ServiceId { get; set; } = "";
}

/// <summary>What the public is told about an incident or a scheduled maintenance: a title and a series of updates.</summary>
public sealed class StatusPost
{
    public string Id { get; set; } = Ids.New();

    /// <summary>incident or maintenance.</summary>
    public string Kind { get; set; } = "incident";

    public string? IncidentId { get; set; }
    public string TitleZh { get; set; } = "";
    public string TitleEn { get; set; } = "";

    /// <summary>The affected components' ids, comma-separated.</summary>
    public string ComponentIds { get; set; } = "";

    /// <summary>A maintenance window; null on incident posts.</summary>
    public DateTime? StartsAt { get; set; }

    public DateTime? EndsAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the last update said resolved (or the maintenance completed).</summary>
    public DateTime? ResolvedAt { get; set; }
}

/// <summary>One update of a post, in both languages. Only published updates are public.</summary>
public sealed class StatusUpdate
{
    public string Id { get; set; } = Ids.New();
    public string PostId { get; set; } = "";

    /// <summary>investigating, identified, monitoring, resolved; scheduled, in_progress, completed for maintenance.</summary>
    public string Status { get; set; } = "investigating";

    public string TextZh { get; set; } = "";
    public string TextEn { get; set; } = "";

    /// <summary>pending (waiting for approval), published or rejected.</summary>
    public string State { get; set; } = "pending";

    public string? CreatedBy { get; set; }
    public string CreatedByName { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public string? DecidedBy { get; set; }
    public DateTime? PublishedAt { get; set; }
}

/// <summary>Someone who asked to be told: by email, SMS or webhook, for every component or some.</summary>
public sealed class StatusSubscriber
{
    public string Id { get; set; } = Ids.New();

    /// <summary>email, sms or webhook.</summary>
    public string Kind { get; set; } = "email";

    public string Address { get; set; } = "";
    public string Language { get; set; } = "zh-CN";

    /// <summary>Component ids, comma-separated; null is every component.</summary>
    public string? ComponentIds { get; set; }

    /// <summary>The six-digit code sent by SMS; null once confirmed.</summary>
    public string? Code { get; set; }

    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}
