namespace Muster.Domain.Incidents;

/// <summary>The lifecycle in its order; forward steps may skip, going back is only by reopen.</summary>
public enum IncidentStatus
{
    Triggered,
    Acknowledged,
    Investigating,
    Repairing,
    Mitigated,
    Resolved,
    Verified,
    Closed,
}

public static class IncidentStatuses
{
    /// <summary>
    /// The statuses of an incident still being worked. Queries use this list, never a comparison:
    /// the status is stored as text, where "triggered" does not sort before "resolved".
    /// </summary>
    public static readonly IncidentStatus[] Open =
        [IncidentStatus.Triggered, IncidentStatus.Acknowledged, IncidentStatus.Investigating, IncidentStatus.Repairing, IncidentStatus.Mitigated];
}

/// <summary>Someone or something that acts on an incident. <see cref="Id"/> is null for Muster itself.</summary>
public sealed record Actor(string? Id, string Name)
{
    public static readonly Actor System = new(null, "Muster");
}

/// <summary>A rule of the domain was broken; the API answers 409 with <see cref="Field"/> and the message.</summary>
public sealed class DomainException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
