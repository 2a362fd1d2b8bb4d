using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

public sealed record MaintenanceRequest(DateTime? StartsAt, DateTime? EndsAt, string? Reason);

public sealed record MaintenanceView(string Id, string ServiceId, DateTime StartsAt, DateTime EndsAt, string Reason, string? CreatedBy, bool Active);

/// <summary>Maintenance windows: alerts on a service in one are recorded as suppressed and page nobody.</summary>
public static class MaintenanceEndpoints
{
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(14);

    public static void MapMaintenance(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Maintenance");
        api.MapGet("/services/{serviceId}/maintenance", async (string serviceId, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await ListAsync(db, serviceId, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("A service's current and coming maintenance windows.");
        api.MapPost("/services/{serviceId}/maintenance", async (string serviceId, MaintenanceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                var window = await CreateAsync(db, serviceId, request, user, now, ct);
                return TypedResults.Created($"/api/v1/maintenance/{window.Id}", View(window, now));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Plan a window: {startsAt, endsAt, reason}; alerts inside it are suppressed.");
        api.MapDelete("/maintenance/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await EndAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("End a window now, or cancel one that has not begun.");
    }

    public static async Task<List<MaintenanceView>> ListAsync(MusterDb db, string serviceId, DateTime now, CancellationToken ct = default) =>
        (await db.MaintenanceWindows.AsNoTracking().Where(m => m.ServiceId == serviceId && m.EndsAt > now).OrderBy(m => m.StartsAt).ToListAsync(ct))
            .Select(m => View(m, now)).ToList();

    public static async Task<MaintenanceWindow> CreateAsync(MusterDb db, string serviceId, MaintenanceRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var starts = (request.StartsAt ?? now).ToUniversalTime();
        var ends = request.EndsAt?.ToUniversalTime();
        new Problems.Errors()
            .Check(ends is not null, "endsAt", "endsAt is required: when the work will be over.")
            .Check(ends is null || ends > starts, "endsAt", "endsAt must be after startsAt.")
            .Check(ends is null || ends > now, "endsAt", "endsAt is in the past; a window must end in the future.")
            .Check(ends is null || ends - starts <= MaxLength, "endsAt", $"A window lasts at most {MaxLength.TotalDays} days; plan a longer job as several windows.")
            .Text(request.Reason, "reason", 500)
            .ThrowIfAny();
        if (!await db.Services.AnyAsync(s => s.Id == serviceId, ct))
            throw RequestException.NotFound("service", serviceId);
        var window = new MaintenanceWindow
        {
            ServiceId = serviceId,
            StartsAt = starts,
            EndsAt = ends!.Value,
            Reason = request.Reason!.Trim(),
            CreatedBy = user?.Identity?.Name,
            CreatedAt = now,
        };
        db.MaintenanceWindows.Add(window);
        db.Record(user, "maintenance.created", "maintenance", window.Id, null, new { window.ServiceId, window.StartsAt, window.EndsAt, window.Reason }, now);
        await db.SaveChangesAsync(ct);
        return window;
    }

    public static async Task EndAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var window = await db.MaintenanceWindows.FindAsync([id], ct) ?? throw RequestException.NotFound("maintenance window", id);
        var before = new { window.StartsAt, window.EndsAt };
        if (window.StartsAt > now)
            db.MaintenanceWindows.Remove(window);
        else
            window.EndsAt = window.EndsAt < now ? window.EndsAt : now;
        db.Record(user, "maintenance.ended", "maintenance", window.Id, before, new { window.StartsAt, EndsAt = now }, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Whether the service is in a maintenance window at this instant.</summary>
    public static Task<bool> InMaintenanceAsync(MusterDb db, string serviceId, DateTime at, CancellationToken ct) =>
        db.MaintenanceWindows.AnyAsync(m => m.ServiceId == serviceId && m.StartsAt <= at && m.EndsAt > at, ct);

    private static MaintenanceView View(MaintenanceWindow m, DateTime now) =>
        new(m.Id, m.ServiceId, m.StartsAt, m.EndsAt, m.Reason, m.CreatedBy, m.StartsAt <= now && m.EndsAt > now);
}
