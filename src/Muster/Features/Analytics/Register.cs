using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using MiniExcelLibs;
using Muster.Components;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Analytics;

/// <summary>One row of the fault register (故障登记表): an incident in the plan's columns.</summary>
public sealed record RegisterRow(
    int Number, DateTime DeclaredAt, string Service, string? DeviceCode, string? DeviceType, string? Place, string Level, string? LevelColor,
    string? Category, string Title, string? Description, string? Handling, double? AcknowledgeMinutes, double? RestoreMinutes,
    IncidentStatus Status, string? Reporter, bool Drill);

/// <summary>The fault register: the page, the CSV and the .xlsx read the same rows in the same order.</summary>
public static class Register
{
    public static readonly string[] Columns =
    [
        "number", "declared_at", "service", "device", "device_type", "place", "level", "category", "title", "description", "handling",
        "ack_minutes", "restore_minutes", "status", "reporter", "drill",
    ];

    public static Task<int> CountAsync(MusterDb db, ReportQuery q, CancellationToken ct = default) => ReportData.Filtered(db, q).CountAsync(ct);

    /// <summary>The rows of the period in order of declaration, streamed: an export of a million rows never holds them all.</summary>
    public static async IAsyncEnumerable<RegisterRow> RowsAsync(MusterDb db, PlanCatalog plans, ReportQuery q, int skip = 0, int? take = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var devices = (await db.Devices.AsNoTracking().Select(d => new { d.Id, d.Code, d.Type, d.Site, d.Building }).ToListAsync(ct))
            .ToDictionary(d => d.Id);
        var typeNames = (await Devices.DeviceTypes.ListAsync(db, ct)).ToDictionary(t => t.Key, t => t.Name);
        var levels = new Dictionary<(string, string), (string Name, string Color)>();
        var culture = CultureInfo.CurrentUICulture.Name;
        foreach (var version in await ReportData.Filtered(db, q).Select(i => i.PlanVersionId).Distinct().ToListAsync(ct))
        {
            var plan = await plans.GetAsync(db, version, ct);
            foreach (var level in plan.Levels)
                levels[(version, level.Key)] = (level.Name.In(culture), level.Color);
        }

        var query = from i in ReportData.Filtered(db, q)
                    join s in db.Services on i.ServiceId equals s.Id
                    orderby i.DeclaredAt, i.Number
                    select new
                    {
                        i.Number,
                        i.DeclaredAt,
                        Service = s.Name,
                        i.SeverityLevel,
                        i.PlanVersionId,
                        i.Title,
                        i.Description,
                        i.Status,
                        i.AcknowledgedAt,
                        i.MitigatedAt,
                        i.ResolvedAt,
                        i.Drill,
                        DeviceId = db.Reports.Where(r => r.IncidentId == i.Id && r.DeviceId != null).OrderBy(r => r.ReceivedAt).Select(r => r.DeviceId).FirstOrDefault(),
                        Caller = db.Reports.Where(r => r.IncidentId == i.Id && r.Caller != null).OrderBy(r => r.ReceivedAt).Select(r => r.Caller).FirstOrDefault(),
                        DeclaredBy = db.TimelineEntries.Where(t => t.IncidentId == i.Id && t.Kind == TimelineKinds.Declared).Select(t => t.ActorName).FirstOrDefault(),
                        Cause = db.Reviews.Where(v => v.IncidentId == i.Id).Select(v => v.RootCause).FirstOrDefault(),
                        Handling = db.TimelineEntries.Where(t => t.IncidentId == i.Id && t.Kind == TimelineKinds.StatusChanged && t.To == "resolved")
                            .OrderByDescending(t => t.At).Select(t => t.Note).FirstOrDefault(),
                    };
        var paged = take is { } n ? query.Skip(skip).Take(n) : query;
        await foreach (var r in paged.AsAsyncEnumerable().WithCancellation(ct))
        {
            var device = r.DeviceId is not null && devices.TryGetValue(r.DeviceId, out var d) ? d : null;
            var level = levels.TryGetValue((r.PlanVersionId, r.SeverityLevel), out var l) ? l : (r.SeverityLevel, null!);
            var restored = r.MitigatedAt is { } m && (r.ResolvedAt is null || m < r.ResolvedAt) ? m : r.ResolvedAt;
            yield return new RegisterRow(
                r.Number, r.DeclaredAt, r.Service, device?.Code, device is null ? null : typeNames.GetValueOrDefault(device.Type, device.Type),
                device is null ? null : ReportData.Place(device.Site, device.Building), level.Name, level.Color,
                r.Cause,
                r.Title, r.Description, r.Handling,
                Minutes(r.DeclaredAt, r.AcknowledgedAt), Minutes(r.DeclaredAt, restored), r.Status, r.Caller ?? r.DeclaredBy, r.Drill);
        }
    }

