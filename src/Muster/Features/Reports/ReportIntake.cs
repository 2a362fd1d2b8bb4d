using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Features.Intake;
using Muster.Infrastructure;

namespace Muster.Features.Reports;

public enum ReportOutcome
{
    Accepted,
    Limited,
}

public sealed record ReportInput(string Symptom, string? Phone, string Channel = "qr", string? Scope = null, string? Caller = null, string? Email = null);

public sealed record PhotoUpload(Stream Content, long Length);

public sealed record ReportResult(ReportOutcome Outcome, string? ReportId = null, bool PhotoRefused = false);

/// <summary>
/// Stores a person's report and, in the same transaction, an event in the intake inbox keyed by
/// the device, so that the correlator puts every report on one device into that device's open
/// incident, as it does for alerts, and groups reports of the same symptom on other devices of
/// the service into it. Reports need an integration for that: each service gets one
/// of type <c>reports</c> the first time someone reports on it.
/// </summary>
public static class ReportIntake
{
    public const string IntegrationType = "reports";
    public const int MaxPhotoBytes = 5 * 1024 * 1024;
    public const int MaxSymptomLength = 500;

    /// <summary>A device that works again is reported a few times, not flooded: per device, then per client address.</summary>
    public static readonly (int Count, TimeSpan Window) PerDevice = (5, TimeSpan.FromMinutes(10));

    public static readonly (int Count, TimeSpan Window) PerAddress = (10, TimeSpan.FromHours(1));

    public static async Task<ReportResult> SubmitAsync(MusterDb db, Device device, ReportInput input, PhotoUpload? photo, string? clientAddress,
        DateTime now, CancellationToken ct = default)
    {
        var deviceSince = now - PerDevice.Window;
        var addressSince = now - PerAddress.Window;
        if (await db.Reports.CountAsync(r => r.DeviceId == device.Id && r.ReceivedAt > deviceSince, ct) >= PerDevice.Count
            || (clientAddress is not null && await db.Reports.CountAsync(r => r.ClientAddress == clientAddress && r.ReceivedAt > addressSince, ct) >= PerAddress.Count))
            return new ReportResult(ReportOutcome.Limited);

        var (bytes, contentType) = photo is null ? (null, null) : await ReadImageAsync(photo, ct);
        var report = await RecordAsync(db, device, device.ServiceId, input, bytes is null ? null : (bytes, contentType!), clientAddress, now, ct);
        return new ReportResult(ReportOutcome.Accepted, report.Id, PhotoRefused: photo is not null && bytes is null);
    }

    /// <summary>
    /// Writes the report and its inbox event in one save. A report on a device is keyed by the
    /// device; one without (a caller who knows only the service) by the service, so that such
    /// reports join the service's open report incident.
    /// </summary>
    public static async Task<Report> RecordAsync(MusterDb db, Device? device, string serviceId, ReportInput input, (byte[] Bytes, string ContentType)? photo,
        string? clientAddress, DateTime now, CancellationToken ct = default)
    {
        var report = new Report
        {
            DeviceId = device?.Id,
            ServiceId = serviceId,
            Channel = input.Channel,
            Symptom = input.Symptom,
            Scope = input.Scope,
            Caller = input.Caller,
            Phone = input.Phone,
            Email = input.Email,
            HasPhoto = photo is not null,
            ClientAddress = clientAddress,
            ReceivedAt = now,
        };
        db.Reports.Add(report);
        if (photo is { } p)
            db.ReportPhotos.Add(new ReportPhoto { ReportId = report.Id, ContentType = p.ContentType, Data = p.Bytes });
        var integration = await IntegrationAsync(db, serviceId, now, ct);
        var key = device is null ? $"service:{serviceId}" : $"device:{device.Id}";
        var scope = string.IsNullOrEmpty(input.Scope) ? "" : $" ({input.Scope})";
        var summary = device is null ? $"{input.Symptom}{scope}" : $"{device.Code} {device.Name}: {input.Symptom}{scope}";
        db.AlertEvents.Add(new AlertEvent
        {
            IntegrationId = integration.Id,
            ReceivedAt = now,
            Action = "trigger",
            DedupKey = key,
            // The same symptom on several devices of a service within the group window is one fault
            // (five kiosks that cannot take cards point at the payment link), counted as devices affected.
            GroupKey = GroupKeyOf(input.Symptom),
            Summary = summary.Length > 200 ? summary[..200] : summary,
            Source = device?.Code ?? input.Channel,
            Severity = "warning",
            Payload = JsonSerializer.Serialize(new { reportId = report.Id, deviceId = device?.Id, channel = input.Channel }, JsonSerializerOptions.Web),
        });
        await db.SaveChangesAsync(ct);
        return report;
    }

