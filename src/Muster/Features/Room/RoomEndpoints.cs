using System.Security.Claims;
using Muster.Features.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Room;

public static class RoomEndpoints
{
    /// <summary>How often a quiet event stream sends a comment, so proxies keep it open.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    public static void MapRoom(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/incidents").WithTags("Incident room").AddEndpointFilter(IncidentVersion.Filter);

        api.MapGet("/{id}/tasks", async (string id, RoomActions room, CancellationToken ct) => TypedResults.Ok(await room.TasksAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The incident's tasks from its plan's checklists and upward reports: title, role, owner, deadline, state.");
        api.MapPost("/{id}/tasks/{taskId}/done", async (string id, string taskId, TaskDoneRequest? request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.CompleteTaskAsync(id, taskId, request?.Note, user, ct);
                return TypedResults.Ok(await room.TasksAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Mark a task done (by id or key); a mitigation step records the time the service came back by other means.");
        api.MapPost("/{id}/tasks/{taskId}/skip", async (string id, string taskId, TaskSkipRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.SkipTaskAsync(id, taskId, request.Reason, user, ct);
                return TypedResults.Ok(await room.TasksAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Skip a task, with a reason (required).");
        api.MapPost("/{id}/tasks/{taskId}/reassign", async (string id, string taskId, TaskReassignRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.ReassignTaskAsync(id, taskId, request.PersonId, user, ct);
                return TypedResults.Ok(await room.TasksAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Give a task to another person.");

        api.MapGet("/{id}/roles", async (string id, RoomActions room, CancellationToken ct) => TypedResults.Ok(await room.RolesAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The plan's roles and who holds each on this incident.");
        api.MapPost("/{id}/roles", async (string id, RoleRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.AssignRoleAsync(id, request, user, ct);
                return TypedResults.Ok(await room.RolesAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Put a person in a role; a single role (or replace: true) replaces whoever held it.");
        api.MapDelete("/{id}/roles/{role}/{personId}", async (string id, string role, string personId, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.UnassignRoleAsync(id, role, personId, user, ct);
                return TypedResults.Ok(await room.RolesAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Take a person out of a role.");

        api.MapPut("/{id}/category", async (string id, CategoryRequest request, ClaimsPrincipal user, RoomActions room, IncidentActions incidents, CancellationToken ct) =>
                TypedResults.Ok(await incidents.ViewAsync(await room.SetCategoryAsync(id, request.Category, user, ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Set or clear the fault category; its checklist's tasks are added.");

        api.MapGet("/{id}/upward", async (string id, RoomActions room, CancellationToken ct) => TypedResults.Ok(await room.UpwardAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The reports upward the plan asks for: to whom, by when, the text from its template, and what was sent.");
        api.MapPost("/{id}/upward/{taskId}", async (string id, string taskId, UpwardRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.SendUpwardAsync(id, taskId, request.Text, user, ct);
                return TypedResults.Ok(await room.UpwardAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Send an upward report with this text to the rule's people; it is kept, and its task is done.");

        api.MapGet("/{id}/messages", async (string id, RoomActions room, IncidentActions incidents, CancellationToken ct) =>
                TypedResults.Ok(await room.MessagesAsync((await incidents.FindAsync(id, ct: ct)).Id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Every report upward and customer message sent for the incident, as sent.");
        api.MapPost("/{id}/messages", async (string id, MessageRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.SendCustomerMessageAsync(id, request, user, ct);
                return TypedResults.Ok(await room.MessagesAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Send a customer message: {kind: customerSms, text} to each reachable reporter by SMS (less the 退订 list), or {kind: announcement, text | textZh + textEn} " +
                "as a status-page update (approved at levels 1 and 2) and to the plan's channels. A drill sends only if its scenario allows customer messages (409 otherwise).");

        api.MapPost("/{id}/merge", async (string id, MergeRequest request, ClaimsPrincipal user, RoomActions room, IncidentActions incidents, CancellationToken ct) =>
                TypedResults.Ok(await incidents.ViewAsync(await room.MergeAsync(id, request.Into, user, ct), ct)))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Merge this incident into another (into): its alerts, reports, tasks and timeline move there, and it is closed as merged.");

        api.MapGet("/{id}/links", async (string id, RoomActions room, CancellationToken ct) => TypedResults.Ok(await room.LinksAsync(id, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Related and merged incidents, in both directions.");
        api.MapPost("/{id}/links", async (string id, LinkRequest request, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.LinkAsync(id, request, user, ct);
                return TypedResults.Ok(await room.LinksAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Link a related incident; both show the link.");
        api.MapDelete("/{id}/links/{other}", async (string id, string other, ClaimsPrincipal user, RoomActions room, CancellationToken ct) =>
            {
                var incident = await room.UnlinkAsync(id, other, user, ct);
                return TypedResults.Ok(await room.LinksAsync(incident.Id, ct));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Remove a link between two incidents.");

        api.MapGet("/{id}/events", async (string id, HttpContext http, IncidentActions incidents, IncidentChanges changes, CancellationToken ct) =>
            {
                var incident = await incidents.FindAsync(id, ct: ct);
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers["X-Accel-Buffering"] = "no";
                var body = http.Response.Body;
                var sequence = 0;
                var watching = false;
                await foreach (var changed in changes.WatchAsync(incident.Id, KeepAlive, ct))
                {
                    // The stream opens only once the watch is registered: a change made right after a
                    // client sees the opening lines is never missed.
                    var text = !watching ? $"retry: 3000\n: watching {incident.Reference}\n\n"
                        : changed ? $"event: change\nid: {++sequence}\ndata: {incident.Id}\n\n" : ": keep-alive\n\n";
                    watching = true;
                    await http.Response.WriteAsync(text, ct);
                    await body.FlushAsync(ct);
                }
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Server-sent events: a 'change' event each time anything on the incident changes, from any process; the room refetches then.");
    }
}
