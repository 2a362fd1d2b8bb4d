namespace Muster.Features.Room;

public sealed record PersonRef(string Id, string Name);

/// <summary>One task of an incident: <c>title</c>, <c>role</c>, <c>deadline</c> and <c>state</c> are the contract other tools rely on.</summary>
public sealed record TaskView(
    string Id, string Key, string Title, string? Role, string? RoleName, PersonRef? Owner, string Stage, int? WithinMinutes,
    DateTime? Deadline, string State, bool Overdue, string? Reason, DateTime? DoneAt, string? DoneBy, bool Mitigation,
    bool Upward, string Level);

public sealed record RoleView(string Role, string Name, bool Group, IReadOnlyList<PersonRef> People);

/// <summary>
/// A message sent for the incident (an upward report, a customer SMS, an announcement) as kept:
/// whom it went to, the text, and each delivery's state; an announcement also names its
/// status-page update and that update's state (pending, published, rejected).
/// </summary>
public sealed record MessageView(string Id, string Kind, string? TaskId, string Recipients, string Text, DateTime SentAt, string SentBy,
    IReadOnlyList<DeliveryView> Deliveries, string? StatusUpdateId = null, string? StatusState = null);

/// <summary>One delivery of a message: to whom (a masked phone, a person, a channel), by what, queued/sent/failed/cancelled, and why.</summary>
public sealed record DeliveryView(string To, string Type, string Status, string? Detail, DateTime? SentAt);

/// <summary>An upward report the plan asks for: whom, by when, the text from the template, and what was sent.</summary>
public sealed record UpwardView(string TaskId, string To, IReadOnlyList<PersonRef> People, IReadOnlyList<string> Channels, DateTime? Deadline,
    string State, string Draft, string? Problem, IReadOnlyList<MessageView> Sent);

public sealed record LinkView(string IncidentId, string Number, string Title, string Status, string? Note, bool Merged);

public sealed record TaskDoneRequest(string? Note = null);

public sealed record TaskSkipRequest(string? Reason);

public sealed record TaskReassignRequest(string? PersonId);

public sealed record RoleRequest(string? Role, string? PersonId, bool Replace = false);

public sealed record CategoryRequest(string? Category);

public sealed record UpwardRequest(string? Text);

/// <summary>A customer message: <c>text</c>, or for an announcement <c>textZh</c> and <c>textEn</c> (the status page is bilingual; <c>text</c> fills either left out).</summary>
public sealed record MessageRequest(string? Kind, string? Text, string? TextZh = null, string? TextEn = null);

public sealed record MergeRequest(string? Into);

public sealed record LinkRequest(string? Other, string? Note = null);
