using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Teams;

public sealed record TeamRequest(string? Name, string? Description = null);

public sealed record TeamView(string Id, string Name, string? Description, int Members);

public static class TeamEndpoints
{
    public static void MapTeams(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/teams").WithTags("Teams");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every team and how many people are in it.");
        api.MapPost("/", async (TeamRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var team = await CreateAsync(db, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/teams/{team.Id}", new TeamView(team.Id, team.Name, team.Description, 0));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Create a team: {name, description?}.");
    }

    public static Task<List<TeamView>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        db.Teams.OrderBy(t => t.Name)
            .Select(t => new TeamView(t.Id, t.Name, t.Description, db.People.Count(p => p.TeamId == t.Id)))
            .ToListAsync(ct);

    public static async Task<Team> CreateAsync(MusterDb db, TeamRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        new Problems.Errors().Text(request.Name, "name", 100).Text(request.Description, "description", 2000, required: false).ThrowIfAny();
        var name = request.Name!.Trim();
        if (await db.Teams.AnyAsync(t => t.Name == name, ct))
            throw RequestException.Conflict("name", $"A team named '{name}' exists already; choose another name.");
        var team = new Team { Name = name, Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(), CreatedAt = now };
        db.Teams.Add(team);
        db.Record(user, "team.created", "team", team.Id, null, new { team.Name, team.Description }, now);
        await db.SaveChangesAsync(ct);
        return team;
    }
}