    public static string GroupKeyOf(string symptom)
    {
        var key = "report: " + symptom.Trim().ToLowerInvariant();
        return key.Length > 200 ? key[..200] : key;
    }

    /// <summary>The service's reports integration, made on first use.</summary>
    public static async Task<Integration> IntegrationAsync(MusterDb db, string serviceId, DateTime now, CancellationToken ct = default)
    {
        // Two first reports at once may each make one; the oldest is used from then on, and both
        // group into the same incident because the group key is the device.
        var integration = await db.Integrations.Where(i => i.ServiceId == serviceId && i.Type == IntegrationType).OrderBy(i => i.CreatedAt).FirstOrDefaultAsync(ct);
        if (integration is not null)
            return integration;
        integration = new Integration { ServiceId = serviceId, Type = IntegrationType, Name = "Reports", Secret = IntegrationEndpoints.NewSecret(), CreatedAt = now };
        db.Integrations.Add(integration);
        return integration;
    }

    /// <summary>The report an inbox event came from, to link the report to the incident it joined.</summary>
    public static string? ReportIdOf(string? payload) => StringOf(payload, "reportId");

    /// <summary>The device a report's inbox event is about, if any.</summary>
    public static string? DeviceIdOf(string? payload) => StringOf(payload, "deviceId");

    private static string? StringOf(string? payload, string name)
    {
        if (payload is null)
            return null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            return doc.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The photo's bytes and type when it is a JPEG, PNG or WebP of at most 5 MB, by its first bytes
    /// (the browser's content type is whatever the sender says); null otherwise.
    /// </summary>
    public static async Task<(byte[]? Bytes, string? ContentType)> ReadImageAsync(PhotoUpload photo, CancellationToken ct = default)
    {
        if (photo.Length is <= 0 or > MaxPhotoBytes)
            return (null, null);
        using var buffer = new MemoryStream();
        await photo.Content.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxPhotoBytes)
            return (null, null);
        var bytes = buffer.ToArray();
        return ImageType(bytes) is { } type ? (bytes, type) : (null, null);
    }

    public static string? ImageType(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : b.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;

    public static bool IsPhone(string phone) => System.Text.RegularExpressions.Regex.IsMatch(phone, @"^[0-9+\-\s()]{5,20}$");

    /// <summary>An email address a reporter may leave: one @, a dot after it, no spaces, at most 200 characters.</summary>
    public static bool IsEmail(string email) => email.Length <= 200 && System.Text.RegularExpressions.Regex.IsMatch(email, @"^[^@\s]+@[^@\s]+\.[^@\s]+$");

    /// <summary>138****5678: enough to recognise a number, not to call it.</summary>
    public static string? Mask(string? phone)
    {
        if (string.IsNullOrEmpty(phone))
            return phone;
        var digits = phone.Where(char.IsDigit).ToArray();
        if (digits.Length < 7)
            return new string('*', phone.Length);
        return $"{new string(digits[..3])}****{new string(digits[^4..])}";
    }

    /// <summary>
    /// Removes reporters' phone numbers and photos older than the retention period (PIPL: keep
    /// personal data no longer than its purpose needs). The report itself stays, for the record.
    /// </summary>
    public static async Task<int> PurgeAsync(MusterDb db, DateTime now, int retentionDays, CancellationToken ct = default)
    {
        var before = now.AddDays(-retentionDays);
        // The numbers customer SMS went to are reporters' numbers too: they go with the same retention.
        await db.Notifications.Where(n => n.Address != null && n.CreatedAt < before && n.Status != "queued")
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.Address, (string?)null), ct);
        var expired = await db.Reports.Where(r => r.ReceivedAt < before && (r.Phone != null || r.Email != null || r.Caller != null || r.HasPhoto)).ToListAsync(ct);
        if (expired.Count == 0)
            return 0;
        var ids = expired.Select(r => r.Id).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.ReportPhotos.Where(p => ids.Contains(p.ReportId)).ExecuteDeleteAsync(ct);
        foreach (var report in expired)
        {
            report.Phone = null;
            report.Email = null;
            report.Caller = null;
            report.HasPhoto = false;
            report.ContactPurgedAt = now;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return expired.Count;
    }
}

/// <summary>Runs the purge once a day: the work row reschedules itself, so it survives restarts and runs once across processes.</summary>
public sealed class ReportPurgeWork(MusterDb db, TimeProvider time, Microsoft.Extensions.Options.IOptions<MusterOptions> options) : IWorkHandler
{
    public const string Work = "report-purge";

    public string Kind => Work;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await ReportIntake.PurgeAsync(db, now, options.Value.ReportRetentionDays, ct);
        await db.ScheduleAsync(Work, Work, now.AddDays(1), null, now, ct);
        await db.SaveChangesAsync(ct);
    }
}
