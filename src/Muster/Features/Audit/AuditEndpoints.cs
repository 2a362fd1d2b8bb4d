using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Audit;

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total, int Page, int PageSize);

public static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", async (int? page, int? pageSize, string? entityType, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok(await ListAsync(db, page ?? 1, Math.Clamp(pageSize ?? 50, 1, 200), entityType, ct)))
            .WithTags("Audit").RequireAuthorization(Policies.Admin)
            .WithSummary("Every configuration change, newest first: who, what, before and after.");
    }

    public static async Task<AuditPage> ListAsync(MusterDb db, int page, int pageSize, string? entityType, CancellationToken ct = default)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(entityType))
            query = query.Where(a => a.EntityType == entityType);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(a => a.Id).Skip((Math.Max(page, 1) - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new AuditPage(items, total, page, pageSize);
    }
}
