using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Learning;

/// <summary>The words of a post-incident review: its states and the root cause categories the reports count.</summary>
public static class ReviewStates
{
    public const string Draft = "draft";
    public const string InReview = "in_review";
    public const string Published = "published";

    public static readonly IReadOnlyList<string> All = [Draft, InReview, Published];
}

public static class RootCauses
{
    public static readonly IReadOnlyList<string> All = ["hardware", "software", "network", "security", "third_party", "human", "other"];
}

public static class ActionStates
{
    public const string Open = "open";
    public const string Done = "done";
}

/// <summary>When a review is owed and when its owner is reminded.</summary>
public static class ReviewSchedule
{
    /// <summary>
    /// A review is required when the plan names the incident's level. Drills end in a drill report,
    /// not a review: they are never required (one may still be written).
    /// </summary>
    public static bool IsRequired(PlanDefinition plan, string level, bool drill) =>
        !drill && plan.Review is { } rule && rule.RequiredFor.Contains(level, StringComparer.OrdinalIgnoreCase);

    /// <summary>Due <see cref="ReviewRule.WithinDays"/> after the incident was resolved (5 when the plan says nothing).</summary>
    public static DateTime DueAt(PlanDefinition plan, DateTime resolvedAt) =>
        resolvedAt.AddDays(plan.Review?.WithinDays ?? new ReviewRule().WithinDays);

    /// <summary>
    /// The next reminder strictly after <paramref name="after"/>: every day at the hour of the
    /// resolution, and once at the due moment itself; after the due moment it goes on daily (the
    /// review is overdue) until it is published, when the caller stops asking.
    /// </summary>
    public static DateTime NextReminder(DateTime resolvedAt, DateTime dueAt, DateTime after)
    {
        var days = Math.Max(1, (int)Math.Floor((after - resolvedAt).TotalDays) + 1);
        var daily = resolvedAt.AddDays(days);
        while (daily <= after)
            daily = daily.AddDays(1);
        return dueAt > after && dueAt < daily ? dueAt : daily;
    }

    public static bool IsOverdue(DateTime? dueAt, string state, DateTime now) =>
        state != ReviewStates.Published && dueAt is { } due && due < now;
}

/// <summary>The part of an incident's timeline a review starts from.</summary>
public static class ReviewTimeline
{
    private static readonly HashSet<string> Statuses = ["acknowledged", "investigating", "repairing", "mitigated", "resolved", "verified", "closed"];

    /// <summary>Declared, level changes, status steps, pages, reopens and breaches; notes and counted facts are left out.</summary>
    public static bool IsSignificant(string kind, string? to) => kind switch
    {
        TimelineKinds.Declared or TimelineKinds.SeverityRaised or TimelineKinds.SeverityChanged or TimelineKinds.Reopened
            or TimelineKinds.Paged or TimelineKinds.SlaBreached or TimelineKinds.Informed => true,
        TimelineKinds.StatusChanged => to is not null && Statuses.Contains(to),
        _ => false,
    };

    /// <summary>How long users went without the service: from the start to the restore (or now, while it lasts).</summary>
    public static TimeSpan Duration(DateTime startedAt, DateTime? restoredAt, DateTime now) =>
        (restoredAt ?? now) - startedAt;
}
