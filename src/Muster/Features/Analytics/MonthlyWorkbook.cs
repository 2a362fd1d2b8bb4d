using System.Globalization;
using Microsoft.Extensions.Localization;
using Muster.Components;

namespace Muster.Features.Analytics;

/// <summary>The monthly report as sheets of text cells: what the monthly page shows, one table a sheet.</summary>
public static class MonthlyWorkbook
{
    public static IReadOnlyList<(string Sheet, IEnumerable<string[]> Rows, string[] Headers)> Sheets(
        ReportResult result, IReadOnlyList<string[]> register, IStringLocalizer l, TimeZoneInfo zone)
    {
        var s = result.Summary;
        var n = result.Names;
        string[] figure = [l["reports.figure"], l["reports.value"]];
        var summary = new List<string[]>
        {
            new[] { (string)l["reports.period"], $"{Time.Format(s.Period.From, zone)} – {Time.Format(s.Period.To, zone)}" },
            new[] { (string)l["reports.incident_count"], Whole(s.IncidentCount) },
            new[] { (string)l["reports.open_count"], Whole(s.OpenCount) },
            new[] { (string)l["reports.reopened_count"], Whole(s.ReopenedCount) },
            new[] { (string)l["reports.drills_left_out"], Whole(s.DrillCount) },
            new[] { (string)l["reports.mtta"], Minutes(s.Acknowledge.Mean) },
            new[] { (string)l["reports.time_to_assess"], Minutes(s.Assess.Mean) },
            new[] { (string)l["reports.time_to_mitigate"], Minutes(s.Mitigate.Mean) },
            new[] { (string)l["reports.mttr"], Minutes(s.Resolve.Mean) },
        };
        var sla = s.Sla.Select(c => new[]
        {
            (string)l[$"stage.{SummaryView.Key(c.Stage)}"], n.Level(c.Level), Whole(c.Met), Whole(c.Breached), Whole(c.Open), Percent(c.Compliance),
        });
        var counts = Counts(l["reports.by_service"], s.ByService.Select(c => (n.Service(c.Key), c.Count, c.Key is null)))
            .Concat(Counts(l["reports.by_category"], s.ByCategory.Select(c => (c.Key is null ? "" : (string)l[$"review.cause.{c.Key}"], c.Count, c.Key is null))))
            .Concat(Counts(l["reports.by_device_type"], s.ByDeviceType.Select(c => (n.DeviceType(c.Key), c.Count, c.Key is null))))
            .Concat(Counts(l["reports.by_place"], s.ByPlace.Select(c => (c.Key ?? "", c.Count, c.Key is null))))
            .Concat(s.ByHour.Select((count, hour) => new[] { (string)l["reports.by_hour"], hour.ToString("00", CultureInfo.InvariantCulture) + ":00", Whole(count) }));
        var rates = s.FailureRates.Select(f => new[]
        {
            n.DeviceType(f.Type), Whole(f.Incidents), Whole(f.Devices), Percent(f.Rate), Percent(f.Target),
            f.Met is { } met ? (string)l[met ? "reports.met" : "reports.missed"] : "",
        });
        var repeats = s.RepeatFailures.Select(r => new[]
        {
            r.Device.Code, n.DeviceType(r.Device.Type), r.Device.Place ?? "", Whole(r.Count), string.Join(" ", r.Numbers),
        });
        var oncall = s.OnCall.Select(o => new[]
        {
            n.Person(o.PersonId), Hours(o.Hours), Hours(o.NightHours), Whole(o.Pages), Whole(o.NightPages),
        });
        return
        [
            (l["reports.sheet_summary"], summary, figure),
            (l["reports.sheet_sla"], sla, [l["reports.stage"], l["register.level"], l["reports.met"], l["reports.breached"], l["reports.open"], l["reports.compliance"]]),
            (l["reports.sheet_counts"], counts, [l["reports.dimension"], l["reports.name"], l["reports.count"]]),
            (l["reports.sheet_failure"], rates, [l["register.device_type"], l["reports.incidents"], l["reports.devices_in_service"], l["reports.rate"], l["reports.target"], l["reports.result"]]),
            (l["reports.sheet_repeat"], repeats, [l["register.device"], l["register.device_type"], l["register.place"], l["reports.count"], l["reports.numbers"]]),
            (l["reports.sheet_oncall"], oncall, [l["reports.person"], l["reports.hours"], l["reports.night_hours"], l["reports.pages"], l["reports.night_pages"]]),
            (l["register.sheet"], register, Register.Headers(l)),
        ];

        IEnumerable<string[]> Counts(string dimension, IEnumerable<(string Name, int Count, bool None)> rows) =>
            rows.Select(r => new[] { dimension, r.None ? (string)l["reports.none"] : r.Name, Whole(r.Count) });
    }

    public static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Seconds shown as minutes with one decimal.</summary>
    public static string Minutes(double? seconds) => seconds is { } s ? (s / 60).ToString("0.0", CultureInfo.InvariantCulture) : "";

    public static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "";

    public static string Hours(double hours) => hours.ToString("0.#", CultureInfo.InvariantCulture);
}
