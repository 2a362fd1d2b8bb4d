using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <param name="DeviceId">One device of the service rather than all of it.</param>
public sealed record MaintenanceRequest(DateTime? StartsAt, DateTime? EndsAt, string? Reason, string? DeviceId = null);

public sealed record MaintenanceView(string Id, string ServiceId, string? DeviceId, string? DeviceCode, DateTime StartsAt, DateTime EndsAt, string Reason, string? CreatedBy, bool Active);

/// <summary>
/// Maintenance windows: alerts on a service (or on one of its devices) in one are recorded as
/// suppressed and page nobody.
/// </summary>
public static class MaintenanceEndpoints
{
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(14);

    public static void MapMaintenance(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Maintenance");
        api.MapGet("/services/{serviceId}/maintenance", async (string serviceId, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await ListAsync(db, serviceId, time.GetUtcNow().UtcDateTime, ct: ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("A service's current and coming maintenance windows.");
        api.MapPost("/services/{serviceId}/maintenance", async (string serviceId, MaintenanceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                var window = await CreateAsync(db, serviceId, request, user, now, ct);
                var code = window.DeviceId is null ? null : await db.Devices.Where(d => d.Id == window.DeviceId).Select(d => d.Code).FirstAsync(ct);
                return TypedResults.Created($"/api/v1/maintenance/{window.Id}", View(window, code, now));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Plan a window: {startsAt, endsAt, reason, deviceId?}; alerts inside it are suppressed.");
        api.MapGet("/devices/{deviceId}/maintenance", async (string deviceId, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deviceId, ct) ?? throw RequestException.NotFound("device", deviceId);
                return TypedResults.Ok(await ListAsync(db, device.ServiceId, time.GetUtcNow().UtcDateTime, deviceId, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("The windows that hold a device: its own and its service's.");
        api.MapDelete("/maintenance/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await EndAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("End a window now, or cancel one that has not begun.");
    }

    /// <summary>Current and coming windows of a service; with a device, only those that hold that device.</summary>
    public static async Task<List<MaintenanceView>> ListAsync(MusterDb db, string serviceId, DateTime now, string? deviceId = null, CancellationToken ct = default)
    {
        var windows = db.MaintenanceWindows.AsNoTracking().Where(m => m.ServiceId == serviceId && m.EndsAt > now);
        if (deviceId is not null)
            windows = windows.Where(m => m.DeviceId == null || m.DeviceId == deviceId);
        var rows = await windows
            .GroupJoin(db.Devices, m => m.DeviceId, d => d.Id, (m, d) => new { m, d })
            .SelectMany(x => x.d.DefaultIfEmpty(), (x, d) => new { x.m, Code = d == null ? null : d.Code })
            .OrderBy(x => x.m.StartsAt)
            .ToListAsync(ct);
        return rows.Select(r => View(r.m, r.Code, now)).ToList();
    }

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
        if (request.DeviceId is { } deviceId)
            new Problems.Errors()
                .Check(await db.Devices.AnyAsync(d => d.Id == deviceId && d.ServiceId == serviceId, ct), "deviceId",
                    "deviceId is not a device of this service; give one of its devices, or leave it out to hold the whole service.")
                .ThrowIfAny();
        var window = new MaintenanceWindow
        {
            ServiceId = serviceId,
            DeviceId = request.DeviceId,
            StartsAt = starts,
            EndsAt = ends!.Value,
            Reason = request.Reason!.Trim(),
            CreatedBy = user?.Identity?.Name,
            CreatedAt = now,
        };
        db.MaintenanceWindows.Add(window);
        db.Record(user, "maintenance.created", "maintenance", window.Id, null, new { window.ServiceId, window.DeviceId, window.StartsAt, window.EndsAt, window.Reason }, now);
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

    private static MaintenanceView View(MaintenanceWindow m, string? deviceCode, DateTime now) =>
        new(m.Id, m.ServiceId, m.DeviceId, deviceCode, m.StartsAt, m.EndsAt, m.Reason, m.CreatedBy, m.StartsAt <= now && m.EndsAt > now);
}
