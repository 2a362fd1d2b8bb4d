using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Features.Incidents;

/// <param name="ReportsReceived">Counted by Muster from the reports that joined the incident; ignored on input.</param>
/// <param name="DevicesAffected">Counted by Muster from the devices those reports name; ignored on input.</param>
public sealed record ImpactInput(
    int? AffectedUsers = null, double? AvailabilityPercent = null, double? ComplaintGrowthPercent = null,
    int? OutageMinutes = null, bool? FundsAtRisk = null, string? Condition = null,
    int? ReportsReceived = null, int? DevicesAffected = null)
{
    public ImpactFacts ToFacts() => new()
    {
        AffectedUsers = AffectedUsers,
        AvailabilityPercent = AvailabilityPercent,
        ComplaintGrowthPercent = ComplaintGrowthPercent,
        OutageMinutes = OutageMinutes,
        FundsAtRisk = FundsAtRisk,
        Condition = Condition,
    };

    public static ImpactInput From(ImpactFacts f) =>
        new(f.AffectedUsers, f.AvailabilityPercent, f.ComplaintGrowthPercent, f.OutageMinutes, f.FundsAtRisk, f.Condition, f.ReportsReceived, f.DevicesAffected);

    public void Validate(Infrastructure.Problems.Errors errors, string prefix = "impact.")
    {
        errors.Check(AffectedUsers is null or >= 0, prefix + "affectedUsers", "affectedUsers cannot be negative; give 0 or more.")
            .Check(AvailabilityPercent is null or (>= 0 and <= 100), prefix + "availabilityPercent", "availabilityPercent is a percentage from 0 to 100.")
            .Check(ComplaintGrowthPercent is null or >= -100, prefix + "complaintGrowthPercent", "complaintGrowthPercent is the growth over a normal day in percent, -100 or more.")
            .Check(OutageMinutes is null or >= 0, prefix + "outageMinutes", "outageMinutes cannot be negative; give 0 or more.")
            .Check(Condition is null || ImpactFacts.Conditions.Contains(Condition), prefix + "condition", "condition is one of: down, partial, minor.");
    }
}

public sealed record DeclareRequest(
    string? Title, string? ServiceId, string? Description = null, DateTime? StartedAt = null,
    ImpactInput? Impact = null, bool Drill = false, string? Category = null);

public sealed record TransitionRequest(string? Note = null);

public sealed record NoteRequest(string? Text);

public sealed record SeverityRequest(string? Level, string? Reason);

public sealed record SeverityView(string Level, string Name, int Rank, string Color);

public sealed record ClockView(Stage Stage, DateTime? StartsAt, DateTime? Deadline, DateTime? StoppedAt, ClockState State, long? SecondsLeft);

public sealed record PlanRef(string Id, string Key, string Name, int Version);

public sealed record IncidentView(
    string Id, string Number, string Title, string? Description, IncidentStatus Status, bool Drill,
    string ServiceId, string ServiceName, SeverityView Severity, ImpactInput Impact, IReadOnlyList<ClockView> Clocks,
    DateTime StartedAt, DateTime DeclaredAt, DateTime? AcknowledgedAt, DateTime? InvestigatingAt, DateTime? RepairingAt,
    DateTime? MitigatedAt, DateTime? ResolvedAt, DateTime? VerifiedAt, DateTime? ClosedAt, DateTime UpdatedAt,
    PlanRef Plan, string? SuggestedLevel, string? Category = null, string? CategoryName = null, string? MergedIntoId = null)
{
    public static IncidentView From(Incident i, PlanDefinition plan, PlanRef planRef, string serviceName, DateTime now, string culture,
        Domain.Response.WorkingHours? hours = null)
    {
        var level = plan.FindLevel(i.SeverityLevel) ?? plan.LeastSevere;
        var suggested = Classifier.Classify(plan, i.EffectiveImpact(now)).Level;
        return new IncidentView(
            i.Id, i.Reference, i.Title, i.Description, i.Status, i.Drill, i.ServiceId, serviceName,
            SeverityOf(level, culture), ImpactInput.From(i.Impact), ClocksOf(i, plan, now, hours),
            i.StartedAt, i.DeclaredAt, i.AcknowledgedAt, i.InvestigatingAt, i.RepairingAt,
            i.MitigatedAt, i.ResolvedAt, i.VerifiedAt, i.ClosedAt, i.UpdatedAt, planRef,
            suggested.Key != level.Key ? suggested.Key : null, i.Category,
            i.Category is null ? null : plan.Categories.FirstOrDefault(c => c.Key == i.Category)?.Name.In(culture) ?? i.Category, i.MergedIntoId);
    }

    public static SeverityView SeverityOf(SeverityLevel level, string culture) => new(level.Key, level.Name.In(culture), level.Rank, level.Color);

    public static IReadOnlyList<ClockView> ClocksOf(Incident i, PlanDefinition plan, DateTime now, Domain.Response.WorkingHours? hours = null) =>
        SlaClocks.Compute(i.ClockInput, plan.TargetsFor(i.SeverityLevel), now, hours)
            .Select(c => new ClockView(c.Stage, c.StartsAt, c.Deadline, c.StoppedAt, c.State, c.Remaining(now) is { } left ? (long)left.TotalSeconds : null))
            .ToList();
}

public sealed record IncidentSummary(
    string Id, string Number, string Title, IncidentStatus Status, bool Drill, string ServiceId, string ServiceName,
    SeverityView Severity, DateTime StartedAt, DateTime DeclaredAt, DateTime UpdatedAt);

public sealed record IncidentPage(IReadOnlyList<IncidentSummary> Items, int Total, int Page, int PageSize);

public sealed record TimelineView(long Id, DateTime At, string Kind, string? ActorId, string Actor, string? Note, string? From, string? To, string Text);
