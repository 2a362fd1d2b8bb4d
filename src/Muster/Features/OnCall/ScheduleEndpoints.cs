using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.OnCall;

public sealed record ScheduleRequest(string? Name, string? TeamId = null, string? CalendarId = null, ScheduleDefinition? Definition = null);

public sealed record ScheduleView(string Id, string Name, string? TeamId, string? CalendarId, ScheduleDefinition Definition, DateTime CreatedAt, DateTime UpdatedAt)
{
    /// <summary>What is allowed but probably not meant (gaps in the next 14 days); only in the answer to a save.</summary>
    public IReadOnlyList<OnCallIssue> Warnings { get; init; } = [];
}

/// <summary>Someone on call, named, with their shift role (primary, backup...) and the schedule that put them there.</summary>
public sealed record OnCallPersonView(string PersonId, string Name, string Role, string? ScheduleId = null);

public sealed record ShiftView(DateTime Start, DateTime End, IReadOnlyList<OnCallPersonView> People);

public static class ScheduleEndpoints
{
    /// <summary>How far ahead a saved schedule is checked for gaps, as the escalation validator does.</summary>
    public static readonly TimeSpan GapHorizon = EscalationValidator.GapHorizon;

    /// <summary>The longest period one request resolves: a quarter, so that a typo in a year cannot make the server resolve a century.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(92);

