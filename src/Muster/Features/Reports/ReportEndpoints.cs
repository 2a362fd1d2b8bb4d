using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Infrastructure;

namespace Muster.Features.Reports;

public sealed record ReportView(string Id, string? DeviceId, string? DeviceCode, string ServiceId, string Channel, string Symptom, string? Scope,
    string? Caller, string? Phone, bool HasPhoto, DateTime ReceivedAt, string? IncidentId, DateTime? ContactPurgedAt);

public static class ReportEndpoints
{
    public static void MapReports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/reports").WithTags("Reports");
        api.MapGet("/", async (string? deviceId, string? incidentId, string? serviceId, ClaimsPrincipal user, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok(await ListAsync(db, user, deviceId, incidentId, serviceId, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Reports, newest first, by ?deviceId=, ?incidentId= or ?serviceId=. Phone numbers are masked below manager.");
        api.MapGet("/{id}/photo", async (string id, MusterDb db, CancellationToken ct) =>
                await db.ReportPhotos.AsNoTracking().FirstOrDefaultAsync(p => p.ReportId == id, ct) is { } photo
                    ? Results.File(photo.Data, photo.ContentType)
                    : Problems.NotFound("photo", id))
            .RequireAuthorization(Policies.Manager).WithSummary("A report's photo: personal data, so managers only, like the phone number.");
    }

    /// <summary>Whether the reader may see reporters' phone numbers whole (PIPL: only those who need them).</summary>
    public static bool SeesContact(ClaimsPrincipal user) => user.IsAtLeast(Role.Manager);

    public static async Task<List<ReportView>> ListAsync(MusterDb db, ClaimsPrincipal user, string? deviceId = null, string? incidentId = null,
        string? serviceId = null, CancellationToken ct = default)
    {
        var query = db.Reports.AsNoTracking();
        if (!string.IsNullOrEmpty(deviceId))
            query = query.Where(r => r.DeviceId == deviceId);
        if (!string.IsNullOrEmpty(incidentId))
            query = query.Where(r => r.IncidentId == incidentId);
        if (!string.IsNullOrEmpty(serviceId))
            query = query.Where(r => r.ServiceId == serviceId);
        var rows = await (from r in query
                          join d in db.Devices on r.DeviceId equals d.Id into devices
                          from d in devices.DefaultIfEmpty()
                          orderby r.ReceivedAt descending
                          select new { r, Code = d == null ? null : d.Code }).Take(500).ToListAsync(ct);
        var whole = SeesContact(user);
        return rows.Select(x => new ReportView(x.r.Id, x.r.DeviceId, x.Code, x.r.ServiceId, x.r.Channel, x.r.Symptom, x.r.Scope, x.r.Caller,
            whole ? x.r.Phone : ReportIntake.Mask(x.r.Phone), x.r.HasPhoto, x.r.ReceivedAt, x.r.IncidentId, x.r.ContactPurgedAt)).ToList();
    }
}
