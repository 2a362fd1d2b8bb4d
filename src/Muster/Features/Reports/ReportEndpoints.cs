using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Infrastructure;

namespace Muster.Features.Reports;

public sealed record ReportView(string Id, string? DeviceId, string? DeviceCode, string ServiceId, string Channel, string Symptom, string? Scope,
    string? Caller, string? Phone, bool HasPhoto, DateTime ReceivedAt, string? IncidentId, DateTime? ContactPurgedAt, string? Email = null);

public sealed record StaffReportRequest(string? Channel, string? DeviceId, string? ServiceId, string? Symptom, string? Scope = null, string? Caller = null,
    string? Phone = null, string? Email = null);

public static class ReportEndpoints
{
    /// <summary>How a report taken by staff reached them; qr is the public page's own.</summary>
    public static readonly IReadOnlyList<string> StaffChannels = ["phone", "counter", "wechat", "app"];

    public static void MapReports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/reports").WithTags("Reports");
        api.MapGet("/", async (string? deviceId, string? incidentId, string? serviceId, ClaimsPrincipal user, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok(await ListAsync(db, user, deviceId, incidentId, serviceId, ct: ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Reports, newest first, by ?deviceId=, ?incidentId= or ?serviceId=. Phone numbers are masked below manager.");
        api.MapPost("/", async (StaffReportRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, Intake.Correlator correlator, CancellationToken ct) =>
            {
                var report = await RecordStaffAsync(db, request, time.GetUtcNow().UtcDateTime, ct);
                correlator.Notify();
                return TypedResults.Created($"/api/v1/reports?deviceId={report.DeviceId}", (await ListAsync(db, user, id: report.Id, ct: ct))[0]);
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("A report taken by phone, at the counter, by WeChat or the app: {channel, deviceId or serviceId, symptom, scope?, caller?, phone?}.");
        api.MapGet("/{id}/photo", async (string id, MusterDb db, CancellationToken ct) =>
                await db.ReportPhotos.AsNoTracking().FirstOrDefaultAsync(p => p.ReportId == id, ct) is { } photo
                    ? Results.File(photo.Data, photo.ContentType)
                    : Problems.NotFound("photo", id))
            .RequireAuthorization(Policies.Manager).WithSummary("A report's photo: personal data, so managers only, like the phone number.");
    }

    /// <summary>Whether the reader may see reporters' phone numbers whole (PIPL: only those who need them).</summary>
    public static bool SeesContact(ClaimsPrincipal user) => user.IsAtLeast(Role.Manager);

    public static async Task<List<ReportView>> ListAsync(MusterDb db, ClaimsPrincipal user, string? deviceId = null, string? incidentId = null,
        string? serviceId = null, string? id = null, CancellationToken ct = default)
    {
        var query = db.Reports.AsNoTracking();
        if (id is not null)
            query = query.Where(r => r.Id == id);
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
        return rows.Select(x => new ReportView(x.r.Id, x.r.DeviceId, x.Code, x.r.ServiceId, x.r.Channel, x.r.Symptom, x.r.Scope,
            whole ? x.r.Caller : MaskName(x.r.Caller), whole ? x.r.Phone : ReportIntake.Mask(x.r.Phone), x.r.HasPhoto, x.r.ReceivedAt, x.r.IncidentId, x.r.ContactPurgedAt,
            whole ? x.r.Email : MaskEmail(x.r.Email))).ToList();
    }

    /// <summary>An email address shows its first character and its domain below manager: l***@example.com.</summary>
    public static string? MaskEmail(string? email) =>
        string.IsNullOrEmpty(email) || email.IndexOf('@', StringComparison.Ordinal) is var at && at < 1 ? email : email[..1] + "***" + email[at..];

    /// <summary>A caller's name shows only its first character below manager, like the phone number.</summary>
    public static string? MaskName(string? name) => string.IsNullOrEmpty(name) ? name : name[..1] + "**";

    /// <summary>Validates and records a report taken by staff; the device, if given, decides the service.</summary>
    public static async Task<Report> RecordStaffAsync(MusterDb db, StaffReportRequest request, DateTime now, CancellationToken ct = default)
    {
        var phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim();
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        var errors = new Problems.Errors()
            .Check(request.Channel is not null && StaffChannels.Contains(request.Channel), "channel", $"channel is one of: {string.Join(", ", StaffChannels)}.")
            .Text(request.Symptom, "symptom", ReportIntake.MaxSymptomLength)
            .Text(request.Scope, "scope", 200, required: false)
            .Text(request.Caller, "caller", 100, required: false)
            .Check(phone is null || ReportIntake.IsPhone(phone), "phone", "phone has 5 to 20 digits, spaces, + or -.")
            .Check(email is null || ReportIntake.IsEmail(email), "email", "email is an address such as reader@example.com, at most 200 characters.")
            .Check(!string.IsNullOrEmpty(request.DeviceId) || !string.IsNullOrEmpty(request.ServiceId), "deviceId", "Give a deviceId, or a serviceId when the device is not known.");
        errors.ThrowIfAny();
        Device? device = null;
        if (!string.IsNullOrEmpty(request.DeviceId))
        {
            device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == request.DeviceId || d.Code == request.DeviceId, ct)
                ?? throw RequestException.Unprocessable("deviceId", $"There is no device '{request.DeviceId}'; give a device's id or code.");
        }
        else if (!await db.Services.AnyAsync(s => s.Id == request.ServiceId, ct))
        {
            throw RequestException.Unprocessable("serviceId", $"There is no service '{request.ServiceId}'; use an id from GET /api/v1/services.");
        }
        static string? Clean(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        var input = new ReportInput(request.Symptom!.Trim(), phone, request.Channel!, Clean(request.Scope), Clean(request.Caller), email);
        return await ReportIntake.RecordAsync(db, device, device?.ServiceId ?? request.ServiceId!, input, null, null, now, ct);
    }
}
