using Muster.Domain.Plans;

namespace Muster.Domain.Incidents;

/// <summary>
/// An incident and its transitions. Every change appends to <see cref="Timeline"/>, so the
/// timeline is a complete account of who did what and when.
/// </summary>
public sealed class Incident
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 10_000;
    public const int MaxNoteLength = 4_000;

    public string Id { get; private set; } = "";
    public int Number { get; private set; }
    public string Title { get; private set; } = "";
    public string? Description { get; private set; }
    public string ServiceId { get; private set; } = "";
    public string PlanVersionId { get; private set; } = "";
    public bool Drill { get; private set; }
    public IncidentStatus Status { get; private set; }

    /// <summary>When the fault started, as far as anyone knows.</summary>
    public DateTime StartedAt { get; private set; }

    /// <summary>When Muster learned of the incident: the clocks run from here.</summary>
    public DateTime DeclaredAt { get; private set; }

    public DateTime? AcknowledgedAt { get; private set; }
    public DateTime? InvestigatingAt { get; private set; }
    public DateTime? RepairingAt { get; private set; }
    public DateTime? MitigatedAt { get; private set; }
    public DateTime? ResolvedAt { get; private set; }
    public DateTime? VerifiedAt { get; private set; }
    public DateTime? ClosedAt { get; private set; }
    /// <summary>
    /// The incident's version: it moves on with every change (even two in the same microsecond, or
    /// under a clock that stands still), is the concurrency token of its row, and is the API's ETag.
    /// Whole microseconds, the finest time PostgreSQL keeps, so the value written is the value read.
    /// </summary>
    public DateTime UpdatedAt { get; private set; }

    public ImpactFacts Impact { get; private set; } = new();
    public string SeverityLevel { get; private set; } = "";
    public int SeverityRank { get; private set; }

    /// <summary>The rank the plan's rules gave when last asked; a person's level stands until the rules move past it.</summary>
    public int RuleRank { get; private set; }

    public List<TimelineEntry> Timeline { get; private set; } = [];

    /// <summary>The kind of fault: a key of the plan's categories, or none.</summary>
    public string? Category { get; private set; }

    /// <summary>The incident this one was merged into; it is closed then.</summary>
    public string? MergedIntoId { get; private set; }

    public string Reference => $"INC-{Number}";
    public bool IsOpen => Status < IncidentStatus.Resolved;
    public DateTime? RestoredAt => MitigatedAt is { } m && (ResolvedAt is null || m < ResolvedAt) ? m : ResolvedAt;

    private Incident()
    {
    }

    public static Incident Declare(
        string id, int number, string title, string? description, string serviceId, string planVersionId,
        PlanDefinition plan, ImpactFacts impact, DateTime? startedAt, bool drill, Actor by, DateTime now)
    {
        var incident = new Incident
        {
            Id = id,
            Number = number,
            Title = title,
            Description = description,
            ServiceId = serviceId,
            PlanVersionId = planVersionId,
            Drill = drill,
            Status = IncidentStatus.Triggered,
            StartedAt = startedAt is { } s && s < now ? s : now,
            DeclaredAt = now,
            UpdatedAt = NextVersion(DateTime.MinValue, now),
            Impact = impact,
        };
        var classification = Classifier.Classify(plan, incident.EffectiveImpact(now));
        incident.SeverityLevel = classification.Level.Key;
        incident.SeverityRank = incident.RuleRank = classification.Level.Rank;
        incident.Append(now, TimelineKinds.Declared, by, classification.Explain(), null, classification.Level.Key);
        return incident;
    }

    /// <summary>The facts with the outage's running time counted in.</summary>
    public ImpactFacts EffectiveImpact(DateTime now) => Impact.AsOf(StartedAt, RestoredAt, now);

    public SlaClockInput ClockInput => new(DeclaredAt, AcknowledgedAt, InvestigatingAt, RepairingAt, MitigatedAt, ResolvedAt, VerifiedAt, ClosedAt);

    public void MoveTo(IncidentStatus target, Actor by, DateTime now, string? note)
    {
        if (target <= Status)
            throw new DomainException("status", $"{Reference} is already {Status.ToString().ToLowerInvariant()}; it can only move forward to a later step, or be reopened.");
        if (target > IncidentStatus.Resolved && Status < IncidentStatus.Resolved)
            throw new DomainException("status", $"{Reference} must be resolved before it can be {target.ToString().ToLowerInvariant()}.");

        var from = Status;
        Status = target;
        switch (target)
        {
            case IncidentStatus.Acknowledged: AcknowledgedAt = now; break;
            case IncidentStatus.Investigating: InvestigatingAt = now; break;
            case IncidentStatus.Repairing: RepairingAt = now; break;
            case IncidentStatus.Mitigated: MitigatedAt = now; break;
            case IncidentStatus.Resolved: ResolvedAt = now; break;
            case IncidentStatus.Verified: VerifiedAt = now; break;
            case IncidentStatus.Closed: ClosedAt = now; break;
        }
        Append(now, TimelineKinds.StatusChanged, by, note, Lower(from), Lower(target));
    }

    /// <summary>
    /// Takes a resolved incident back to work: the restore and later steps are undone, and the
    /// status falls back to the last step of active work that was reached.
    /// </summary>
    public void Reopen(Actor by, DateTime now, string? note)
    {
        if (Status < IncidentStatus.Resolved)
            throw new DomainException("status", $"{Reference} is still open ({Lower(Status)}); only a resolved, verified or closed incident can be reopened.");
        var from = Status;
        MitigatedAt = ResolvedAt = VerifiedAt = ClosedAt = null;
        Status = RepairingAt is not null ? IncidentStatus.Repairing
            : InvestigatingAt is not null ? IncidentStatus.Investigating
            : AcknowledgedAt is not null ? IncidentStatus.Acknowledged
            : IncidentStatus.Triggered;
        Append(now, TimelineKinds.Reopened, by, note, Lower(from), Lower(Status));
    }

    /// <summary>
    /// One of the people a step paged acknowledged, but the step needs everyone on shift: the
    /// incident stays triggered, and the escalation runs on, until the rest have answered.
    /// </summary>
    public void AcknowledgePartly(Actor by, int acknowledged, int required, string? note, DateTime now)
    {
        if (Status != IncidentStatus.Triggered)
            throw new DomainException("status", $"{Reference} is already {Lower(Status)}.");
        Append(now, TimelineKinds.AcknowledgedPartly, by, note,
            acknowledged.ToString(System.Globalization.CultureInfo.InvariantCulture), required.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void AddNote(string note, Actor by, DateTime now) => Append(now, TimelineKinds.Note, by, note, null, null);

    /// <summary>An update on the public status page was published (<paramref name="status"/>: investigating... resolved).</summary>
    public void RecordStatusUpdate(string status, string text, Actor by, DateTime now) => Append(now, TimelineKinds.StatusPublished, by, text, null, status);

    /// <summary>A status-page update written and waiting for an approver (levels 1 and 2).</summary>
    public void RecordStatusPending(string status, string text, Actor by, DateTime now) => Append(now, TimelineKinds.StatusPending, by, text, null, status);

    /// <summary>A pending status-page update an approver turned down: it is never shown.</summary>
    public void RecordStatusRejected(string status, string text, Actor by, DateTime now) => Append(now, TimelineKinds.StatusRejected, by, text, null, status);

    /// <summary>Records new impact facts and raises the level if the plan now says so.</summary>
    public void UpdateImpact(ImpactFacts impact, PlanDefinition plan, Actor by, DateTime now)
    {
        // Counted facts are Muster's to keep; a person's form does not carry them.
        impact = impact with { ReportsReceived = Impact.ReportsReceived, DevicesAffected = Impact.DevicesAffected };
        if (impact == Impact)
            return;
        Impact = impact;
        Append(now, TimelineKinds.ImpactChanged, by, null, null, null);
        Reclassify(plan, by, now);
    }

    /// <summary>
    /// Takes the facts counted from what came in (reports, the devices they name, complaint growth
    /// over the same hour's normal) and raises the level if the plan now says so. A complaint
    /// growth a person entered stands while it is higher than the counted one.
    /// </summary>
    public bool CountIntake(IntakeCount count, PlanDefinition plan, Actor by, DateTime now)
    {
        var growth = count.ComplaintGrowthPercent is { } counted && (Impact.ComplaintGrowthPercent is not { } entered || counted > entered)
            ? counted
            : Impact.ComplaintGrowthPercent;
        var impact = Impact with { ReportsReceived = count.Reports, DevicesAffected = count.Devices, ComplaintGrowthPercent = growth };
        if (impact == Impact)
            return false;
        Impact = impact;
        var growthText = growth?.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) ?? "";
        Append(now, TimelineKinds.ImpactCounted, by, null, $"{count.Reports}/{count.Devices}", growthText);
        Reclassify(plan, by, now);
        return true;
    }

    /// <summary>
    /// Raises the level when the plan's rules have become more severe than they were and than the
    /// current level. A level is never lowered here, and a level a person set stands until the
    /// facts change enough for the rules to call for more.
    /// </summary>
    public bool Reclassify(PlanDefinition plan, Actor by, DateTime now)
    {
        var classification = Classifier.Classify(plan, EffectiveImpact(now));
        var rulesRose = classification.Level.Rank < RuleRank;
        RuleRank = classification.Level.Rank;
        if (!rulesRose || classification.Level.Rank >= SeverityRank)
            return false;
        var from = SeverityLevel;
        SeverityLevel = classification.Level.Key;
        SeverityRank = classification.Level.Rank;
        Append(now, TimelineKinds.SeverityRaised, by, classification.Explain(), from, SeverityLevel);
        return true;
    }

    public void SetSeverity(SeverityLevel level, string reason, Actor by, DateTime now)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new DomainException("reason", "Changing a level by hand needs a reason.");
        if (level.Key == SeverityLevel)
            throw new DomainException("level", $"{Reference} is already at level {level.Key}.");
        var from = SeverityLevel;
        SeverityLevel = level.Key;
        SeverityRank = level.Rank;
        Append(now, TimelineKinds.SeverityChanged, by, reason.Trim(), from, level.Key);
    }

    /// <summary>An alert joined this incident (the first one, or one grouped with it).</summary>
    public void AttachAlert(string dedupKey, string summary, Actor by, DateTime now) =>
        Append(now, TimelineKinds.AlertAttached, by, summary, null, dedupKey);

    /// <summary>An escalation step paged these people (names, comma-separated); none when nobody was on call.</summary>
    public void RecordPaged(int step, string people, DateTime now) =>
        Append(now, TimelineKinds.Paged, Actor.System, null, step.ToString(System.Globalization.CultureInfo.InvariantCulture), people);

    /// <summary>The plan's notification matrix for a level went out to these audiences.</summary>
    public void RecordInformed(string level, string audiences, DateTime now) =>
        Append(now, TimelineKinds.Informed, Actor.System, null, level, audiences);

    /// <summary>Every message to this person failed: the escalation moves on without waiting.</summary>
    public void RecordNotReached(string person, string reason, DateTime now) =>
        Append(now, TimelineKinds.NotReached, Actor.System, reason, null, person);

    /// <summary>Marks this incident as the one that gathers an alert storm on its service.</summary>
    public void MarkStorm(int incidentsInLastMinute, Actor by, DateTime now) =>
        Append(now, TimelineKinds.Storm, by, null, null, incidentsInLastMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void NoteAlertResolved(string dedupKey, string summary, Actor by, DateTime now) =>
        Append(now, TimelineKinds.AlertResolved, by, summary, null, dedupKey);

    /// <summary>Writes a breach to the timeline once per stage and deadline.</summary>
    public bool RecordBreach(SlaClock clock, DateTime now)
    {
        var deadline = clock.Deadline?.ToString("O");
        var stage = clock.Stage.ToString().ToLowerInvariant();
        if (clock.State != ClockState.Breached || Timeline.Any(e => e.Kind == TimelineKinds.SlaBreached && e.From == stage && e.To == deadline))
            return false;
        // The entry stands at the deadline, when the breach happened, however late the check ran.
        Timeline.Add(new TimelineEntry(Id, clock.Deadline ?? now, TimelineKinds.SlaBreached, Actor.System, null, stage, deadline));
        UpdatedAt = NextVersion(UpdatedAt, now);
        return true;
    }

    /// <summary>Sets or clears the fault category; it must be one the plan names.</summary>
    public bool SetCategory(string? category, PlanDefinition plan, Actor by, DateTime now)
    {
        category = string.IsNullOrWhiteSpace(category) ? null : category.Trim();
        if (category == Category)
            return false;
        if (category is not null && plan.Categories.All(c => c.Key != category))
            throw new DomainException("category", $"'{category}' is not a category of this plan; use one of {string.Join(", ", plan.Categories.Select(c => c.Key))}, or none.");
        var from = Category;
        Category = category;
        Append(now, TimelineKinds.CategoryChanged, by, null, from, category);
        return true;
    }

    /// <summary>
    /// A mitigation step was done: the service is back by other means. An incident not yet past
    /// repair moves to mitigated; a later one keeps its status and only the time is kept, so time
    /// to mitigate is known either way. The first mitigation counts.
    /// </summary>
    public void RecordMitigation(string step, Actor by, DateTime now)
    {
        if (MitigatedAt is not null)
            return;
        if (Status < IncidentStatus.Mitigated)
        {
            MoveTo(IncidentStatus.Mitigated, by, now, step);
            return;
        }
        MitigatedAt = now;
        Append(now, TimelineKinds.Mitigated, by, step, null, null);
    }

    /// <summary>
    /// Closes this incident as a duplicate of <paramref name="survivor"/>: its work moves there, and
    /// both timelines say so.
    /// </summary>
    public void MergeInto(Incident survivor, Actor by, DateTime now)
    {
        if (survivor.Id == Id)
            throw new DomainException("into", "An incident cannot be merged into itself.");
        if (MergedIntoId is not null)
            throw new DomainException("into", $"{Reference} was already merged.");
        if (!survivor.IsOpen || survivor.MergedIntoId is not null)
            throw new DomainException("into", $"{survivor.Reference} is not open; merge into an open incident.");
        var from = Status;
        MergedIntoId = survivor.Id;
        ResolvedAt ??= now;
        ClosedAt = now;
        Status = IncidentStatus.Closed;
        Append(now, TimelineKinds.MergedInto, by, null, Lower(from), survivor.Reference);
        survivor.Append(now, TimelineKinds.MergedFrom, by, null, null, Reference);
    }

    /// <summary>
    /// Writes a response action on the timeline: a role, a task, a report or message, a link.
    /// Only the response kinds are allowed here; the lifecycle has its own methods.
    /// </summary>
    public void RecordResponse(string kind, Actor by, string? note, string? from, string? to, DateTime now)
    {
        if (!TimelineKinds.Response.Contains(kind))
            throw new ArgumentException($"'{kind}' is not a response timeline kind.", nameof(kind));
        Append(now, kind, by, note, from, to);
    }

    /// <summary>The version after <paramref name="current"/> at <paramref name="now"/>: now, in whole microseconds, or a microsecond past the current one.</summary>
    public static DateTime NextVersion(DateTime current, DateTime now)
    {
        var next = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
        var floor = new DateTime(current.Ticks - current.Ticks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
        return next > floor ? next : floor.AddTicks(TimeSpan.TicksPerMicrosecond);
    }

    private void Append(DateTime now, string kind, Actor by, string? note, string? from, string? to)
    {
        UpdatedAt = NextVersion(UpdatedAt, now);
        Timeline.Add(new TimelineEntry(Id, now, kind, by, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), from, to));
    }

    private static string Lower(IncidentStatus status) => status.ToString().ToLowerInvariant();
}
