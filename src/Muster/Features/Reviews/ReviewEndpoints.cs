using System.Security.Claims;
using Muster.Data;
using Muster.Domain.Learning;
using Muster.Infrastructure;

namespace Muster.Features.Reviews;

public static class ReviewEndpoints
{
    public static void MapReviews(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/incidents/{id}/review").WithTags("Reviews");
        api.MapGet("/", async (string id, ReviewActions reviews, CancellationToken ct) =>
                await reviews.FindAsync(id, ct) is { } view ? Results.Ok(view) : Problems.NotFound("review", id))
            .RequireAuthorization(Policies.Viewer).WithSummary("The incident's post-incident review, with its timeline, impact and action items.");
        api.MapPost("/", async (string id, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
            {
                var view = await reviews.StartAsync(id, user, ct);
                return TypedResults.Created($"/api/v1/incidents/{view.IncidentId}/review", view);
            })
            .RequireAuthorization(Policies.Responder).WithSummary("Start the review as a draft from the plan's review template.");
        api.MapPut("/", async (string id, ReviewRequest request, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.UpdateAsync(id, request, user, ct)))
            .RequireAuthorization(Policies.Responder).WithSummary("Change the review's fields; fields left out stay. Refused once published.");
        api.MapPost("/submit", async (string id, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.MoveAsync(id, ReviewStates.InReview, user, ct)))
            .RequireAuthorization(Policies.Responder).WithSummary("Draft → in review.");
        api.MapPost("/publish", async (string id, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.MoveAsync(id, ReviewStates.Published, user, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Publish: read-only from then on; reminders stop.");
        api.MapPost("/reopen", async (string id, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.MoveAsync(id, ReviewStates.Draft, user, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Take a published (or in-review) review back to draft.");
        api.MapPost("/actions", async (string id, ActionItemRequest request, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
            {
                var item = await reviews.AddActionAsync(id, request, user, ct);
                return TypedResults.Created($"/api/v1/review-actions/{item.Id}", item);
            })
            .RequireAuthorization(Policies.Responder).WithSummary("Add an action item: {title, ownerId?, dueOn? (yyyy-MM-dd)}.");

        app.MapGet("/api/v1/reviews", async (string? show, bool? includeDrills, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.ListAsync(show ?? "all", includeDrills ?? false, ct)))
            .WithTags("Reviews").RequireAuthorization(Policies.Viewer)
            .WithSummary("Reviews: show=due|overdue|published|all; drill incidents only with includeDrills=true.");

        var actions = app.MapGroup("/api/v1/review-actions").WithTags("Reviews");
        actions.MapGet("/", async (string? state, string? ownerId, bool? overdue, bool? includeDrills, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var owner = ownerId == "me" ? user.Actor().Id ?? "" : ownerId;
                return TypedResults.Ok(await ReviewActions.ActionsAsync(db,
                    new ReviewActions.ActionFilter(State: state, OwnerId: owner, OverdueOnly: overdue == true, IncludeDrills: includeDrills ?? true), time.GetUtcNow().UtcDateTime, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Action items of reviews and drills: state=open|done, ownerId (or me), overdue=true.");
        actions.MapPatch("/{actionId}", async (string actionId, ActionItemPatch patch, ClaimsPrincipal user, ReviewActions reviews, CancellationToken ct) =>
                TypedResults.Ok(await reviews.PatchActionAsync(actionId, patch, user, ct)))
            .RequireAuthorization(Policies.Responder).WithSummary("Change an action item: {title?, ownerId?, dueOn?, state: open|done}.");
    }
}
