using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Features.Reviews;

public sealed record ReviewRequest(
    string? Summary = null, int? AffectedUsers = null, string? RootCause = null, string? RootCauseDetail = null,
    string? ContributingFactors = null, string? WentWell = null, string? WentBadly = null,
    DateTime? MeetingAt = null, IReadOnlyList<string>? Attendees = null, string? OwnerId = null);

public sealed record ActionItemRequest(string? Title, string? OwnerId = null, DateOnly? DueOn = null);

/// <summary>A change to an action item: any field left out stays as it is.</summary>
public sealed record ActionItemPatch(string? Title = null, string? OwnerId = null, DateOnly? DueOn = null, string? State = null);

public sealed record ReviewTimelineItem(DateTime At, string Kind, string Actor, string Text, string? Note);

public sealed record ReviewClock(Stage Stage, int? TargetMinutes, DateTime? Deadline, DateTime? StoppedAt, ClockState State);

public sealed record ReviewImpact(long DurationSeconds, bool Ongoing, int? AffectedUsers, IReadOnlyList<ReviewClock> Clocks, int ClocksMet, int ClocksBreached);

public sealed record ActionItemView(
    string Id, string Title, string? OwnerId, string? OwnerName, DateOnly? DueOn, string State, DateTime? DoneAt, bool Overdue,
    string IncidentId, string IncidentNumber, string? ReviewId, string? DrillRunId, DateTime CreatedAt);

public sealed record PersonRef(string Id, string Name);

public sealed record ReviewView(
    string Id, string IncidentId, string IncidentNumber, string IncidentTitle, bool Drill, string State, bool Required,
    DateTime? DueAt, bool Overdue, PersonRef? Owner, string Summary, int? AffectedUsers, string? RootCause, string? RootCauseDetail,
    string? ContributingFactors, string? WentWell, string? WentBadly, DateTime? MeetingAt, IReadOnlyList<PersonRef> Attendees,
    ReviewImpact Impact, IReadOnlyList<ReviewTimelineItem> Timeline, IReadOnlyList<ActionItemView> Actions,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? PublishedAt);

public sealed record ReviewSummary(
    string Id, string IncidentId, string IncidentNumber, string IncidentTitle, string ServiceName, string Level, bool Drill,
    string State, bool Required, DateTime? DueAt, bool Overdue, string? OwnerName, string? RootCause, int OpenActions, DateTime? PublishedAt);
