using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Reporting;

/// <summary>A device an incident names (through a report): its type and its place, for the counts.</summary>
public sealed record DeviceRef(string Id, string Code, string Type, string? Place);

/// <summary>
/// What the reports need of one incident, as it stands now: its final times (a reopened incident
/// carries the times of its last restore, and is one incident), its level and the plan's targets
/// for that level, and what it touched.
/// </summary>
public sealed record IncidentFacts
{
    public required string Id { get; init; }
    public int Number { get; init; }
    public required DateTime DeclaredAt { get; init; }
    public DateTime? AcknowledgedAt { get; init; }
    public DateTime? InvestigatingAt { get; init; }
    public DateTime? RepairingAt { get; init; }
    public DateTime? MitigatedAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public DateTime? VerifiedAt { get; init; }
    public DateTime? ClosedAt { get; init; }
    public string Level { get; init; } = "";
    public int Rank { get; init; }
    public StageTargets Targets { get; init; } = StageTargets.None;
    public string ServiceId { get; init; } = "";

    /// <summary>The fault category (hardware, software...) once reviews set one; null until then.</summary>
    public string? Category { get; init; }

    public IReadOnlyList<DeviceRef> Devices { get; init; } = [];
    public bool Drill { get; init; }

    /// <summary>The incident was reopened at least once; it is still counted once.</summary>
    public bool Reopened { get; init; }

    /// <summary>Service back: the first of mitigation and resolution, as the restore clock reads it.</summary>
    public DateTime? RestoredAt => MitigatedAt is { } m && (ResolvedAt is null || m < ResolvedAt) ? m : ResolvedAt;

    public SlaClockInput ClockInput => new(DeclaredAt, AcknowledgedAt, InvestigatingAt, RepairingAt, MitigatedAt, ResolvedAt, VerifiedAt, ClosedAt);
}

/// <summary>
/// A period <c>[From, To)</c> in UTC. An incident belongs to the period it was declared in: one that
/// started before <see cref="From"/> and ended inside belongs to the earlier period, one declared
/// inside and still open at <see cref="To"/> belongs here.
/// </summary>
public sealed record ReportPeriod
{
    public ReportPeriod(DateTime from, DateTime to)
    {
        if (to <= from)
            throw new ArgumentException("A period ends after it starts.", nameof(to));
        From = from;
        To = to;
    }

    public DateTime From { get; }
    public DateTime To { get; }
    public TimeSpan Length => To - From;

    public bool Contains(DateTime at) => at >= From && at < To;

    /// <summary>The calendar month that holds <paramref name="month"/>'s first day, in <paramref name="zone"/>.</summary>
    public static ReportPeriod Month(int year, int month, TimeZoneInfo zone)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new(TimeZoneInfo.ConvertTimeToUtc(first, zone), TimeZoneInfo.ConvertTimeToUtc(first.AddMonths(1), zone));
    }

    /// <summary>The calendar quarter that holds <paramref name="month"/>, in <paramref name="zone"/>.</summary>
    public static ReportPeriod Quarter(int year, int month, TimeZoneInfo zone)
    {
        var first = new DateTime(year, (month - 1) / 3 * 3 + 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new(TimeZoneInfo.ConvertTimeToUtc(first, zone), TimeZoneInfo.ConvertTimeToUtc(first.AddMonths(3), zone));
    }
}
