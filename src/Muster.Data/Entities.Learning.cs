namespace Muster.Data;

/// <summary>
/// The post-incident review of one incident: what happened, why, and what will change. Plain
/// columns, so that reports count root causes without parsing anything.
/// </summary>
public sealed class PostIncidentReview
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";

    /// <summary>draft, in_review or published; a published review is read-only until a manager reopens it.</summary>
    public string State { get; set; } = "draft";

    /// <summary>The plan requires a review at the incident's level.</summary>
    public bool Required { get; set; }

    /// <summary>When the review is due: the plan's days after resolution; null while the incident is open.</summary>
    public DateTime? DueAt { get; set; }

    /// <summary>The person who sees it through and is reminded; null reminds the managers.</summary>
    public string? OwnerId { get; set; }

    /// <summary>The summary, started from the plan's review template.</summary>
    public string Summary { get; set; } = "";

    public int? AffectedUsers { get; set; }

    /// <summary>hardware, software, network, security, third_party, human or other.</summary>
    public string? RootCause { get; set; }

    public string? RootCauseDetail { get; set; }
    public string? ContributingFactors { get; set; }
    public string? WentWell { get; set; }
    public string? WentBadly { get; set; }
    public DateTime? MeetingAt { get; set; }

    /// <summary>Who came to the review meeting: person ids as a JSON array.</summary>
    public string Attendees { get; set; } = "[]";

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? PublishedAt { get; set; }
    public string? PublishedBy { get; set; }

    /// <summary>When the owner was last reminded.</summary>
    public DateTime? RemindedAt { get; set; }
}

/// <summary>Something to change, with an owner and a date, from a review or a drill's findings.</summary>
public sealed class ActionItem
{
    public string Id { get; set; } = Ids.New();
    public string? ReviewId { get; set; }
    public string? DrillRunId { get; set; }

    /// <summary>The incident the review or drill is about, to list items by incident.</summary>
    public string IncidentId { get; set; } = "";

    public string Title { get; set; } = "";
    public string? OwnerId { get; set; }

    /// <summary>The due day, at midnight UTC.</summary>
    public DateTime? DueOn { get; set; }

    /// <summary>open or done.</summary>
    public string State { get; set; } = "open";

    public DateTime? DoneAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One reporter asked how an incident was handled: one link, one answer.</summary>
public sealed class SurveyInvitation
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";
    public string ServiceId { get; set; } = "";

    /// <summary>sms or email.</summary>
    public string Channel { get; set; } = "sms";

    /// <summary>The phone number or email, until the report retention purges it.</summary>
    public string? Address { get; set; }

    /// <summary>A hash of the address: one invitation per reporter per incident, even after the purge.</summary>
    public string ReporterKey { get; set; } = "";

    public string Language { get; set; } = "zh-CN";

    /// <summary>queued, sent or failed.</summary>
    public string Status { get; set; } = "queued";

    public string? Detail { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>A reporter's answer: a score of 1 to 5 and a comment.</summary>
public sealed class SurveyResponse
{
    public string Id { get; set; } = Ids.New();
    public string InvitationId { get; set; } = "";
    public string IncidentId { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public int Score { get; set; }
    public string? Comment { get; set; }
    public DateTime RespondedAt { get; set; }
}

/// <summary>A drill: the fault to play, who takes part, and when it is held.</summary>
public sealed class DrillScenario
{
    public string Id { get; set; } = Ids.New();
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string ServiceId { get; set; } = "";

    /// <summary>The plan's level key the drill incident opens at.</summary>
    public string Level { get; set; } = "";

    /// <summary>The alerts to play: JSON <c>[{summary, labels: {k: v}}]</c>.</summary>
    public string Alerts { get; set; } = "[]";

    /// <summary>The report symptoms to play: a JSON array of strings.</summary>
    public string Reports { get; set; } = "[]";

    /// <summary>Person ids as a JSON array: they are paged and reminded.</summary>
    public string Participants { get; set; } = "[]";

    public bool CustomerMessages { get; set; }

    /// <summary>Quarterly: the month of the quarter (1–3), the day and the local time HH:mm; null for none.</summary>
    public int? QuarterMonth { get; set; }

    public int? QuarterDay { get; set; }
    public string? QuarterTime { get; set; }

    /// <summary>A one-off date, such as before a device type goes live.</summary>
    public DateTime? OneOffAt { get; set; }

    /// <summary>The device type that goes live, for a one-off drill.</summary>
    public string? DeviceType { get; set; }

    public int ReminderDays { get; set; } = 3;

    /// <summary>The next scheduled occurrence, kept for the register.</summary>
    public DateTime? NextAt { get; set; }

    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One run of a drill scenario: the drill incident it opened.</summary>
public sealed class DrillRun
{
    public string Id { get; set; } = Ids.New();
    public string ScenarioId { get; set; } = "";
    public string IncidentId { get; set; } = "";
    public DateTime StartedAt { get; set; }
    public string? StartedBy { get; set; }
    public string? Notes { get; set; }
}
