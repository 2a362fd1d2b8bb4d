using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.OnCall;

public sealed record CalendarRequest(string? Name, string? Entries);

public sealed record CalendarView(string Id, string Name, string Entries, int Holidays, int Workdays, DateTime CreatedAt);

/// <summary>Working calendars: public holidays and make-up working days that working-day layers follow.</summary>
public static class CalendarEndpoints
{
    public static void MapCalendars(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/calendars").WithTags("On call");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Working calendars with their entries (date,kind,name lines).");
        api.MapPost("/", async (CalendarRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var created = await CreateAsync(db, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/calendars/{created.Id}", (await ListAsync(db, ct)).First(c => c.Id == created.Id));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Create a calendar: {name, entries} where entries are lines date,kind,name (kind holiday or workday); errors name their line.");
        api.MapPut("/{id}", async (string id, CalendarRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await UpdateAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Ok((await ListAsync(db, ct)).First(c => c.Id == id));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Change a calendar's name or entries (a new year's holidays, a corrected make-up day); schedules that follow it change at once.");
        api.MapDelete("/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await DeleteAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Remove a calendar; 409 naming the schedules that still follow it.");
        api.MapPost("/import-china", async (int? year, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var (calendar, created) = await ImportChinaAsync(db, year, user, time.GetUtcNow().UtcDateTime, ct);
                var view = (await ListAsync(db, ct)).First(c => c.Id == calendar.Id);
                return created ? Results.Created($"/api/v1/calendars/{calendar.Id}", view) : Results.Ok(view);
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Create China's official calendar of ?year= (2025 or 2026) from the State Council notice; importing it again returns the one there is.");
    }

    public static async Task<List<CalendarView>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        (await db.WorkingCalendars.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct)).Select(c =>
        {
            var days = WorkingCalendarParser.Parse(c.Entries).Calendar?.Days ?? [];
            return new CalendarView(c.Id, c.Name, c.Entries, days.Count(d => d.Kind == CalendarDayKind.Holiday), days.Count(d => d.Kind == CalendarDayKind.Workday),
                c.CreatedAt);
        }).ToList();

    public static async Task<WorkingCalendarRecord> CreateAsync(MusterDb db, CalendarRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var name = await CheckAsync(db, null, request, ct);
        var calendar = new WorkingCalendarRecord { Name = name, Entries = request.Entries!.Trim() + "\n", CreatedAt = now };
        db.WorkingCalendars.Add(calendar);
        db.Record(user, "calendar.created", "calendar", calendar.Id, null, new { calendar.Name }, now);
        await db.SaveChangesAsync(ct);
        return calendar;
    }

    public static async Task UpdateAsync(MusterDb db, string id, CalendarRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var calendar = await db.WorkingCalendars.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw RequestException.NotFound("calendar", id);
        var name = await CheckAsync(db, id, request, ct);
        var before = new { calendar.Name, calendar.Entries };
        calendar.Name = name;
        calendar.Entries = request.Entries!.Trim() + "\n";
        db.Record(user, "calendar.updated", "calendar", calendar.Id, before, new { calendar.Name, calendar.Entries }, now);
        await db.SaveChangesAsync(ct);
    }

    public static async Task DeleteAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var calendar = await db.WorkingCalendars.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw RequestException.NotFound("calendar", id);
        var users = await db.Schedules.Where(s => s.CalendarId == id).OrderBy(s => s.Name).Select(s => s.Name).ToListAsync(ct);
        if (users.Count > 0)
            throw RequestException.Conflict("id", $"Schedules follow this calendar: {string.Join(", ", users)}. Choose another calendar for them first.");
        db.WorkingCalendars.Remove(calendar);
        db.Record(user, "calendar.deleted", "calendar", calendar.Id, new { calendar.Name }, null, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The trimmed name, once the name is free and every entry line reads; errors name the field (entries: one per line).</summary>
    private static async Task<string> CheckAsync(MusterDb db, string? id, CalendarRequest request, CancellationToken ct)
    {
        var errors = new Problems.Errors().Text(request.Name, "name", 100).Text(request.Entries, "entries", 100_000);
        if (!string.IsNullOrWhiteSpace(request.Entries))
            foreach (var error in WorkingCalendarParser.Parse(request.Entries).Errors)
                errors.Check(false, "entries", error.ToString());
        errors.ThrowIfAny();
        var name = request.Name!.Trim();
        if (await db.WorkingCalendars.AnyAsync(c => c.Name == name && c.Id != id, ct))
            throw RequestException.Conflict("name", $"A calendar named '{name}' exists already; choose another name.");
        return name;
    }

    public static async Task<(WorkingCalendarRecord Calendar, bool Created)> ImportChinaAsync(MusterDb db, int? year, ClaimsPrincipal? user, DateTime now,
        CancellationToken ct = default)
    {
        if (year is not { } y || !ChinaCalendar.Years.Contains(y))
            throw RequestException.Invalid("year", $"year is one of {string.Join(", ", ChinaCalendar.Years)}: the years whose official calendar Muster ships.");
        var name = ChinaName(y);
        if (await db.WorkingCalendars.FirstOrDefaultAsync(c => c.Name == name, ct) is { } existing)
            return (existing, false);
        return (await CreateAsync(db, new CalendarRequest(name, ChinaCalendar.Text(y)), user, now, ct), true);
    }

    public static string ChinaName(int year) => $"中国 China {year}";
}