    public static void MapSchedules(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/schedules").WithTags("On call");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every schedule with its definition.");
        api.MapGet("/{id}", async (string id, MusterDb db, CancellationToken ct) =>
                await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) is { } s ? Results.Ok(View(s)) : Problems.NotFound("schedule", id))
            .RequireAuthorization(Policies.Viewer);
        api.MapPost("/", async (ScheduleRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var saved = await SaveAsync(db, null, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/schedules/{saved.Id}", saved);
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Create a schedule: {name, teamId?, calendarId?, definition}. The answer lists warnings: gaps in the next 14 days.");
        api.MapPut("/{id}", async (string id, ScheduleRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await SaveAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Change a schedule; the answer lists warnings.");
        api.MapDelete("/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await DeleteAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Delete a schedule with its overrides and swap requests; refused while an escalation policy names it.");
        api.MapGet("/{id}/shifts", async (string id, string? from, string? to, MusterDb db, TimeProvider time, IOptions<MusterOptions> options, CancellationToken ct) =>
            {
                var schedule = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("schedule", id);
                var now = time.GetUtcNow().UtcDateTime;
                var (start, end) = Period(from, to, options.Value.Zone, now, now.AddDays(7));
                return TypedResults.Ok(await ShiftsAsync(db, schedule, start, end, ct));
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The final schedule (layers, calendar, overrides) from ?from= (default now) to ?to= (default a week later): segments with the people on call and their roles.");
    }

    public static async Task<List<ScheduleView>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        (await db.Schedules.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct)).Select(View).ToList();

    public static ScheduleView View(Schedule s) =>
        new(s.Id, s.Name, s.TeamId, s.CalendarId, OnCallLookup.Definition(s), s.CreatedAt, s.UpdatedAt);

    /// <summary>Creates (id null) or changes a schedule after checking it whole; the answer carries the gaps of the next 14 days as warnings.</summary>
    public static async Task<ScheduleView> SaveAsync(MusterDb db, string? id, ScheduleRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var schedule = id is null ? new Schedule { CreatedAt = now } : await db.Schedules.FindAsync([id], ct) ?? throw RequestException.NotFound("schedule", id);
        var errors = new Problems.Errors().Text(request.Name, "name", 100);
        if (request.Definition is not { } definition)
        {
            errors.Check(false, "definition", "definition is required: {timeZone, layers: [{name, start, rotationUnit, rotationLength, members, shiftSize}]}.");
            errors.ThrowIfAny();
            return null!;
        }
        foreach (var issue in ScheduleValidator.Validate(definition))
            errors.Check(false, $"definition.{issue.Path}", issue.Message);
        var memberIds = definition.Layers.SelectMany(l => l.Members).Where(m => !string.IsNullOrWhiteSpace(m)).Distinct().ToList();
        var known = (await db.People.Where(p => memberIds.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        for (var l = 0; l < definition.Layers.Count; l++)
            for (var m = 0; m < definition.Layers[l].Members.Count; m++)
            {
                var member = definition.Layers[l].Members[m];
                errors.Check(string.IsNullOrWhiteSpace(member) || known.Contains(member), $"definition.layers[{l}].members[{m}]",
                    $"There is no person '{member}'; use an id from GET /api/v1/people.");
            }
        errors.ThrowIfAny();
        if (!string.IsNullOrEmpty(request.TeamId) && !await db.Teams.AnyAsync(t => t.Id == request.TeamId, ct))
            throw RequestException.Unprocessable("teamId", $"There is no team '{request.TeamId}'; use an id from GET /api/v1/teams.");
        if (!string.IsNullOrEmpty(request.CalendarId) && !await db.WorkingCalendars.AnyAsync(c => c.Id == request.CalendarId, ct))
            throw RequestException.Unprocessable("calendarId", $"There is no working calendar '{request.CalendarId}'; use an id from GET /api/v1/calendars.");

        var before = id is null ? null : new { schedule.Name, schedule.TeamId, schedule.CalendarId, schedule.Definition };
        schedule.Name = request.Name!.Trim();
        schedule.TeamId = string.IsNullOrEmpty(request.TeamId) ? null : request.TeamId;
        schedule.CalendarId = string.IsNullOrEmpty(request.CalendarId) ? null : request.CalendarId;
        schedule.Definition = JsonSerializer.Serialize(definition, OnCallLookup.Json);
        schedule.UpdatedAt = now;
        if (id is null)
            db.Schedules.Add(schedule);
        db.Record(user, id is null ? "schedule.created" : "schedule.updated", "schedule", schedule.Id, before,
            new { schedule.Name, schedule.TeamId, schedule.CalendarId, schedule.Definition }, now);
        await db.SaveChangesAsync(ct);
        return View(schedule) with { Warnings = await GapWarningsAsync(db, schedule, now, ct) };
    }

    /// <summary>Every stretch of the next 14 days with nobody on call, as a warning at <c>definition</c>.</summary>
    public static async Task<IReadOnlyList<OnCallIssue>> GapWarningsAsync(MusterDb db, Schedule schedule, DateTime now, CancellationToken ct = default)
    {
        var definition = OnCallLookup.Definition(schedule);
        var zone = ZoneTime.Find(definition.TimeZone);
        var gaps = ScheduleResolver.Gaps(definition, await OnCallLookup.CalendarAsync(db, schedule.CalendarId, ct),
            await OnCallLookup.OverridesAsync(db, schedule.Id, now, now + GapHorizon, ct), now, now + GapHorizon);
        return gaps.Select(g => new OnCallIssue("definition",
            $"Nobody is on call from {Local(g.Start, zone)} to {Local(g.End, zone)} ({definition.TimeZone}).")).ToList();
    }

    private static string Local(DateTime utc, TimeZoneInfo zone) =>
        ZoneTime.ToLocal(utc, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static async Task DeleteAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var schedule = await db.Schedules.FindAsync([id], ct) ?? throw RequestException.NotFound("schedule", id);
        var usedBy = (await db.EscalationPolicies.AsNoTracking().ToListAsync(ct))
            .Where(p => OnCallLookup.Definition(p).Steps.Any(s => s.Targets.Any(t => t.Type == EscalationTargetType.Schedule && t.Id == id)))
            .Select(p => p.Name).ToList();
        if (usedBy.Count > 0)
            throw RequestException.Conflict("id", $"The escalation policies {string.Join(", ", usedBy.Select(n => $"'{n}'"))} page this schedule; take it out of them first.");
        db.ScheduleOverrides.RemoveRange(db.ScheduleOverrides.Where(o => o.ScheduleId == id));
        db.SwapRequests.RemoveRange(db.SwapRequests.Where(s => s.ScheduleId == id));
        db.Schedules.Remove(schedule);
        db.Record(user, "schedule.deleted", "schedule", id, new { schedule.Name, schedule.Definition }, null, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The resolved segments of a period with each person's name.</summary>
    public static async Task<List<ShiftView>> ShiftsAsync(MusterDb db, Schedule schedule, DateTime from, DateTime to, CancellationToken ct = default)
    {
        var segments = await OnCallLookup.ResolveAsync(db, schedule, from, to, ct);
        var names = await NamesAsync(db, segments.SelectMany(s => s.People).Select(p => p.PersonId), ct);
        return segments.Select(s => new ShiftView(s.Start, s.End,
            s.People.Select(p => new OnCallPersonView(p.PersonId, names.GetValueOrDefault(p.PersonId, p.PersonId), p.Role, schedule.Id)).ToList())).ToList();
    }

    /// <summary>Display names by person id; an id with no person (deleted since) is left out.</summary>
    public static async Task<Dictionary<string, string>> NamesAsync(MusterDb db, IEnumerable<string> ids, CancellationToken ct = default)
    {
        var wanted = ids.Distinct().ToList();
        return await db.People.AsNoTracking().Where(p => wanted.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
    }

    /// <summary>
    /// A period from query parameters: an instant with a zone (<c>2026-03-01T00:00:00Z</c>) or a local
    /// date or time in the organisation's zone (<c>2026-03-01</c>). At most <see cref="MaxPeriod"/>.
    /// </summary>
    public static (DateTime From, DateTime To) Period(string? from, string? to, TimeZoneInfo zone, DateTime defaultFrom, DateTime defaultTo)
    {
        var start = from is null ? defaultFrom : Instant(from, "from", zone);
        var end = to is null ? (from is null ? defaultTo : start + (defaultTo - defaultFrom)) : Instant(to, "to", zone);
        if (end <= start)
            throw RequestException.Invalid("to", "to is after from.");
        if (end - start > MaxPeriod)
            throw RequestException.Invalid("to", $"A period is at most {MaxPeriod.TotalDays} days; ask for several.");
        return (start, end);
    }

    private static DateTime Instant(string value, string field, TimeZoneInfo zone)
    {
        var text = value.Trim();
        var hasZone = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 10 && (text.LastIndexOf('+') > 10 || text.LastIndexOf('-') > 10));
        if (hasZone && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            return instant.UtcDateTime;
        if (!hasZone && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return ZoneTime.ToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
        throw RequestException.Invalid(field, $"{field} is a date (2026-03-01, in the organisation's time zone) or an instant (2026-03-01T00:00:00Z).");
    }
}
