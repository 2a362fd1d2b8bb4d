using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.OnCall;

public sealed record OverrideRequest(DateTime? StartsAt, DateTime? EndsAt, string? Kind, string? PersonId, string? ReplacesPersonId = null, string? Reason = null);

public sealed record OverrideView(string Id, string ScheduleId, DateTime StartsAt, DateTime EndsAt, string Kind, string PersonId, string PersonName,
    string? ReplacesPersonId, string? ReplacesPersonName, string? Reason, DateTime CreatedAt);

public sealed record SwapRequestBody(string? WithPersonId, DateTime? StartsAt, DateTime? EndsAt, string? Reason = null);

public sealed record SwapView(string Id, string ScheduleId, string ScheduleName, string RequestedBy, string RequestedByName, string WithPersonId, string WithPersonName,
    DateTime StartsAt, DateTime EndsAt, string? Reason, string Status, string? OverrideId, DateTime CreatedAt);

/// <summary>Changes to a schedule for a while: overrides a manager makes, and swaps a responder asks for and a manager decides.</summary>
public static class OverrideEndpoints
{
    public static readonly IReadOnlyList<string> Kinds = ["add", "remove", "replace"];

    public static void MapOverrides(this IEndpointRouteBuilder app)
    {
        var schedules = app.MapGroup("/api/v1/schedules/{id}").WithTags("On call");
        schedules.MapGet("/overrides", async (string id, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await RequireScheduleAsync(db, id, ct);
                return TypedResults.Ok(await ListAsync(db, id, time.GetUtcNow().UtcDateTime, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("The schedule's overrides that have not ended yet, by start.");
        schedules.MapPost("/overrides", async (string id, OverrideRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var created = await CreateAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/schedules/{id}/overrides", (await ListAsync(db, id, DateTime.MinValue, ct)).First(o => o.Id == created.Id));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Add an override: {startsAt, endsAt, kind: add|remove|replace, personId, replacesPersonId?, reason?}; times are UTC.");
        schedules.MapGet("/swaps", async (string id, string? status, MusterDb db, CancellationToken ct) =>
            {
                await RequireScheduleAsync(db, id, ct);
                return TypedResults.Ok(await SwapsAsync(db, id, status ?? "pending", ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("The schedule's swap requests (?status=pending by default, approved, rejected or all).");
        schedules.MapPost("/swaps", async (string id, SwapRequestBody request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var swap = await RequestSwapAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/swaps/{swap.Id}", (await SwapsAsync(db, id, "all", ct)).First(s => s.Id == swap.Id));
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Ask to hand your own shifts between startsAt and endsAt to withPersonId; a manager approves it into a replace override. Needs a signed-in person.");

        app.MapDelete("/api/v1/overrides/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await DeleteAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithTags("On call").WithSummary("Remove an override.");
        var swaps = app.MapGroup("/api/v1/swaps").WithTags("On call");
        swaps.MapGet("/", async (string? status, MusterDb db, CancellationToken ct) => TypedResults.Ok(await SwapsAsync(db, null, status ?? "pending", ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Swap requests on every schedule (?status=pending by default).");
        swaps.MapPost("/{id}/approve", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await DecideAsync(db, id, approve: true, user, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Approve a pending swap: creates a replace override, requester → the other person.");
        swaps.MapPost("/{id}/reject", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await DecideAsync(db, id, approve: false, user, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Reject a pending swap.");
    }

    private static async Task<Schedule> RequireScheduleAsync(MusterDb db, string id, CancellationToken ct) =>
        await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("schedule", id);

    /// <summary>Overrides of a schedule that end after <paramref name="endingAfter"/>, by start.</summary>
    public static async Task<List<OverrideView>> ListAsync(MusterDb db, string scheduleId, DateTime endingAfter, CancellationToken ct = default)
    {
        var rows = await db.ScheduleOverrides.AsNoTracking().Where(o => o.ScheduleId == scheduleId && o.EndsAt > endingAfter)
            .OrderBy(o => o.StartsAt).ThenBy(o => o.CreatedAt).ToListAsync(ct);
        var names = await ScheduleEndpoints.NamesAsync(db, rows.Select(o => o.PersonId).Concat(rows.Where(o => o.ReplacesPersonId != null).Select(o => o.ReplacesPersonId!)), ct);
        return rows.Select(o => new OverrideView(o.Id, o.ScheduleId, o.StartsAt, o.EndsAt, o.Kind, o.PersonId, names.GetValueOrDefault(o.PersonId, o.PersonId),
            o.ReplacesPersonId, o.ReplacesPersonId is null ? null : names.GetValueOrDefault(o.ReplacesPersonId, o.ReplacesPersonId), o.Reason, o.CreatedAt)).ToList();
    }

    public static async Task<ScheduleOverride> CreateAsync(MusterDb db, string scheduleId, OverrideRequest request, ClaimsPrincipal? user, DateTime now,
        CancellationToken ct = default)
    {
        await RequireScheduleAsync(db, scheduleId, ct);
        var errors = new Problems.Errors()
            .Check(request.StartsAt is not null, "startsAt", "startsAt is required (UTC).")
            .Check(request.EndsAt is not null, "endsAt", "endsAt is required (UTC).")
            .Check(request.Kind is not null && Kinds.Contains(request.Kind.ToLowerInvariant()), "kind", "kind is one of: add, remove, replace.")
            .Text(request.Reason, "reason", 500, required: false);
        errors.ThrowIfAny();
        var o = new Override
        {
            Id = "new",
            Start = DateTime.SpecifyKind(request.StartsAt!.Value.ToUniversalTime(), DateTimeKind.Utc),
            End = DateTime.SpecifyKind(request.EndsAt!.Value.ToUniversalTime(), DateTimeKind.Utc),
            Kind = Enum.Parse<OverrideKind>(request.Kind!, ignoreCase: true),
            PersonId = request.PersonId ?? "",
            ReplacesPersonId = string.IsNullOrEmpty(request.ReplacesPersonId) ? null : request.ReplacesPersonId,
            CreatedAt = now,
        };
        foreach (var issue in ScheduleValidator.ValidateOverride(o))
            errors.Check(false, issue.Path switch { "start" => "startsAt", "end" => "endsAt", var p => p }, issue.Message);
        errors.ThrowIfAny();
        await RequirePersonAsync(db, "personId", o.PersonId, ct);
        if (o.ReplacesPersonId is { } replaced)
            await RequirePersonAsync(db, "replacesPersonId", replaced, ct);
        var row = new ScheduleOverride
        {
            ScheduleId = scheduleId,
            StartsAt = o.Start,
            EndsAt = o.End,
            Kind = o.Kind.ToString().ToLowerInvariant(),
            PersonId = o.PersonId,
            ReplacesPersonId = o.ReplacesPersonId,
            Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            CreatedBy = user?.Identity?.IsAuthenticated == true ? user.Actor().Name : null,
            CreatedAt = now,
        };
        db.ScheduleOverrides.Add(row);
        db.Record(user, "schedule.override_added", "schedule", scheduleId, null, new { row.Id, row.Kind, row.PersonId, row.ReplacesPersonId, row.StartsAt, row.EndsAt }, now);
        await db.SaveChangesAsync(ct);
        return row;
    }

    private static async Task RequirePersonAsync(MusterDb db, string field, string personId, CancellationToken ct)
    {
        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
            throw RequestException.Unprocessable(field, $"There is no person '{personId}'; use an id from GET /api/v1/people.");
    }

    public static async Task<string> DeleteAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var row = await db.ScheduleOverrides.FindAsync([id], ct) ?? throw RequestException.NotFound("override", id);
        db.ScheduleOverrides.Remove(row);
        db.Record(user, "schedule.override_removed", "schedule", row.ScheduleId, new { row.Id, row.Kind, row.PersonId, row.ReplacesPersonId, row.StartsAt, row.EndsAt }, null, now);
        await db.SaveChangesAsync(ct);
        return row.ScheduleId;
    }

    public static async Task<List<SwapView>> SwapsAsync(MusterDb db, string? scheduleId, string status, CancellationToken ct = default)
    {
        if (status is not ("pending" or "approved" or "rejected" or "all"))
            throw RequestException.Invalid("status", "status is pending, approved, rejected or all.");
        var query = from s in db.SwapRequests
                    join schedule in db.Schedules on s.ScheduleId equals schedule.Id
                    select new { s, schedule.Name };
        if (scheduleId is not null)
            query = query.Where(x => x.s.ScheduleId == scheduleId);
        if (status != "all")
            query = query.Where(x => x.s.Status == status);
        var rows = await query.AsNoTracking().OrderBy(x => x.s.StartsAt).ToListAsync(ct);
        var names = await ScheduleEndpoints.NamesAsync(db, rows.SelectMany(x => new[] { x.s.RequestedBy, x.s.WithPersonId }), ct);
        return rows.Select(x => new SwapView(x.s.Id, x.s.ScheduleId, x.Name, x.s.RequestedBy, names.GetValueOrDefault(x.s.RequestedBy, x.s.RequestedBy),
            x.s.WithPersonId, names.GetValueOrDefault(x.s.WithPersonId, x.s.WithPersonId), x.s.StartsAt, x.s.EndsAt, x.s.Reason, x.s.Status, x.s.OverrideId,
            x.s.CreatedAt)).ToList();
    }

    /// <summary>
    /// A responder asks to hand their own shifts in a period to someone else. The requester is the
    /// signed-in person, never a field of the body: nobody asks on someone else's behalf.
    /// </summary>
    public static async Task<SwapRequest> RequestSwapAsync(MusterDb db, string scheduleId, SwapRequestBody request, ClaimsPrincipal user, DateTime now,
        CancellationToken ct = default)
    {
        var schedule = await RequireScheduleAsync(db, scheduleId, ct);
        var requester = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (requester is null || !await db.People.AnyAsync(p => p.Id == requester, ct))
            throw RequestException.Unprocessable("requestedBy", "A swap is asked for by a signed-in person for their own shifts; an API key is nobody's.");
        var errors = new Problems.Errors()
            .Text(request.WithPersonId, "withPersonId", 100)
            .Check(request.StartsAt is not null, "startsAt", "startsAt is required (UTC).")
            .Check(request.EndsAt is not null, "endsAt", "endsAt is required (UTC).")
            .Text(request.Reason, "reason", 500, required: false);
        errors.ThrowIfAny();
        var start = DateTime.SpecifyKind(request.StartsAt!.Value.ToUniversalTime(), DateTimeKind.Utc);
        var end = DateTime.SpecifyKind(request.EndsAt!.Value.ToUniversalTime(), DateTimeKind.Utc);
        errors.Check(end > start, "endsAt", "endsAt is after startsAt.")
            .Check(end > now, "endsAt", "The period is over already.")
            .Check(request.WithPersonId != requester, "withPersonId", "Choose someone other than yourself.")
            .Check(end - start <= ScheduleEndpoints.MaxPeriod, "endsAt", $"A swap covers at most {ScheduleEndpoints.MaxPeriod.TotalDays} days.");
        errors.ThrowIfAny();
        await RequirePersonAsync(db, "withPersonId", request.WithPersonId!, ct);
        // A swap of time the requester is not on call would approve into an override that changes nothing.
        var segments = await OnCallLookup.ResolveAsync(db, schedule, start, end, ct);
        if (!segments.Any(s => s.People.Any(p => p.PersonId == requester)))
            throw RequestException.Unprocessable("startsAt", "You are not on call on this schedule in that period, so there is nothing to swap.");
        var swap = new SwapRequest
        {
            ScheduleId = scheduleId,
            RequestedBy = requester,
            WithPersonId = request.WithPersonId!,
            StartsAt = start,
            EndsAt = end,
            Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            CreatedAt = now,
        };
        db.SwapRequests.Add(swap);
        db.Record(user, "schedule.swap_requested", "schedule", scheduleId, null, new { swap.Id, swap.WithPersonId, swap.StartsAt, swap.EndsAt }, now);
        await db.SaveChangesAsync(ct);
        return swap;
    }

    /// <summary>Approves (into a replace override: the other person takes the requester's place) or rejects a pending swap.</summary>
    public static async Task<SwapView> DecideAsync(MusterDb db, string id, bool approve, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var swap = await db.SwapRequests.FindAsync([id], ct) ?? throw RequestException.NotFound("swap request", id);
        if (swap.Status != "pending")
            throw RequestException.Conflict("status", $"This swap was {swap.Status} already.");
        swap.Status = approve ? "approved" : "rejected";
        swap.DecidedBy = user?.Identity?.IsAuthenticated == true ? user.Actor().Name : null;
        swap.DecidedAt = now;
        if (approve)
        {
            var row = new ScheduleOverride
            {
                ScheduleId = swap.ScheduleId,
                StartsAt = swap.StartsAt,
                EndsAt = swap.EndsAt,
                Kind = "replace",
                PersonId = swap.WithPersonId,
                ReplacesPersonId = swap.RequestedBy,
                Reason = swap.Reason is null ? "swap" : $"swap: {swap.Reason}",
                CreatedBy = swap.DecidedBy,
                CreatedAt = now,
            };
            db.ScheduleOverrides.Add(row);
            swap.OverrideId = row.Id;
        }
        db.Record(user, approve ? "schedule.swap_approved" : "schedule.swap_rejected", "schedule", swap.ScheduleId, null, new { swap.Id, swap.OverrideId }, now);
        await db.SaveChangesAsync(ct);
        return (await SwapsAsync(db, swap.ScheduleId, "all", ct)).First(s => s.Id == id);
    }
}
