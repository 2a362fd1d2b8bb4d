using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MiniExcelLibs;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Domain.Reporting;
using Muster.Features.Analytics;
using Muster.Infrastructure;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>
/// The reports' fast path (one narrow SQL read as integer ticks, then <see cref="ReportTally"/>)
/// against the domain's definition (<see cref="ReportMetrics.Summarize"/>) over a hand-built
/// November written to the database (SQLite or PostgreSQL, as the run chooses): incidents on both
/// edges of the period and just outside them, steps exactly at a deadline and a microsecond after
/// it, a reopened incident, drills left out and counted in, a root cause, devices named more than
/// once. Expected figures come from the in-memory incidents, never from the database.
/// </summary>
public sealed class ReportFastPathTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private static readonly Actor Duty = new("p-duty", "值班员");

    /// <summary>Ticks are seven decimals; PostgreSQL keeps six, so there every time is whole microseconds.</summary>
    private static readonly long Fraction = TestDatabase.IsPostgres ? 1_234_560 : 1_234_567;

    private sealed record Built(Incident Incident, bool Reopened, string? Cause, IReadOnlyList<DeviceRef> Devices, StageTargets Targets);

    [Fact]
    public async Task The_fast_path_gives_every_figure_the_domain_gives_with_and_without_drills_and_filters()
    {
        var zone = app.Services.GetRequiredService<IOptions<MusterOptions>>().Value.Zone;
        var plans = app.Services.GetRequiredService<PlanCatalog>();
        var period = ReportPeriod.Month(2026, 11, zone);
        var now = period.To.AddDays(-1).AddTicks(Fraction);
        var built = await BuildAsync(period, zone, plans);

        var queries = new List<ReportQuery>
        {
            new(period.From, period.To),
            new(period.From, period.To, IncludeDrills: true),
            new(period.From, period.To, ServiceId: built[0].Incident.ServiceId),
            new(period.From, period.To, IncludeDrills: true, Level: built[0].Incident.SeverityLevel),
            new(period.From, period.To, DeviceType: "kiosk"),
            new(period.From.AddDays(1), period.To.AddDays(-1), IncludeDrills: true),
        };
        foreach (var q in queries)
        {
            var expected = await app.WithDb(async db => ReportMetrics.Summarize(
                built.Where(b => Matches(b, q)).Select(Facts), q.Period, zone, now, q.IncludeDrills, await ReportData.FleetAsync(db, default)));
            // A catalogue that has read no plan yet: the fast path reads the plans itself.
            var actual = await app.WithDb(db => ReportData.SummarizeAsync(db, new PlanCatalog(), q, zone, now));
            Assert.True(expected.IncidentCount > 0, q.QueryString());
            Assert.Equal(Json(expected with { OnCall = [] }), Json(actual.Summary with { OnCall = [] }));
        }

        // The month as worked out by hand: 7 of the 11 incidents fall in it, one of them a drill.
        var month = await app.WithDb(db => ReportData.SummarizeAsync(db, plans, queries[0], zone, now));
        Assert.Equal((6, 1, 1), (month.Summary.IncidentCount, month.Summary.DrillCount, month.Summary.ReopenedCount));
        var ack = month.Summary.Sla.Single(c => c.Stage == Stage.Acknowledge && c.Level == built[0].Incident.SeverityLevel);
        Assert.True(ack.Met >= 1 && ack.Breached >= 1);
        Assert.Contains(month.Summary.ByCategory, c => c.Key == "hardware" && c.Count == 1);
        Assert.Contains(month.Summary.RepeatFailures, r => r.Device.Code.StartsWith("FP-K1-", StringComparison.Ordinal) && r.Count == 3);
    }

    [Fact]
    public async Task The_register_carries_the_reviews_root_cause_in_the_page_csv_and_xlsx_and_the_summary_the_survey_scores()
    {
        var zone = app.Services.GetRequiredService<IOptions<MusterOptions>>().Value.Zone;
        var plans = app.Services.GetRequiredService<PlanCatalog>();
        var period = ReportPeriod.Month(2026, 9, zone);
        var built = await BuildAsync(period, zone, plans);
        var withCause = built.Single(b => b.Cause is not null).Incident;
        await app.WithDb(async db =>
        {
            var invitations = new[] { (4, withCause), (5, withCause), (2, built[3].Incident) }.Select(x => (x.Item1, x.Item2, Invitation: new SurveyInvitation
            {
                IncidentId = x.Item2.Id,
                ServiceId = x.Item2.ServiceId,
                ReporterKey = Guid.NewGuid().ToString("N"),
                Status = "sent",
                CreatedAt = period.From.AddDays(3),
                ExpiresAt = period.From.AddDays(30),
            })).ToList();
            db.SurveyInvitations.AddRange(invitations.Select(i => i.Invitation));
            db.SurveyResponses.AddRange(invitations.Select(i => new SurveyResponse
            {
                InvitationId = i.Invitation.Id,
                IncidentId = i.Item2.Id,
                ServiceId = i.Item2.ServiceId,
                Score = i.Item1,
                RespondedAt = period.From.AddDays(4),
            }));
            return await db.SaveChangesAsync();
        });
        var query = $"from={Day(period.From, zone)}&to={Day(period.To, zone)}";
        var viewer = app.Client(Role.Viewer);

        var summary = await (await viewer.GetAsync($"/api/v1/reports/summary?{query}")).JsonAsync();
        var surveys = summary.GetProperty("surveys");
        // (4 + 5 + 2) / 3 = 3.67; the service of the first two averages 4.5.
        Assert.Equal(3, surveys.GetProperty("responses").GetInt32());
        Assert.Equal(3.67, surveys.GetProperty("average").GetDouble());
        var own = surveys.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("serviceId").GetString() == withCause.ServiceId);
        Assert.Equal((2, 4.5), (own.GetProperty("responses").GetInt32(), own.GetProperty("average").GetDouble()));
        var page = await viewer.GetStringAsync($"/reports?{query}");
        Assert.Contains("data-testid=\"report-surveys\"", page);

        var response = await app.Client(Role.Viewer, "zh-CN").GetAsync($"/api/v1/reports/register.xlsx?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>()
            .Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray()).ToList();
        var category = Array.IndexOf(rows[0], "故障类别");
        Assert.Equal(Array.IndexOf(Register.Columns, "category"), category);
        var row = rows.Single(r => r[0] == withCause.Number.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("硬件", row[category]);
        Assert.All(rows.Skip(1).Where(r => r != row), r => Assert.Equal("", r[category]));

        var csv = await app.Client(Role.Viewer, "en").GetStringAsync($"/api/v1/reports/register.csv?{query}");
        Assert.Contains(csv.Split("\r\n"), l => l.StartsWith(withCause.Number.ToString(CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal) && l.Contains(",Hardware,"));
        var registerPage = await viewer.GetStringAsync($"/reports/register?{query}");
        Assert.Contains(">Hardware<", WebUtility.HtmlDecode(registerPage));
    }

    [Fact]
    public void SQLite_times_read_as_the_ticks_they_were_written_from_whatever_their_decimals()
    {
        var random = new Random(11);
        for (var n = 0; n < 5000; n++)
        {
            var at = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 365 * 40));
            // Every number of decimals, as Microsoft.Data.Sqlite writes them (trailing zeros dropped).
            at = at.AddTicks(-(at.Ticks % (long)Math.Pow(10, n % 8)));
            Assert.Equal(at.Ticks, ReportData.SqliteTicks(at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)));
            Assert.Equal(at.Ticks, ReportData.SqliteTicks(at.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)));
        }
        // Text in another shape is read as EF Core reads it.
        Assert.Equal(new DateTime(2026, 11, 1, 8, 30, 0).Ticks, ReportData.SqliteTicks("2026-11-01 08:30"));
    }

    private static string Day(DateTime utc, TimeZoneInfo zone) => TimeZoneInfo.ConvertTimeFromUtc(utc, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Json(ReportSummary summary) => JsonSerializer.Serialize(summary);

    private static bool Matches(Built b, ReportQuery q) =>
        (q.ServiceId is null || b.Incident.ServiceId == q.ServiceId)
        && (q.Level is null || b.Incident.SeverityLevel == q.Level)
        && (q.DeviceType is null || b.Devices.Any(d => d.Type == q.DeviceType));

    private static IncidentFacts Facts(Built b) => new()
    {
        Id = b.Incident.Id,
        Number = b.Incident.Number,
        DeclaredAt = b.Incident.DeclaredAt,
        AcknowledgedAt = b.Incident.AcknowledgedAt,
        InvestigatingAt = b.Incident.InvestigatingAt,
        RepairingAt = b.Incident.RepairingAt,
        MitigatedAt = b.Incident.MitigatedAt,
        ResolvedAt = b.Incident.ResolvedAt,
        VerifiedAt = b.Incident.VerifiedAt,
        ClosedAt = b.Incident.ClosedAt,
        Level = b.Incident.SeverityLevel,
        Rank = b.Incident.SeverityRank,
        Targets = b.Targets,
        ServiceId = b.Incident.ServiceId,
        Category = b.Cause,
        Drill = b.Incident.Drill,
        Reopened = b.Reopened,
        Devices = b.Devices,
    };

    /// <summary>
    /// Eleven incidents around <paramref name="period"/>, in two services, written through the
    /// domain's own transitions, with reports naming devices and a review giving a root cause.
    /// </summary>
    private async Task<List<Built>> BuildAsync(ReportPeriod period, TimeZoneInfo zone, PlanCatalog plans)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = await app.ServiceAsync("Fast A " + tag);
        var second = await app.ServiceAsync("Fast B " + tag);
        return await app.WithDb(async db =>
        {
            var service = await db.Services.SingleAsync(s => s.Id == first);
            var (version, plan) = await plans.ActiveForAsync(db, service);
            var levels = plan.Levels.OrderBy(l => l.Rank).ToList();
            var top = levels[0];
            var targets = plan.TargetsFor(top.Key);
            var ackLimit = TimeSpan.FromMinutes(targets.Acknowledge ?? 5);
            var number = await db.Incidents.MaxAsync(i => (int?)i.Number) ?? 0;
            var devices = new[] { ("FP-K1", "kiosk", "Library"), ("FP-D1", "door", "Canteen") }.Select(d => new Device
            {
                Code = d.Item1 + "-" + tag,
                Name = d.Item1,
                Type = d.Item2,
                ServiceId = first,
                Site = d.Item3,
                Status = "in_service",
                ReportToken = "fp-" + Guid.NewGuid().ToString("N"),
            }).ToList();
            db.Devices.AddRange(devices);
            var kiosk = new DeviceRef(devices[0].Id, devices[0].Code, "kiosk", "Library");
            var door = new DeviceRef(devices[1].Id, devices[1].Code, "door", "Canteen");
            var built = new List<Built>();

            Incident Declare(DateTime at, string serviceId, bool drill = false)
            {
                var incident = Incident.Declare(Ids.New(), ++number, "fast path " + number, null, serviceId, version, plan, new ImpactFacts(), null, drill, Duty, at);
                db.Incidents.Add(incident);
                return incident;
            }

            void Add(Incident incident, bool reopened = false, string? cause = null, params DeviceRef[] named)
            {
                foreach (var (device, n) in named.Select((d, n) => (d, n)))
                {
                    db.Reports.Add(new Report
                    {
                        DeviceId = device.Id,
                        ServiceId = incident.ServiceId,
                        Channel = "phone",
                        Symptom = "No receipt",
                        ReceivedAt = incident.DeclaredAt.AddSeconds(n),
                        IncidentId = incident.Id,
                    });
                }
                if (cause is not null)
                    db.Reviews.Add(new PostIncidentReview { IncidentId = incident.Id, RootCause = cause, CreatedAt = incident.DeclaredAt, UpdatedAt = incident.DeclaredAt });
                built.Add(new Built(incident, reopened, cause, named.DistinctBy(d => d.Id).ToList(), plan.TargetsFor(incident.SeverityLevel)));
            }

            void Move(Incident incident, IncidentStatus status, TimeSpan after) => incident.MoveTo(status, Duty, incident.DeclaredAt + after, null);

            var f = TimeSpan.FromTicks(Fraction);
            // 0: declared at the first instant of the period, acknowledged exactly at the deadline (met), repaired, mitigated, resolved.
            var a = Declare(period.From, first);
            a.SetSeverity(top, "fast path", Duty, a.DeclaredAt);
            Move(a, IncidentStatus.Acknowledged, ackLimit);
            Move(a, IncidentStatus.Repairing, ackLimit + f);
            Move(a, IncidentStatus.Mitigated, TimeSpan.FromMinutes(50) + f);
            Move(a, IncidentStatus.Resolved, TimeSpan.FromMinutes(70));
            Add(a, named: [kiosk, door, kiosk]);
            // 1: acknowledged a microsecond late (breached), resolved, reopened, resolved again with a root cause.
            var b = Declare(period.From.AddDays(3).AddTicks(Fraction), first);
            b.SetSeverity(top, "fast path", Duty, b.DeclaredAt);
            Move(b, IncidentStatus.Acknowledged, ackLimit + TimeSpan.FromTicks(10));
            Move(b, IncidentStatus.Resolved, TimeSpan.FromHours(2));
            b.Reopen(Duty, b.DeclaredAt + TimeSpan.FromHours(3), "again");
            Move(b, IncidentStatus.Resolved, TimeSpan.FromHours(5) + f);
            Move(b, IncidentStatus.Verified, TimeSpan.FromHours(6));
            Move(b, IncidentStatus.Closed, TimeSpan.FromHours(7));
            Add(b, reopened: true, cause: "hardware", kiosk);
            // 2: a drill in the period, acknowledged and resolved.
            var c = Declare(period.From.AddDays(5).AddHours(13), first, drill: true);
            Move(c, IncidentStatus.Acknowledged, TimeSpan.FromMinutes(1));
            Move(c, IncidentStatus.Resolved, TimeSpan.FromMinutes(30) + f);
            Add(c, named: kiosk);
            // 3: the other service, investigating then repairing (assess skipped), still open.
            var d = Declare(period.From.AddDays(10).AddHours(22).AddTicks(Fraction), second);
            Move(d, IncidentStatus.Investigating, TimeSpan.FromMinutes(3) + f);
            Move(d, IncidentStatus.Repairing, TimeSpan.FromMinutes(40));
            Add(d);
            // 4: the other service, never touched: its clocks run or are breached at "now".
            var e = Declare(period.From.AddDays(20), second);
            Add(e);
            // 5: names the kiosk, resolved within its targets, verified late.
            var g = Declare(period.From.AddDays(25).AddHours(6), first);
            Move(g, IncidentStatus.Acknowledged, TimeSpan.FromMinutes(2) + f);
            Move(g, IncidentStatus.Resolved, TimeSpan.FromMinutes(20));
            Move(g, IncidentStatus.Verified, TimeSpan.FromHours(30));
            Add(g, named: kiosk);
            // 6: declared at the last microsecond of the period: it belongs here, untouched.
            var h = Declare(period.To.AddTicks(-10), first);
            h.SetSeverity(top, "fast path", Duty, h.DeclaredAt);
            Add(h);
            // 7 and 8: a microsecond before the period and at its end: they belong to the months either side.
            var before = Declare(period.From.AddTicks(-10), first);
            Move(before, IncidentStatus.Acknowledged, TimeSpan.FromMinutes(1));
            Move(before, IncidentStatus.Resolved, TimeSpan.FromMinutes(2));
            Add(before, named: kiosk);
            var after = Declare(period.To, first);
            Add(after, named: kiosk);
            // 9 and 10: a drill and an incident of the month before, still open.
            Add(Declare(period.From.AddDays(-2), first, drill: true));
            Add(Declare(period.From.AddDays(-1), second));
            await db.SaveChangesAsync();
            return built;
        });
    }
}
