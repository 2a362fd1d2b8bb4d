using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Services;

public sealed record ServiceRequest(string? Name, string? Description = null, string? TeamId = null, string? PlanId = null, bool KeepOpenWhenAlertsResolve = false,
    string? EscalationPolicyId = null);

public sealed record ServiceView(string Id, string Name, string? Description, string? TeamId, string? TeamName, string? PlanId, string? PlanKey, bool KeepOpenWhenAlertsResolve, DateTime CreatedAt,
    string? EscalationPolicyId = null);

public static class ServiceEndpoints
{
    public static void MapServices(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/services").WithTags("Services");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every service, with its team and plan.");
        api.MapGet("/{id}", async (string id, MusterDb db, CancellationToken ct) =>
                (await ListAsync(db, ct)).FirstOrDefault(s => s.Id == id) is { } s ? Results.Ok(s) : Problems.NotFound("service", id))
            .RequireAuthorization(Policies.Viewer);
        api.MapPost("/", async (ServiceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var service = await SaveAsync(db, null, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/services/{service.Id}", (await ListAsync(db, ct)).First(s => s.Id == service.Id));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Create a service: {name, teamId?, planId?}.");
        api.MapPut("/{id}", async (string id, ServiceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await SaveAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Ok((await ListAsync(db, ct)).First(s => s.Id == id));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Change a service's name, team or plan.");
    }

    public static async Task<List<ServiceView>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        await (from s in db.Services
               join t in db.Teams on s.TeamId equals t.Id into teams
               from t in teams.DefaultIfEmpty()
               join p in db.Plans on s.PlanId equals p.Id into plans
               from p in plans.DefaultIfEmpty()
               orderby s.Name
               select new ServiceView(s.Id, s.Name, s.Description, s.TeamId, t == null ? null : t.Name, s.PlanId, p == null ? null : p.Key, s.KeepOpenWhenAlertsResolve, s.CreatedAt,
                   s.EscalationPolicyId))
            .AsNoTracking().ToListAsync(ct);

    /// <summary>Creates (id null) or updates a service, with its audit entry, in one save.</summary>
    public static async Task<Service> SaveAsync(MusterDb db, string? id, ServiceRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Text(request.Name, "name", 100)
            .Text(request.Description, "description", 2000, required: false);
        errors.ThrowIfAny();
        var service = id is null ? new Service { CreatedAt = now } : await db.Services.FindAsync([id], ct) ?? throw RequestException.NotFound("service", id);
        var before = id is null ? null : new { service.Name, service.Description, service.TeamId, service.PlanId, service.KeepOpenWhenAlertsResolve, service.EscalationPolicyId };
        var name = request.Name!.Trim();
        if (await db.Services.AnyAsync(s => s.Name == name && s.Id != service.Id, ct))
            throw RequestException.Conflict("name", $"A service named '{name}' exists already; choose another name.");
        if (!string.IsNullOrEmpty(request.TeamId) && !await db.Teams.AnyAsync(t => t.Id == request.TeamId, ct))
            throw RequestException.Unprocessable("teamId", $"There is no team '{request.TeamId}'; use an id from GET /api/v1/teams.");
        if (!string.IsNullOrEmpty(request.PlanId) && !await db.Plans.AnyAsync(p => p.Id == request.PlanId, ct))
            throw RequestException.Unprocessable("planId", $"There is no plan '{request.PlanId}'; use an id from GET /api/v1/plans.");
        if (!string.IsNullOrEmpty(request.EscalationPolicyId) && !await db.EscalationPolicies.AnyAsync(p => p.Id == request.EscalationPolicyId, ct))
            throw RequestException.Unprocessable("escalationPolicyId",
                $"There is no escalation policy '{request.EscalationPolicyId}'; use an id from GET /api/v1/escalation-policies.");
        service.Name = name;
        service.Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        service.TeamId = string.IsNullOrEmpty(request.TeamId) ? null : request.TeamId;
        service.PlanId = string.IsNullOrEmpty(request.PlanId) ? null : request.PlanId;
        service.KeepOpenWhenAlertsResolve = request.KeepOpenWhenAlertsResolve;
        service.EscalationPolicyId = string.IsNullOrEmpty(request.EscalationPolicyId) ? null : request.EscalationPolicyId;
        if (id is null)
            db.Services.Add(service);
        db.Record(user, id is null ? "service.created" : "service.updated", "service", service.Id, before,
            new { service.Name, service.Description, service.TeamId, service.PlanId, service.KeepOpenWhenAlertsResolve, service.EscalationPolicyId }, now);
        await db.SaveChangesAsync(ct);
        return service;
    }
}
