namespace Muster.Data;

/// <summary>A person filling one of the plan's roles on one incident.</summary>
public sealed class IncidentRoleAssignment
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";

    /// <summary>A key of the plan's roles.</summary>
    public string RoleKey { get; set; } = "";
    public string PersonId { get; set; } = "";
    public DateTime AssignedAt { get; set; }

    /// <summary>Who assigned them; null when the plan's default did.</summary>
    public string? AssignedBy { get; set; }
}

/// <summary>A step the plan requires of an incident (a checklist step or an upward report), with its owner and deadline.</summary>
public sealed class IncidentTask
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";
    public string Key { get; set; } = "";
    public string TitleZh { get; set; } = "";
    public string TitleEn { get; set; } = "";
    public string? RoleKey { get; set; }
    public string? OwnerId { get; set; }

    /// <summary>acknowledge, assess, repair, restore or verify: the deadline counts from its start.</summary>
    public string Stage { get; set; } = "acknowledge";
    public int? WithinMinutes { get; set; }

    /// <summary>Null until the stage starts, or without minutes.</summary>
    public DateTime? Deadline { get; set; }

    /// <summary>open, done or skipped.</summary>
    public string State { get; set; } = "open";

    /// <summary>Why it was skipped, or a note when done.</summary>
    public string? Reason { get; set; }
    public DateTime? DoneAt { get; set; }
    public string? DoneById { get; set; }
    public string? DoneByName { get; set; }
    public bool Mitigation { get; set; }

    /// <summary>For an upward report task, the index of its rule in the plan.</summary>
    public int? UpwardIndex { get; set; }

    /// <summary>The level that added it.</summary>
    public string Level { get; set; } = "";
    public int Position { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>When the owner and commander were told it is overdue; once per deadline.</summary>
    public DateTime? OverdueAt { get; set; }
}

/// <summary>A message an incident sent out of the response: an upward report, a customer SMS, an announcement. Kept as sent.</summary>
public sealed class IncidentMessage
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";

    /// <summary>upward, customerSms or announcement.</summary>
    public string Kind { get; set; } = "upward";
    public string? TaskId { get; set; }

    /// <summary>Whom it went to, as shown (the rule's "to" and the people's names).</summary>
    public string Recipients { get; set; } = "";
    public string Text { get; set; } = "";
    public DateTime SentAt { get; set; }
    public string? SentById { get; set; }
    public string SentByName { get; set; } = "";

    /// <summary>For an announcement: the status-page update that carries it (pending until approved at levels 1 and 2).</summary>
    public string? StatusUpdateId { get; set; }
}

/// <summary>Two related incidents; shown on both.</summary>
public sealed class IncidentLink
{
    public string Id { get; set; } = Ids.New();
    public string IncidentId { get; set; } = "";
    public string OtherId { get; set; } = "";
    public string? Note { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}
