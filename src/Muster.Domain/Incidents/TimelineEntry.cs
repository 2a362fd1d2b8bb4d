namespace Muster.Domain.Incidents;

public static class TimelineKinds
{
    public const string Declared = "declared";
    public const string StatusChanged = "status_changed";
    public const string Reopened = "reopened";
    public const string Note = "note";
    public const string ImpactChanged = "impact_changed";
    public const string SeverityRaised = "severity_raised";
    public const string SeverityChanged = "severity_changed";
    public const string SlaBreached = "sla_breached";
    public const string AlertAttached = "alert_attached";
    public const string AlertResolved = "alert_resolved";
    public const string Storm = "storm";
    public const string ImpactCounted = "impact_counted";
    public const string Paged = "paged";
    public const string NotReached = "not_reached";
    public const string Informed = "informed";
    public const string AcknowledgedPartly = "acknowledged_partly";
    public const string StatusPublished = "status_published";
    public const string StatusPending = "status_pending";
    public const string StatusRejected = "status_rejected";
    public const string CategoryChanged = "category_changed";
    public const string Mitigated = "mitigated";
    public const string MergedInto = "merged_into";
    public const string MergedFrom = "merged_from";
    public const string RoleAssigned = "role_assigned";
    public const string RoleUnassigned = "role_unassigned";
    public const string TasksAdded = "tasks_added";
    public const string TaskDone = "task_done";
    public const string TaskSkipped = "task_skipped";
    public const string TaskReassigned = "task_reassigned";
    public const string TaskOverdue = "task_overdue";
    public const string ReportedUpward = "reported_upward";
    public const string CustomerMessage = "customer_message";
    public const string Linked = "linked";
    public const string Unlinked = "unlinked";

    /// <summary>The kinds written by <see cref="Incident.RecordResponse"/>.</summary>
    public static readonly IReadOnlySet<string> Response = new HashSet<string>
    {
        RoleAssigned, RoleUnassigned, TasksAdded, TaskDone, TaskSkipped, TaskReassigned, TaskOverdue,
        ReportedUpward, CustomerMessage, Linked, Unlinked,
    };
}

/// <summary>One line of an incident's timeline; the timeline is the incident's audit.</summary>
public sealed class TimelineEntry
{
    public long Id { get; private set; }
    public string IncidentId { get; private set; } = "";
    public DateTime At { get; private set; }
    public string Kind { get; private set; } = "";
    public string? ActorId { get; private set; }
    public string ActorName { get; private set; } = "";

    /// <summary>What a person wrote: a note, or the reason for a change.</summary>
    public string? Note { get; private set; }

    /// <summary>The machine-readable part: a status, a level, a stage.</summary>
    public string? From { get; private set; }
    public string? To { get; private set; }

    private TimelineEntry()
    {
    }

    internal TimelineEntry(string incidentId, DateTime at, string kind, Actor actor, string? note, string? from, string? to)
    {
        IncidentId = incidentId;
        At = at;
        Kind = kind;
        ActorId = actor.Id;
        ActorName = actor.Name;
        Note = note;
        From = from;
        To = to;
    }
}