    private static double? Minutes(DateTime from, DateTime? to) => to is { } t ? Math.Round((t - from).TotalMinutes, 1) : null;

    public static string[] Headers(IStringLocalizer l) => Columns.Select(c => (string)l[$"register.{c}"]).ToArray();

    /// <summary>The row's cells as text, as the page shows them and the CSV writes them.</summary>
    public static string[] Cells(RegisterRow r, IStringLocalizer l, TimeZoneInfo zone) =>
    [
        r.Number.ToString(CultureInfo.InvariantCulture), Time.Format(r.DeclaredAt, zone), r.Service, r.DeviceCode ?? "", r.DeviceType ?? "",
        r.Place ?? "", r.Level, r.Category is { } cause ? l[$"review.cause.{cause}"] : "", r.Title, r.Description ?? "", r.Handling ?? "",
        Number(r.AcknowledgeMinutes), Number(r.RestoreMinutes), l[$"status.{Ui.Key(r.Status)}"], r.Reporter ?? "",
        r.Drill ? l["register.yes"] : "",
    ];

    public static string Number(double? value) => value?.ToString("0.#", CultureInfo.InvariantCulture) ?? "";

    /// <summary>
    /// RFC 4180 CSV in UTF-8 with a BOM (without it Excel reads the file in the system code page and
    /// garbles Chinese), CRLF line ends, headers in the reader's language.
    /// </summary>
    public static async Task WriteCsvAsync(Stream output, IAsyncEnumerable<RegisterRow> rows, IStringLocalizer l, TimeZoneInfo zone, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        await writer.WriteAsync(Line(Headers(l)));
        var n = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            await writer.WriteAsync(Line(Cells(row, l, zone)));
            if (++n % 2000 == 0)
                await writer.FlushAsync(ct);
        }
        await writer.FlushAsync(ct);
    }

    private static string Line(IEnumerable<string> cells) => string.Join(",", cells.Select(CsvField)) + "\r\n";

    /// <summary>A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ tab or CR is defused.</summary>
    public static string CsvField(string value)
    {
        value = Defused(value);
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }

    /// <summary>Text that a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    public static string Defused(string value) =>
        value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;

    /// <summary>
    /// The register as an .xlsx: MiniExcel writes the rows as it enumerates them, to a temporary
    /// file that is deleted when the response has been sent.
    /// </summary>
    public static async Task<FileStream> XlsxAsync(IReadOnlyList<(string Sheet, IEnumerable<string[]> Rows, string[] Headers)> sheets, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"muster-{Guid.NewGuid():N}.xlsx");
        var value = new Dictionary<string, object>();
        foreach (var (sheet, rows, headers) in sheets)
            value[sheet] = AsDictionaries(headers, rows);
        await Task.Run(() => MiniExcel.SaveAs(path, value, printHeader: false, excelType: ExcelType.XLSX), ct);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
    }

    /// <summary>
    /// Rows as MiniExcel's dictionaries, the headers first, so that an empty sheet still has its headers.
    /// Cells are written as text, never as formulas, so they need no defusing and read back as the page shows them.
    /// </summary>
    private static IEnumerable<IDictionary<string, object>> AsDictionaries(string[] headers, IEnumerable<string[]> rows)
    {
        var keys = headers.Select((_, i) => "c" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        yield return Dictionary(headers);
        foreach (var row in rows)
            yield return Dictionary(row);

        Dictionary<string, object> Dictionary(string[] cells)
        {
            var d = new Dictionary<string, object>(keys.Length);
            for (var i = 0; i < keys.Length; i++)
                d[keys[i]] = i < cells.Length ? cells[i] : "";
            return d;
        }
    }

    /// <summary>An async stream read synchronously, for a writer that takes an <see cref="IEnumerable{T}"/> (on a worker thread).</summary>
    public static IEnumerable<T> Blocking<T>(IAsyncEnumerable<T> source, CancellationToken ct)
    {
        var e = source.GetAsyncEnumerator(ct);
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                yield return e.Current;
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
