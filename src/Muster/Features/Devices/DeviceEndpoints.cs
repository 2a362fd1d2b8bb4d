using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Devices;

public sealed record DeviceRequest(string? Code, string? Name, string? Type, string? ServiceId, string? Site = null, string? Building = null,
    string? Floor = null, string? Area = null, string? Status = null);

public sealed record DeviceView(string Id, string Code, string Name, string Type, string ServiceId, string ServiceName, string? Site, string? Building,
    string? Floor, string? Area, string Status, string ReportToken, DateTime CreatedAt)
{
    /// <summary>Site / building / floor / area, the parts that are known, for a label or a page.</summary>
    public string Location => string.Join(" · ", new[] { Site, Building, Floor, Area }.Where(p => !string.IsNullOrWhiteSpace(p)));
}

public sealed record ImportResult(int Created, int Updated);

public static class DeviceEndpoints
{
    public static readonly IReadOnlyList<string> Statuses = ["in_service", "out_of_service", "retired"];

    private static readonly string[] Columns = ["code", "name", "type", "service", "site", "building", "floor", "area"];

    public static void MapDevices(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/devices").WithTags("Devices");
        api.MapGet("/", async (string? serviceId, MusterDb db, PublicUrl links, CancellationToken ct) =>
                TypedResults.Ok((await ListAsync(db, serviceId, null, ct)).Select(d => Json(d, links))))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every device, or a service's (?serviceId=), with its report URL.");
        api.MapGet("/{id}", async (string id, MusterDb db, PublicUrl links, CancellationToken ct) =>
                (await ListAsync(db, null, [id], ct)).FirstOrDefault() is { } d ? Results.Ok(Json(d, links)) : Problems.NotFound("device", id))
            .RequireAuthorization(Policies.Viewer);
        api.MapPost("/", async (DeviceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, PublicUrl links, CancellationToken ct) =>
            {
                var device = await SaveAsync(db, null, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/devices/{device.Id}", Json((await ListAsync(db, null, [device.Id], ct))[0], links));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Create a device: {code, name, type, serviceId, site?, building?, floor?, area?, status?}.");
        api.MapPut("/{id}", async (string id, DeviceRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, PublicUrl links, CancellationToken ct) =>
            {
                await SaveAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Ok(Json((await ListAsync(db, null, [id], ct))[0], links));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Change a device.");
        // text/csv only: a cross-site HTML form cannot send it, so a signed-in manager's cookie cannot be used to import.
        api.MapPost("/import", async (HttpRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                if (request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true)
                    return Problems.Invalid("body", "Send the CSV file as the body with Content-Type: text/csv.");
                using var reader = new StreamReader(request.Body);
                return TypedResults.Ok(await ImportAsync(db, reader, user, time.GetUtcNow().UtcDateTime, ct));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("CSV with a header row code,name,type,service,site,building,floor,area. All rows or none: every bad row is reported.");
        api.MapGet("/{id}/qr.png", async (string id, MusterDb db, PublicUrl links, CancellationToken ct) =>
                await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } d
                    ? Results.File(QrCodes.Png(ReportUrl(links, d.ReportToken)), "image/png")
                    : Problems.NotFound("device", id))
            .RequireAuthorization(Policies.Viewer).WithSummary("The QR code of the device's report URL, as PNG.");
        api.MapGet("/{id}/qr.svg", async (string id, MusterDb db, PublicUrl links, CancellationToken ct) =>
                await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } d
                    ? Results.Text(QrCodes.Svg(ReportUrl(links, d.ReportToken)), "image/svg+xml")
                    : Problems.NotFound("device", id))
            .RequireAuthorization(Policies.Viewer).WithSummary("The QR code of the device's report URL, as SVG.");

        var types = app.MapGroup("/api/v1/device-types").WithTags("Devices");
        types.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await DeviceTypes.ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Device types with the symptoms a reporter picks from.");
        types.MapPut("/{key}", async (string key, DeviceTypeRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await DeviceTypes.SaveAsync(db, key, request, user, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Create or change a device type: {nameZh, nameEn, symptoms: [{zh, en}]}.");
    }

    public static string ReportUrl(PublicUrl links, string token) => links.To($"/r/{token}");

    private static object Json(DeviceView d, PublicUrl links) => new
    {
        d.Id,
        d.Code,
        d.Name,
        d.Type,
        d.ServiceId,
        d.ServiceName,
        d.Site,
        d.Building,
        d.Floor,
        d.Area,
        d.Status,
        d.CreatedAt,
        ReportUrl = ReportUrl(links, d.ReportToken),
        QrPng = $"/api/v1/devices/{d.Id}/qr.png",
        QrSvg = $"/api/v1/devices/{d.Id}/qr.svg",
    };

    public static async Task<List<DeviceView>> ListAsync(MusterDb db, string? serviceId = null, IReadOnlyCollection<string>? ids = null, CancellationToken ct = default)
    {
        var query = from d in db.Devices
                    join s in db.Services on d.ServiceId equals s.Id
                    select new { d, s.Name };
        if (!string.IsNullOrEmpty(serviceId))
            query = query.Where(x => x.d.ServiceId == serviceId);
        if (ids is not null)
            query = query.Where(x => ids.Contains(x.d.Id));
        return await query.OrderBy(x => x.d.Code)
            .Select(x => new DeviceView(x.d.Id, x.d.Code, x.d.Name, x.d.Type, x.d.ServiceId, x.Name, x.d.Site, x.d.Building, x.d.Floor, x.d.Area,
                x.d.Status, x.d.ReportToken, x.d.CreatedAt))
            .AsNoTracking().ToListAsync(ct);
    }

    /// <summary>Creates (id null) or updates a device, with its audit entry, in one save.</summary>
    public static async Task<Device> SaveAsync(MusterDb db, string? id, DeviceRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var device = id is null ? new Device { CreatedAt = now, ReportToken = NewToken() }
            : await db.Devices.FindAsync([id], ct) ?? throw RequestException.NotFound("device", id);
        var errors = new Problems.Errors();
        Validate(request, errors, "");
        errors.ThrowIfAny();
        var code = request.Code!.Trim();
        if (await db.Devices.AnyAsync(d => d.Code == code && d.Id != device.Id, ct))
            throw RequestException.Conflict("code", $"A device with code '{code}' exists already; codes are unique.");
        if (!await db.Services.AnyAsync(s => s.Id == request.ServiceId, ct))
            throw RequestException.Unprocessable("serviceId", $"There is no service '{request.ServiceId}'; use an id from GET /api/v1/services.");
        if (!await db.DeviceTypes.AnyAsync(t => t.Key == request.Type, ct))
            throw RequestException.Unprocessable("type", $"There is no device type '{request.Type}'; use a key from GET /api/v1/device-types.");
        var before = id is null ? null : Snapshot(device);
        Apply(device, request, request.ServiceId!);
        if (id is null)
            db.Devices.Add(device);
        db.Record(user, id is null ? "device.created" : "device.updated", "device", device.Id, before, Snapshot(device), now);
        await db.SaveChangesAsync(ct);
        return device;
    }

    /// <summary>
    /// Imports a CSV file, all rows or none: a file with any bad row changes nothing and every bad
    /// row is reported by line and field, so that the whole file can be fixed and sent again. A row
    /// whose code exists updates that device.
    /// </summary>
    public static async Task<ImportResult> ImportAsync(MusterDb db, TextReader reader, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var errors = new Problems.Errors();
        List<Csv.Row> lines = [];
        await foreach (var row in Csv.ReadAsync(reader))
            lines.Add(row);
        if (lines.Count == 0)
            throw RequestException.Invalid("header", $"The file is empty; its first line names the columns: {string.Join(",", Columns)}.");
        var header = lines[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var missing = Columns.Take(4).Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw RequestException.Invalid("header", $"The first line lacks the column(s) {string.Join(", ", missing)}; it names the columns: {string.Join(",", Columns)}.");

        var services = await db.Services.AsNoTracking().Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        var types = (await db.DeviceTypes.AsNoTracking().Select(t => t.Key).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var existing = await db.Devices.ToDictionaryAsync(d => d.Code, ct);
        var rows = new List<(int Line, DeviceRequest Request)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var csvRow in lines.Skip(1))
        {
            var line = csvRow.Line;
            string? Field(string name) =>
                header.IndexOf(name) is var at && at >= 0 && at < csvRow.Fields.Count && !string.IsNullOrWhiteSpace(csvRow.Fields[at]) ? csvRow.Fields[at].Trim() : null;
            var serviceRef = Field("service");
            var serviceId = services.FirstOrDefault(s => s.Id == serviceRef)?.Id ?? services.FirstOrDefault(s => s.Name == serviceRef)?.Id;
            // An unknown service stays in the request only to be reported; a file with it imports nothing.
            var request = new DeviceRequest(Field("code"), Field("name"), Field("type"), serviceId ?? serviceRef, Field("site"), Field("building"), Field("floor"), Field("area"),
                Field("status"));
            var prefix = $"line{line}.";
            Validate(request, errors, prefix, line);
            if (serviceRef is not null && serviceId is null)
                errors.Check(false, prefix + "service", $"line {line}: there is no service '{serviceRef}'; give a service's name or id.");
            if (request.Type is { } type && !types.Contains(type))
                errors.Check(false, prefix + "type", $"line {line}: there is no device type '{type}'; use one of: {string.Join(", ", types.Order())}.");
            if (request.Code is { } code)
            {
                if (seen.TryGetValue(code, out var first))
                    errors.Check(false, prefix + "code", $"line {line}: code '{code}' is on line {first} already.");
                else
                    seen[code] = line;
            }
            rows.Add((line, request));
        }
        if (rows.Count == 0)
            errors.Check(false, "rows", "The file has a header but no devices.");
        errors.ThrowIfAny();

        int created = 0, updated = 0;
        foreach (var (_, request) in rows)
        {
            var isNew = !existing.TryGetValue(request.Code!, out var device);
            device ??= new Device { CreatedAt = now, ReportToken = NewToken() };
            var before = isNew ? null : Snapshot(device);
            Apply(device, request, request.ServiceId!);
            if (isNew)
            {
                db.Devices.Add(device);
                created++;
            }
            else
            {
                updated++;
            }
            db.Record(user, isNew ? "device.imported" : "device.updated", "device", device.Id, before, Snapshot(device), now);
        }
        await db.SaveChangesAsync(ct);
        return new ImportResult(created, updated);
    }

    private static void Validate(DeviceRequest r, Problems.Errors errors, string prefix, int? line = null)
    {
        var at = line is null ? "" : $"line {line}: ";
        void Text(string? value, string field, int max, bool required)
        {
            if (required && string.IsNullOrWhiteSpace(value))
                errors.Check(false, prefix + field, $"{at}{field} is required.");
            else if (value is not null && value.Trim().Length > max)
                errors.Check(false, prefix + field, $"{at}{field} is {value.Trim().Length} characters long; at most {max} are allowed.");
        }
        Text(r.Code, "code", 50, true);
        Text(r.Name, "name", 100, true);
        Text(r.Type, "type", 50, true);
        Text(r.ServiceId, line is null ? "serviceId" : "service", 100, true);
        Text(r.Site, "site", 100, false);
        Text(r.Building, "building", 100, false);
        Text(r.Floor, "floor", 50, false);
        Text(r.Area, "area", 100, false);
        if (r.Status is { Length: > 0 } status && !Statuses.Contains(status))
            errors.Check(false, prefix + "status", $"{at}status is one of: {string.Join(", ", Statuses)}.");
    }

    private static void Apply(Device device, DeviceRequest r, string serviceId)
    {
        static string? Clean(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        device.Code = r.Code!.Trim();
        device.Name = r.Name!.Trim();
        device.Type = r.Type!.Trim();
        device.ServiceId = serviceId;
        device.Site = Clean(r.Site);
        device.Building = Clean(r.Building);
        device.Floor = Clean(r.Floor);
        device.Area = Clean(r.Area);
        device.Status = string.IsNullOrEmpty(r.Status) ? device.Status : r.Status;
    }

    private static object Snapshot(Device d) => new { d.Code, d.Name, d.Type, d.ServiceId, d.Site, d.Building, d.Floor, d.Area, d.Status };

    /// <summary>96 random bits, URL-safe: short enough for a small QR code, too many to guess.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
}
