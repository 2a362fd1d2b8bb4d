using System.Globalization;
using Muster.Features.Plans;

namespace Muster.Features.Services;

public sealed class ServiceForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? TeamId { get; set; }
    public string? PlanId { get; set; }
    public bool KeepOpen { get; set; }
    public string? EscalationPolicyId { get; set; }

    public ServiceRequest ToRequest() => new(Name, Description, TeamId, PlanId, KeepOpen, EscalationPolicyId);

    public static ServiceForm From(ServiceView s) =>
        new() { Name = s.Name, Description = s.Description, TeamId = s.TeamId, PlanId = s.PlanId, KeepOpen = s.KeepOpenWhenAlertsResolve, EscalationPolicyId = s.EscalationPolicyId };

    public static string PlanName(PlanSummary plan) =>
        CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? plan.NameZh : plan.NameEn;
}
