using System.Security.Claims;
using Muster.Features.Incidents;
using Muster.Features.Reviews;
using Muster.Infrastructure;

namespace Muster.Features.Drills;

public static class DrillEndpoints
{
    public static void MapDrills(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/drills").WithTags("Drills");
        api.MapGet("/", async (DrillActions drills, CancellationToken ct) => TypedResults.Ok(await drills.ListAsync(ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("The drill register: every scenario, its next date and its runs.");
        api.MapGet("/{id}", async (string id, DrillActions drills, CancellationToken ct) => TypedResults.Ok(await drills.GetAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("One drill scenario and its runs.");
        api.MapPost("/", async (DrillRequest request, ClaimsPrincipal user, DrillActions drills, CancellationToken ct) =>
            {
                var view = await drills.SaveAsync(null, request, user, ct);
                return TypedResults.Created($"/api/v1/drills/{view.Id}", view);
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Create a drill scenario with its schedule and participants.");
        api.MapPut("/{id}", async (string id, DrillRequest request, ClaimsPrincipal user, DrillActions drills, CancellationToken ct) =>
                TypedResults.Ok(await drills.SaveAsync(id, request, user, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Replace a drill scenario.");
        api.MapPost("/{id}/run", async (string id, ClaimsPrincipal user, DrillActions drills, IncidentActions incidents, CancellationToken ct) =>
            {
                var (incident, run) = await drills.RunAsync(id, user.Actor(), ct);
                var view = await incidents.ViewAsync(incident, ct);
                return TypedResults.Created($"/api/v1/drill-runs/{run.Id}", view);
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Start the drill: opens a drill incident (drill: true) and pages the participants; returns the incident.");

        var runs = app.MapGroup("/api/v1/drill-runs").WithTags("Drills");
        runs.MapGet("/{id}", async (string id, DrillActions drills, CancellationToken ct) => TypedResults.Ok(await drills.ReportAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("The drill report: each stage's time against the plan's target, and the findings.");
        runs.MapPost("/{id}/findings", async (string id, ActionItemRequest request, ClaimsPrincipal user, DrillActions drills, CancellationToken ct) =>
            {
                var item = await drills.AddFindingAsync(id, request, user, ct);
                return TypedResults.Created($"/api/v1/review-actions/{item.Id}", item);
            })
            .RequireAuthorization(Policies.Responder).WithSummary("Record a finding as an action item: {title, ownerId?, dueOn?}.");
    }
}
