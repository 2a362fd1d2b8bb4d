using System.Security.Claims;
using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Incidents;

public static class IncidentEndpoints
{
    /// <summary>The lifecycle steps a person takes, each a POST to /api/v1/incidents/{id}/{step}.</summary>
    public static readonly IReadOnlyList<(string Step, IncidentStatus Status)> Steps =
    [
        ("acknowledge", IncidentStatus.Acknowledged),
        ("investigate", IncidentStatus.Investigating),
        ("repair", IncidentStatus.Repairing),
        ("mitigate", IncidentStatus.Mitigated),
        ("resolve", IncidentStatus.Resolved),
        ("verify", IncidentStatus.Verified),
        ("close", IncidentStatus.Closed),
    ];

    public static void MapIncidents(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/incidents").WithTags("Incidents").AddEndpointFilter(IncidentVersion.Filter);

        api.MapGet("/", async ([AsParameters] IncidentQuery query, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.ListAsync(query.ToFilter().Validated(), ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("List incidents, newest first, with filters and paging.");

        api.MapGet("/{id}", async (string id, HttpResponse response, IncidentActions actions, CancellationToken ct) =>
            {
                var incident = await actions.FindAsync(id, ct: ct);
                // The version to send back in If-Match, so that a change answers 409 if the incident moved on meanwhile.
                response.Headers.ETag = IncidentVersion.ETag(incident.UpdatedAt);
                return TypedResults.Ok(await actions.ViewAsync(incident, ct));
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("One incident by id or number (INC-1042), with its level and clocks; its ETag is the version to send in If-Match.");

        api.MapGet("/{id}/timeline", async (string id, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.TimelineAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Everything that happened to an incident, in order.");

        api.MapPost("/", async (DeclareRequest request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
            {
                var incident = await actions.DeclareAsync(request, user.Actor(), ct);
                return TypedResults.Created($"/api/v1/incidents/{incident.Id}", await actions.ViewAsync(incident, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Declare an incident; its plan classifies it and starts its clocks.");

        foreach (var (step, status) in Steps)
        {
            api.MapPost($"/{{id}}/{step}", async (string id, TransitionRequest? request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
                    TypedResults.Ok(await actions.ViewAsync(await actions.TransitionAsync(id, status, request?.Note, user.Actor(), ct), ct)))
                .RequireAuthorization(Policies.Responder)
                .WithSummary($"Move the incident to '{status.ToString().ToLowerInvariant()}', with an optional note.");
        }

        api.MapPost("/{id}/reopen", async (string id, TransitionRequest? request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.ViewAsync(await actions.ReopenAsync(id, request?.Note, user.Actor(), ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Take a resolved, verified or closed incident back to work.");

        api.MapPost("/{id}/notes", async (string id, NoteRequest request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.ViewAsync(await actions.AddNoteAsync(id, request.Text, user.Actor(), ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Add a free note to the timeline.");

        api.MapPatch("/{id}/impact", async (string id, ImpactInput request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.ViewAsync(await actions.UpdateImpactAsync(id, request, user.Actor(), ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Replace the impact facts; the level rises if the plan says so, and never falls by itself.");

        api.MapPut("/{id}/severity", async (string id, SeverityRequest request, ClaimsPrincipal user, IncidentActions actions, CancellationToken ct) =>
                TypedResults.Ok(await actions.ViewAsync(await actions.SetSeverityAsync(id, request, user.Actor(), ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Set the level by hand, with a reason (the only way to lower it).");
    }

    public sealed record IncidentQuery(
        string? Status, string? Severity, string? ServiceId, string? Q, DateTime? From, DateTime? To, bool? Drill, int? Page, int? PageSize)
    {
        public IncidentFilter ToFilter() => new(Status, Severity, ServiceId, Q, From, To, Drill, Page ?? 1, PageSize ?? 50);
    }
}
