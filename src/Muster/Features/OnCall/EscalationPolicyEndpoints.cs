using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.OnCall;

public sealed record EscalationPolicyRequest(string? Name, EscalationPolicyDefinition? Definition);

public sealed record ServiceRef(string Id, string Name);

public sealed record EscalationPolicyView(string Id, string Name, EscalationPolicyDefinition Definition, IReadOnlyList<ServiceRef> Services, DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>What is allowed but probably not meant; only in the answer to a save.</summary>
    public IReadOnlyList<OnCallIssue> Warnings { get; init; } = [];
}

public static class EscalationPolicyEndpoints
{
    public static void MapEscalationPolicies(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/escalation-policies").WithTags("On call");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, null, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every escalation policy with the services that use it.");
        api.MapGet("/{id}", async (string id, MusterDb db, CancellationToken ct) =>
                (await ListAsync(db, id, ct)).FirstOrDefault() is { } p ? Results.Ok(p) : Problems.NotFound("escalation policy", id))
            .RequireAuthorization(Policies.Viewer);
        api.MapPost("/", async (EscalationPolicyRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var saved = await SaveAsync(db, null, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/escalation-policies/{saved.Id}", saved);
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Create a policy: {name, definition: {steps: [{delayMinutes, targets: [{type: person|schedule|team, id}], requireAll?}], repeatCount?, repeatFromStep?, reescalateAfterMinutes?}}. The answer lists warnings.");
        api.MapPut("/{id}", async (string id, EscalationPolicyRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await SaveAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Change a policy; the answer lists warnings.");
        api.MapDelete("/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await DeleteAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Delete a policy; refused (409) while a service uses it.");
    }

    /// <summary>Ids and names, for a service's choice of policy.</summary>
    public static async Task<List<(string Id, string Name)>> NamesAsync(MusterDb db, CancellationToken ct = default) =>
        (await db.EscalationPolicies.AsNoTracking().OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync(ct)).Select(p => (p.Id, p.Name)).ToList();

    public static async Task<List<EscalationPolicyView>> ListAsync(MusterDb db, string? id = null, CancellationToken ct = default)
    {
        var query = db.EscalationPolicies.AsNoTracking();
        if (id is not null)
            query = query.Where(p => p.Id == id);
        var policies = await query.OrderBy(p => p.Name).ToListAsync(ct);
        var ids = policies.Select(p => p.Id).ToList();
        var services = await db.Services.AsNoTracking().Where(s => s.EscalationPolicyId != null && ids.Contains(s.EscalationPolicyId))
            .OrderBy(s => s.Name).Select(s => new { s.Id, s.Name, s.EscalationPolicyId }).ToListAsync(ct);
        return policies.Select(p => new EscalationPolicyView(p.Id, p.Name, OnCallLookup.Definition(p),
            services.Where(s => s.EscalationPolicyId == p.Id).Select(s => new ServiceRef(s.Id, s.Name)).ToList(), p.CreatedAt, p.UpdatedAt)).ToList();
    }

    /// <summary>
    /// Checks a policy whole: errors (unknown targets, bad numbers) refuse it with their paths under
    /// <c>definition.</c>; warnings (gaps in a paged schedule, unreachable steps) come back with it.
    /// </summary>
    public static async Task<EscalationPolicyView> SaveAsync(MusterDb db, string? id, EscalationPolicyRequest request, ClaimsPrincipal? user, DateTime now,
        CancellationToken ct = default)
    {
        var policy = id is null ? new EscalationPolicy { CreatedAt = now } : await db.EscalationPolicies.FindAsync([id], ct) ?? throw RequestException.NotFound("escalation policy", id);
        var errors = new Problems.Errors().Text(request.Name, "name", 100);
        if (request.Definition is not { } definition)
        {
            errors.Check(false, "definition", "definition is required: {steps: [{delayMinutes, targets: [{type, id}]}]}.");
            errors.ThrowIfAny();
            return null!;
        }
        var validation = await ValidateAsync(db, definition, now, ct);
        foreach (var issue in validation.Errors)
            errors.Check(false, $"definition.{issue.Path}", issue.Message);
        errors.ThrowIfAny();
        var name = request.Name!.Trim();
        if (await db.EscalationPolicies.AnyAsync(p => p.Name == name && p.Id != policy.Id, ct))
            throw RequestException.Conflict("name", $"An escalation policy named '{name}' exists already; choose another name.");
        var before = id is null ? null : new { policy.Name, policy.Definition };
        policy.Name = name;
        policy.Definition = JsonSerializer.Serialize(definition, OnCallLookup.Json);
        policy.UpdatedAt = now;
        if (id is null)
            db.EscalationPolicies.Add(policy);
        db.Record(user, id is null ? "escalation_policy.created" : "escalation_policy.updated", "escalation_policy", policy.Id, before,
            new { policy.Name, policy.Definition }, now);
        await db.SaveChangesAsync(ct);
        return (await ListAsync(db, policy.Id, ct))[0] with { Warnings = validation.Warnings.Select(w => w with { Path = $"definition.{w.Path}" }).ToList() };
    }

    /// <summary>The validator with what exists now and each named schedule's gaps over the next 14 days.</summary>
    public static async Task<EscalationValidation> ValidateAsync(MusterDb db, EscalationPolicyDefinition definition, DateTime now, CancellationToken ct = default)
    {
        var targets = definition.Steps.SelectMany(s => s.Targets).Where(t => t is not null).ToList();
        var ids = targets.Select(t => t.Id).Where(i => i is not null).Distinct().ToList();
        var people = (await db.People.Where(p => ids.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct)).ToHashSet();
        var teams = (await db.Teams.Where(t => ids.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct)).ToHashSet();
        var schedules = await db.Schedules.AsNoTracking().Where(s => ids.Contains(s.Id)).ToListAsync(ct);
        var gaps = new Dictionary<string, IReadOnlyList<TimeRange>>();
        foreach (var schedule in schedules)
        {
            var end = now + EscalationValidator.GapHorizon;
            gaps[schedule.Id] = ScheduleResolver.Gaps(OnCallLookup.Definition(schedule), await OnCallLookup.CalendarAsync(db, schedule.CalendarId, ct),
                await OnCallLookup.OverridesAsync(db, schedule.Id, now, end, ct), now, end);
        }
        return EscalationValidator.Validate(definition,
            (type, targetId) => type switch
            {
                EscalationTargetType.Person => people.Contains(targetId),
                EscalationTargetType.Schedule => gaps.ContainsKey(targetId),
                EscalationTargetType.Team => teams.Contains(targetId),
                _ => false,
            },
            scheduleId => gaps.GetValueOrDefault(scheduleId) ?? []);
    }

    public static async Task DeleteAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var policy = await db.EscalationPolicies.FindAsync([id], ct) ?? throw RequestException.NotFound("escalation policy", id);
        var services = await db.Services.Where(s => s.EscalationPolicyId == id).OrderBy(s => s.Name).Select(s => s.Name).ToListAsync(ct);
        if (services.Count > 0)
            throw RequestException.Conflict("services",
                $"The services {string.Join(", ", services.Select(n => $"'{n}'"))} use this policy; give them another policy first.");
        db.EscalationPolicies.Remove(policy);
        db.Record(user, "escalation_policy.deleted", "escalation_policy", id, new { policy.Name, policy.Definition }, null, now);
        await db.SaveChangesAsync(ct);
    }
}
