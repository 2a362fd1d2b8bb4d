using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Plans;
using Muster.Domain.Reporting;
using Muster.Features.Surveys;
using Muster.Infrastructure;

namespace Muster.Features.Analytics;

public sealed record NamedCount(string? Key, string Name, int Count);

public sealed record SlaComplianceView(string Stage, string Level, int Met, int Breached, int Open, double? Compliance);

public sealed record FailureRateView(string DeviceType, string Name, int Incidents, int Devices, double? Rate, double? Target, bool? Met);

public sealed record RepeatFailureView(string DeviceId, string Code, string DeviceType, int Count, IReadOnlyList<int> Numbers);

public sealed record OnCallLoadView(string PersonId, string Name, double Hours, double NightHours, int Pages, int NightPages);

public sealed record TrendView(DateTime From, DateTime To, int Count, double? Mtta, double? Mttr);

/// <summary>The summary API's answer: times in seconds, rates as fractions (0.02 is 2%).</summary>
public sealed record SummaryView(
    DateTime From, DateTime To, bool IncludeDrills, int IncidentCount, int OpenCount, int ReopenedCount, int DrillCount,
    double? Mtta, double? Mttr, IReadOnlyDictionary<string, DurationStats> Durations,
    IReadOnlyList<SlaComplianceView> SlaCompliance, IReadOnlyList<FailureRateView> FailureRate,
    IReadOnlyList<NamedCount> ByService, IReadOnlyList<NamedCount> ByCategory, IReadOnlyList<NamedCount> ByDeviceType, IReadOnlyList<NamedCount> ByPlace,
    IReadOnlyList<int> ByHour, IReadOnlyList<RepeatFailureView> RepeatFailures, IReadOnlyList<OnCallLoadView> OnCall, IReadOnlyList<TrendView> Trend,
    SurveyResults? Surveys)
{
    public static SummaryView Of(ReportResult r)
    {
        var s = r.Summary;
        var n = r.Names;
        return new(
            s.Period.From, s.Period.To, s.DrillsIncluded, s.IncidentCount, s.OpenCount, s.ReopenedCount, s.DrillCount,
            s.Acknowledge.Mean, s.Resolve.Mean,
            new Dictionary<string, DurationStats> { ["acknowledge"] = s.Acknowledge, ["assess"] = s.Assess, ["mitigate"] = s.Mitigate, ["resolve"] = s.Resolve },
            s.Sla.Select(c => new SlaComplianceView(Key(c.Stage), c.Level, c.Met, c.Breached, c.Open, c.Compliance)).ToList(),
            s.FailureRates.Select(f => new FailureRateView(f.Type, n.DeviceType(f.Type), f.Incidents, f.Devices, f.Rate, f.Target, f.Met)).ToList(),
            s.ByService.Select(c => new NamedCount(c.Key, n.Service(c.Key), c.Count)).ToList(),
            s.ByCategory.Select(c => new NamedCount(c.Key, c.Key ?? "", c.Count)).ToList(),
            s.ByDeviceType.Select(c => new NamedCount(c.Key, n.DeviceType(c.Key), c.Count)).ToList(),
            s.ByPlace.Select(c => new NamedCount(c.Key, c.Key ?? "", c.Count)).ToList(),
            s.ByHour,
            s.RepeatFailures.Select(f => new RepeatFailureView(f.Device.Id, f.Device.Code, f.Device.Type, f.Count, f.Numbers)).ToList(),
            s.OnCall.Select(o => new OnCallLoadView(o.PersonId, n.Person(o.PersonId), Math.Round(o.Hours, 2), Math.Round(o.NightHours, 2), o.Pages, o.NightPages)).ToList(),
            s.Trend.Select(t => new TrendView(t.From, t.To, t.Count, t.Mtta, t.Mttr)).ToList(),
            r.Surveys);
    }

    public static string Key(Stage stage) => stage.ToString().ToLowerInvariant();
}

