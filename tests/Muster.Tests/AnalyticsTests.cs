using System.Net;
using System.Text;
using System.Text.Json;
using MiniExcelLibs;
using Muster.Domain.People;
using Muster.Features.Devices;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>
/// The reports API over incidents made through the API on a fake clock. The clock starts at
/// 2026-03-10 10:00 in Shanghai; every test reads the day 2026-03-10 of its own service.
/// </summary>
public sealed class AnalyticsTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient responder = app.Client(Role.Responder);
    private readonly HttpClient viewer = app.Client(Role.Viewer);
    private const string Day = "from=2026-03-10&to=2026-03-11";

    private async Task<string> DeclareAsync(string serviceId, string title, bool drill = false, string? description = null)
    {
        var response = await responder.PostJsonAsync("/api/v1/incidents",
            new { title, serviceId, description, drill, impact = new { affectedUsers = 12_000 } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task StepAsync(string id, string step, int afterMinutes, string? note = null)
    {
        app.Time.Advance(TimeSpan.FromMinutes(afterMinutes));
        var response = await responder.PostJsonAsync($"/api/v1/incidents/{id}/{step}", new { note });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_summary_matches_a_hand_built_day()
    {
        var serviceId = await app.ServiceAsync("Summary " + Guid.NewGuid());
        // X: level 1, acknowledged at 2 min (target 5: met), resolved at 10 min.
        var x = await DeclareAsync(serviceId, "X");
        await StepAsync(x, "acknowledge", 2);
        await StepAsync(x, "resolve", 8);
        // Y: level 1, acknowledged at 10 min (breached), resolved at 30 min; reopened and resolved again at 40 min.
        var y = await DeclareAsync(serviceId, "Y");
        await StepAsync(y, "acknowledge", 10);
        await StepAsync(y, "resolve", 20);
        await StepAsync(y, "reopen", 5);
        await StepAsync(y, "resolve", 5);
        // Z: a drill, acknowledged at 1 min.
        var z = await DeclareAsync(serviceId, "Z", drill: true);
        await StepAsync(z, "acknowledge", 1);

        var summary = await (await viewer.GetAsync($"/api/v1/reports/summary?{Day}&serviceId={serviceId}")).JsonAsync();
        Assert.Equal(2, summary.GetProperty("incidentCount").GetInt32());
        Assert.Equal(1, summary.GetProperty("reopenedCount").GetInt32());
        Assert.Equal(1, summary.GetProperty("drillCount").GetInt32());
        // MTTA (120 + 600) / 2 = 360 s; MTTR from declaration to the final resolve: (600 + 2,400) / 2 = 1,500 s.
        Assert.Equal(360, summary.GetProperty("mtta").GetDouble());
        Assert.Equal(1500, summary.GetProperty("mttr").GetDouble());
        var ack = summary.GetProperty("slaCompliance").EnumerateArray().Single(c => c.GetProperty("stage").GetString() == "acknowledge" && c.GetProperty("level").GetString() == "L1");
        Assert.Equal((1, 1, 0.5), (ack.GetProperty("met").GetInt32(), ack.GetProperty("breached").GetInt32(), ack.GetProperty("compliance").GetDouble()));
        Assert.Equal(JsonValueKind.Array, summary.GetProperty("failureRate").ValueKind);
        // Declared at 10:00 and 10:10 local.
        Assert.Equal(2, summary.GetProperty("byHour")[10].GetInt32());

        var drills = await (await viewer.GetAsync($"/api/v1/reports/summary?{Day}&serviceId={serviceId}&includeDrills=true")).JsonAsync();
        Assert.Equal(3, drills.GetProperty("incidentCount").GetInt32());
        Assert.Equal((120 + 600 + 60) / 3.0, drills.GetProperty("mtta").GetDouble());

        // The day before holds none of them.
        var before = await (await viewer.GetAsync($"/api/v1/reports/summary?from=2026-03-09&to=2026-03-10&serviceId={serviceId}")).JsonAsync();
        Assert.Equal(0, before.GetProperty("incidentCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("mtta").ValueKind);
    }

    [Fact]
    public async Task The_failure_rate_counts_incidents_naming_a_device_of_the_type()
    {
        var serviceId = await app.ServiceAsync("Fleet " + Guid.NewGuid());
        var type = "t" + Guid.NewGuid().ToString("N")[..8];
        var manager = app.Client(Role.Manager);
        Assert.Equal(HttpStatusCode.OK, (await manager.PutAsync($"/api/v1/device-types/{type}",
            JsonContent(new { nameZh = "测试机", nameEn = "Test machine", symptoms = Array.Empty<object>(), failureTarget = 0.02 }))).StatusCode);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var created = await manager.PostJsonAsync("/api/v1/devices", new { code = $"{type}-{i}", name = $"M{i}", type, serviceId });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            ids.Add((await created.JsonAsync()).GetProperty("id").GetString()!);
        }
        // One staff report on device 0 opens an incident through the correlator.
        var report = await responder.PostJsonAsync("/api/v1/reports", new { channel = "phone", deviceId = ids[0], symptom = "No receipt", caller = "张三" });
        Assert.Equal(HttpStatusCode.Created, report.StatusCode);
        await app.CorrelateAsync();

        var summary = await (await viewer.GetAsync($"/api/v1/reports/summary?{Day}&serviceId={serviceId}")).JsonAsync();
        var rate = summary.GetProperty("failureRate").EnumerateArray().Single(r => r.GetProperty("deviceType").GetString() == type);
        // 1 incident over 4 devices in a 1-day period, scaled to 30 days: 0.25 × 30 = 7.5, against 0.02.
        Assert.Equal(1, rate.GetProperty("incidents").GetInt32());
        Assert.Equal(4, rate.GetProperty("devices").GetInt32());
        Assert.Equal(7.5, rate.GetProperty("rate").GetDouble(), 9);
        Assert.False(rate.GetProperty("met").GetBoolean());

        var csv = Encoding.UTF8.GetString(await (await viewer.GetAsync($"/api/v1/reports/register.csv?{Day}&deviceType={type}")).Content.ReadAsByteArrayAsync());
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains($"{type}-0", lines[1]);
        Assert.Contains("张三", lines[1]);
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, MusterFactory.Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_register_csv_has_a_bom_localized_headers_quoting_and_defused_formulas()
    {
        var serviceId = await app.ServiceAsync("Register " + Guid.NewGuid());
        var id = await DeclareAsync(serviceId, "=HYPERLINK(\"http://x\"), 收费机黑屏", description: "第一行\n第二行");
        await StepAsync(id, "acknowledge", 3);
        await StepAsync(id, "resolve", 12, note: "重启后恢复");

        var zh = app.Client(Role.Viewer, "zh-CN");
        var response = await zh.GetAsync($"/api/v1/reports/register.csv?{Day}&serviceId={serviceId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes[3..])).Select(r => r.Fields).ToList();
        Assert.Equal(["编号", "登记时间", "服务", "设备编号", "设备类型", "地点", "级别", "故障类别", "故障标题", "故障现象", "处理措施",
            "响应时间（分钟）", "恢复时间（分钟）", "状态", "报告人", "演练"], rows[0]);
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal("'=HYPERLINK(\"http://x\"), 收费机黑屏", row[8]);
        Assert.Equal("第一行\n第二行", row[9]);
        Assert.Equal("重启后恢复", row[10]);
        Assert.Equal(["3", "15"], row.Skip(11).Take(2));
        Assert.Equal("2026-03-10 10:00 +08:00", row[1]);

        var en = await (await viewer.GetAsync($"/api/v1/reports/register.csv?{Day}&serviceId={serviceId}")).Content.ReadAsStringAsync();
        Assert.StartsWith("No.,Declared,Service,", en.TrimStart('\uFEFF'));
    }

    [Fact]
    public async Task The_register_xlsx_reads_back_as_the_csv_and_the_page_show_it()
    {
        var serviceId = await app.ServiceAsync("Workbook " + Guid.NewGuid());
        var first = await DeclareAsync(serviceId, "=1+1 读卡器故障");
        await StepAsync(first, "acknowledge", 4);
        await DeclareAsync(serviceId, "Second, still open");

        var xlsx = await viewer.GetAsync($"/api/v1/reports/register.xlsx?{Day}&serviceId={serviceId}");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Content.Headers.ContentType!.MediaType);
        using var stream = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync());
        var sheet = MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX)
            .Cast<IDictionary<string, object?>>()
            .Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray())
            .ToList();

        var csv = Csv.Parse((await (await viewer.GetAsync($"/api/v1/reports/register.csv?{Day}&serviceId={serviceId}")).Content.ReadAsStringAsync()).TrimStart('\uFEFF'))
            .Select(r => r.Fields.Select(f => f.StartsWith("'=", StringComparison.Ordinal) ? f[1..] : f).ToArray()).ToList();
        Assert.Equal(3, sheet.Count);
        Assert.Equal(csv, sheet);
        // Text stays text: the title is not a formula.
        Assert.Equal("=1+1 读卡器故障", sheet[1][8]);

        var page = WebUtility.HtmlDecode(await viewer.GetStringAsync($"/reports/register?{Day}&serviceId={serviceId}"));
        foreach (var row in sheet)
            foreach (var cell in row.Where(c => c.Length > 0))
                Assert.Contains(cell, page);
    }

    [Fact]
    public async Task The_monthly_workbook_has_a_sheet_per_table()
    {
        var response = await viewer.GetAsync("/api/v1/reports/monthly.xlsx?month=2026-03");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(["Summary", "SLA", "Counts", "Failure rate", "Repeat failures", "On call", "Fault register"], MiniExcel.GetSheetNames(stream));
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/reports/monthly.xlsx?month=2026-3-1")).StatusCode);
    }

    [Theory]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-03-10T10:00", "to")]
    [InlineData("from=2026-03-10&to=2026-03-09", "to")]
    [InlineData("includeDrills=maybe", "includeDrills")]
    public async Task A_bad_period_is_a_problem_naming_the_field_and_the_format(string query, string field)
    {
        foreach (var path in new[] { "summary", "register.csv", "register.xlsx" })
        {
            var response = await viewer.GetAsync($"/api/v1/reports/{path}?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            var problem = await response.JsonAsync();
            var message = problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
            Assert.True(field == "includeDrills" || message.Contains("yyyy-MM-dd") || message.Contains("[from, to)"), message);
        }
    }

    [Fact]
    public async Task The_reports_pages_draw_every_figure_and_say_when_a_period_is_empty()
    {
        var serviceId = await app.ServiceAsync("Pages " + Guid.NewGuid());
        var id = await DeclareAsync(serviceId, "Page figure");
        await StepAsync(id, "acknowledge", 3);

        var zh = app.Client(Role.Viewer, "zh-CN");
        var page = WebUtility.HtmlDecode(await zh.GetStringAsync($"/reports?{Day}&serviceId={serviceId}"));
        Assert.Contains("统计报表", page);
        Assert.Contains("<svg class=\"chart\"", page);
        Assert.Contains("平均响应时间（分钟）", page);
        Assert.Contains("暂无满意度调查", page);
        // The service's bar drills down to the incident list of the same days, drills left out.
        Assert.Contains($"/?from=2026-03-10&to=2026-03-10&drill=no&service={serviceId}", page);

        var empty = WebUtility.HtmlDecode(await viewer.GetStringAsync("/reports?from=2020-01-01&to=2020-02-01"));
        Assert.Contains("No incidents were declared in this period.", empty);
        var bad = WebUtility.HtmlDecode(await viewer.GetStringAsync("/reports?from=2020-02-30"));
        Assert.Contains("from is a date (yyyy-MM-dd", bad);

        var monthly = WebUtility.HtmlDecode(await viewer.GetStringAsync("/reports/monthly?month=2026-03"));
        Assert.Contains("Monthly report 2026-03", monthly);
        Assert.Contains("css/reports", monthly);
        Assert.Contains("/api/v1/reports/monthly.xlsx?month=2026-03", monthly);
    }
}
