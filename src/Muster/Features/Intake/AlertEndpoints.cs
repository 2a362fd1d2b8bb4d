using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Features.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

public sealed record AlertView(string Id, string? IncidentId, string IntegrationId, string ServiceId, string DedupKey, string Status,
    string Summary, string? Source, string? Severity, int EventCount, DateTime FirstSeenAt, DateTime LastSeenAt, DateTime? ResolvedAt);

public sealed record AlertPage(IReadOnlyList<AlertView> Items, int Total);

public static class AlertEndpoints
{
    public static void MapAlerts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/alerts", async (string? integrationId, string? dedupKey, string? status, int? page, int? pageSize, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok(await SearchAsync(db, integrationId, dedupKey, status, page ?? 1, pageSize ?? 50, ct)))
            .WithTags("Alerts").RequireAuthorization(Policies.Viewer).WithSummary("Search every alert: by integration, dedup key, status (firing, resolved, suppressed).");

        app.MapGet("/api/v1/incidents/{id}/alerts", async (string id, IncidentActions actions, MusterDb db, CancellationToken ct) =>
            {
                var incident = await actions.FindAsync(id, ct: ct);
                return TypedResults.Ok(await ForIncidentAsync(db, incident.Id, ct));
            })
            .WithTags("Alerts").RequireAuthorization(Policies.Viewer).WithSummary("The alerts grouped into an incident.");
    }

    public static readonly IReadOnlyList<string> Statuses = ["firing", "resolved", "suppressed"];

    /// <summary>Every alert, newest first, by integration, dedup key and status; blank filters match all.</summary>
    public static async Task<AlertPage> SearchAsync(MusterDb db, string? integrationId, string? dedupKey, string? status, int page, int pageSize, CancellationToken ct = default)
    {
        var size = Math.Clamp(pageSize, 1, 200);
        var query = db.Alerts.AsNoTracking();
        if (!string.IsNullOrEmpty(integrationId)) query = query.Where(a => a.IntegrationId == integrationId);
        if (!string.IsNullOrEmpty(dedupKey)) query = query.Where(a => a.DedupKey == dedupKey);
        if (!string.IsNullOrEmpty(status)) query = query.Where(a => a.Status == status);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(a => a.LastSeenAt).Skip((Math.Max(page, 1) - 1) * size).Take(size).Select(a => View(a)).ToListAsync(ct);
        return new AlertPage(items, total);
    }

    public static Task<List<AlertView>> ForIncidentAsync(MusterDb db, string incidentId, CancellationToken ct = default) =>
        db.Alerts.AsNoTracking().Where(a => a.IncidentId == incidentId).OrderBy(a => a.FirstSeenAt).Select(a => View(a)).ToListAsync(ct);

    /// <summary>The numbers of the incidents these alerts belong to, by incident id, for links.</summary>
    public static async Task<Dictionary<string, int>> IncidentNumbersAsync(MusterDb db, IEnumerable<AlertView> alerts, CancellationToken ct = default)
    {
        var ids = alerts.Select(a => a.IncidentId).OfType<string>().Distinct().ToList();
        return ids.Count == 0 ? [] : await db.Incidents.AsNoTracking().Where(i => ids.Contains(i.Id)).Select(i => new { i.Id, i.Number }).ToDictionaryAsync(i => i.Id, i => i.Number, ct);
    }

    public static AlertView View(Alert a) =>
        new(a.Id, a.IncidentId, a.IntegrationId, a.ServiceId, a.DedupKey, a.Status, a.Summary, a.Source, a.Severity, a.EventCount, a.FirstSeenAt, a.LastSeenAt, a.ResolvedAt);
}