/// <summary>The reports API: the summary figures and the fault register as CSV and .xlsx.</summary>
public static class AnalyticsEndpoints
{
    public static void MapAnalytics(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/reports").WithTags("Reports");
        api.MapGet("/summary", async ([AsParameters] ReportParameters p, MusterDb db, PlanCatalog plans, TimeProvider time, IOptions<MusterOptions> options, CancellationToken ct) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                var q = p.Query(options.Value.Zone, now);
                return TypedResults.Ok(SummaryView.Of(await ReportData.SummarizeAsync(db, plans, q, options.Value.Zone, now, ct)));
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The figures of [from, to) as JSON: incidentCount, mtta and mttr in seconds, slaCompliance per stage and level, failureRate per device type, and the counts. " +
                "from and to are dates (yyyy-MM-dd, local midnight) or ISO 8601 times; default this month. Drills are left out unless includeDrills=true.");
        api.MapGet("/register.csv", async ([AsParameters] ReportParameters p, HttpContext http, MusterDb db, PlanCatalog plans, TimeProvider time,
                IOptions<MusterOptions> options, IStringLocalizer<SharedResource> l, CancellationToken ct) =>
            {
                var zone = options.Value.Zone;
                var q = p.Query(zone, time.GetUtcNow().UtcDateTime);
                http.Response.ContentType = "text/csv; charset=utf-8";
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(q, zone, "csv")}\"";
                await Register.WriteCsvAsync(http.Response.Body, Register.RowsAsync(db, plans, q, ct: ct), l, zone, ct);
                return Results.Empty;
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The fault register of [from, to) as CSV: UTF-8 with a BOM, headers in the reader's language; ?serviceId=, ?deviceType=, ?level=, ?includeDrills=.");
        api.MapGet("/register.xlsx", async ([AsParameters] ReportParameters p, MusterDb db, PlanCatalog plans, TimeProvider time,
                IOptions<MusterOptions> options, IStringLocalizer<SharedResource> l, CancellationToken ct) =>
            {
                var zone = options.Value.Zone;
                var q = p.Query(zone, time.GetUtcNow().UtcDateTime);
                var rows = Register.Blocking(Register.RowsAsync(db, plans, q, ct: ct), ct).Select(r => Register.Cells(r, l, zone));
                var file = await Register.XlsxAsync([(l["register.sheet"], rows, Register.Headers(l))], ct);
                return Results.File(file, Xlsx, FileName(q, zone, "xlsx"));
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The fault register of [from, to) as an .xlsx workbook, with the same columns and filters as register.csv.");
        api.MapGet("/monthly.xlsx", async (string? month, MusterDb db, PlanCatalog plans, TimeProvider time, IOptions<MusterOptions> options,
                IStringLocalizer<SharedResource> l, CancellationToken ct) =>
            {
                var zone = options.Value.Zone;
                var now = time.GetUtcNow().UtcDateTime;
                var q = MonthQuery(month, zone, now);
                var result = await ReportData.SummarizeAsync(db, plans, q, zone, now, ct);
                var register = new List<string[]>();
                await foreach (var r in Register.RowsAsync(db, plans, q, ct: ct))
                    register.Add(Register.Cells(r, l, zone));
                var file = await Register.XlsxAsync(MonthlyWorkbook.Sheets(result, register, l, zone), ct);
                return Results.File(file, Xlsx, $"muster-monthly-{TimeZoneInfo.ConvertTimeFromUtc(q.From, zone):yyyy-MM}.xlsx");
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The monthly report of ?month=yyyy-MM (default this month) as an .xlsx: summary, SLA, counts, failure rates, repeat failures, on-call load and the register, one sheet each.");
    }

    public const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static string FileName(ReportQuery q, TimeZoneInfo zone, string extension) =>
        $"muster-register-{TimeZoneInfo.ConvertTimeFromUtc(q.From, zone):yyyyMMdd}-{TimeZoneInfo.ConvertTimeFromUtc(q.To, zone).AddTicks(-1):yyyyMMdd}.{extension}";

    /// <summary>The calendar month of <c>yyyy-MM</c> in the organisation's zone; none is this month.</summary>
    public static ReportQuery MonthQuery(string? month, TimeZoneInfo zone, DateTime now)
    {
        if (string.IsNullOrWhiteSpace(month))
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(now, zone);
            month = local.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        }
        if (!DateTime.TryParseExact(month.Trim(), "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var m))
            throw RequestException.Invalid("month", "month is yyyy-MM, such as 2026-11.");
        var period = ReportPeriod.Month(m.Year, m.Month, zone);
        return new ReportQuery(period.From, period.To);
    }
}

/// <summary>The query string every report endpoint reads.</summary>
public sealed class ReportParameters
{
    public string? From { get; init; }
    public string? To { get; init; }
    public string? IncludeDrills { get; init; }
    public string? ServiceId { get; init; }
    public string? DeviceType { get; init; }
    public string? Level { get; init; }

    public ReportQuery Query(TimeZoneInfo zone, DateTime now)
    {
        bool drills = false;
        if (!string.IsNullOrWhiteSpace(IncludeDrills) && !bool.TryParse(IncludeDrills, out drills))
            throw RequestException.Invalid("includeDrills", "includeDrills is true or false.");
        return ReportQuery.Parse(From, To, drills, ServiceId, DeviceType, Level, zone, now);
    }
}
