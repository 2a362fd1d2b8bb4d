namespace Muster.Domain.Plans;

/// <summary>What is known about an incident's impact; every fact is optional.</summary>
public sealed record ImpactFacts
{
    public static readonly IReadOnlyList<string> Conditions = ["down", "partial", "minor"];

    public static readonly IReadOnlyList<string> NumericFacts =
        [
            nameof(AffectedUsers).Camel(), nameof(AvailabilityPercent).Camel(), nameof(ComplaintGrowthPercent).Camel(), nameof(OutageMinutes).Camel(),
            nameof(ReportsReceived).Camel(), nameof(DevicesAffected).Camel(),
        ];

    public static readonly IReadOnlyList<string> AllFacts = [.. NumericFacts, "fundsAtRisk", "condition"];

    public int? AffectedUsers { get; init; }
    public double? AvailabilityPercent { get; init; }
    public double? ComplaintGrowthPercent { get; init; }
    public int? OutageMinutes { get; init; }
    public bool? FundsAtRisk { get; init; }

    /// <summary>Reports from people that joined the incident: counted by Muster, not entered.</summary>
    public int? ReportsReceived { get; init; }

    /// <summary>Distinct devices named by those reports: counted by Muster, not entered.</summary>
    public int? DevicesAffected { get; init; }

    /// <summary><c>down</c> completely, <c>partial</c> (a function lost), <c>minor</c> (adjustable on site).</summary>
    public string? Condition { get; init; }

    public double? Number(string fact) => fact switch
    {
        "affectedUsers" => AffectedUsers,
        "availabilityPercent" => AvailabilityPercent,
        "complaintGrowthPercent" => ComplaintGrowthPercent,
        "outageMinutes" => OutageMinutes,
        "reportsReceived" => ReportsReceived,
        "devicesAffected" => DevicesAffected,
        _ => null,
    };

    /// <summary>
    /// The facts as they stand at <paramref name="now"/>: an outage that is still going on has
    /// lasted at least since the fault started, whatever minutes were last written down.
    /// </summary>
    public ImpactFacts AsOf(DateTime startedAt, DateTime? restoredAt, DateTime now)
    {
        var end = restoredAt ?? now;
        var elapsed = end > startedAt ? (int)Math.Floor((end - startedAt).TotalMinutes) : 0;
        return elapsed > (OutageMinutes ?? 0) ? this with { OutageMinutes = elapsed } : this;
    }
}

internal static class NameExtensions
{
    public static string Camel(this string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
