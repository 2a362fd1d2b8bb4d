using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.Reports;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>The public report page /r/{token}: a plain multipart form, limits, photos, and reports becoming incidents.</summary>
public sealed partial class ReportTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    private readonly HttpClient manager = app.Client(Role.Manager);
    private readonly HttpClient viewer = app.Client(Role.Viewer);

    private async Task<JsonElement> DeviceAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var serviceId = await app.ServiceAsync($"reports {tag}");
        var created = await manager.PostJsonAsync("/api/v1/devices", new { code = $"K-{tag}", name = "Lobby kiosk", type = "kiosk", serviceId, building = "A", floor = "1F", area = "Lobby" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await created.JsonAsync();
    }

    private static string PathOf(JsonElement device) => new Uri(device.GetProperty("reportUrl").GetString()!).AbsolutePath;

    /// <summary>Opens the page as a phone would (a fresh client with its own cookies) and sends the form.</summary>
    private async Task<(HttpResponseMessage Response, string Html)> ReportAsync(JsonElement device, string symptom = "0", string? details = null, string? phone = null,
        byte[]? photo = null, string photoType = "image/png", string language = "en")
    {
        var client = app.Client(null, language);
        var path = PathOf(device);
        var page = await client.GetStringAsync(path);
        var token = Token().Match(page).Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent("report"), "_handler" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent(symptom), "Form.Symptom" },
            { new StringContent(details ?? ""), "Form.Details" },
            { new StringContent(phone ?? ""), "Form.Phone" },
        };
        if (photo is not null)
        {
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue(photoType);
            form.Add(file, "photo", "photo.png");
        }
        var response = await client.PostAsync(path, form);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    private async Task<JsonElement> ReportsAsync(HttpClient client, string deviceId) =>
        await (await client.GetAsync($"/api/v1/reports?deviceId={deviceId}")).JsonAsync();

    [Fact]
    public async Task The_page_shows_the_device_its_place_its_symptoms_and_the_privacy_notice_in_both_languages()
    {
        var device = await DeviceAsync();
        var en = await app.Client(null, "en").GetStringAsync(PathOf(device));
        Assert.Contains("Lobby kiosk", en);
        Assert.Contains("A · 1F · Lobby", en);
        Assert.Contains("No receipt", en);
        Assert.Contains("deleted after 30 days", en);
        Assert.Contains("enctype=\"multipart/form-data\"", en);
        Assert.DoesNotContain("<script", en);
        var zh = await app.Client(null, "zh-CN").GetStringAsync(PathOf(device));
        Assert.Contains("不打印小票", zh);
        Assert.Contains("30 天后删除", zh);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client(null).GetAsync("/r/not-a-token")).StatusCode);
    }

    [Fact]
    public async Task A_report_with_a_photo_becomes_an_incident_and_a_second_report_joins_it()
    {
        var device = await DeviceAsync();
        var deviceId = device.GetProperty("id").GetString()!;
        var (response, html) = await ReportAsync(device, "3", details: "the printer is silent", phone: "13812345678", photo: Png);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Your report is with the team on duty", html);
        Assert.DoesNotContain("photo was not kept", html);

        await app.CorrelateAsync();
        var reports = await ReportsAsync(manager, deviceId);
        var report = reports[0];
        Assert.Equal("不打印小票 / No receipt: the printer is silent", report.GetProperty("symptom").GetString());
        Assert.Equal("qr", report.GetProperty("channel").GetString());
        Assert.Equal("13812345678", report.GetProperty("phone").GetString());
        Assert.True(report.GetProperty("hasPhoto").GetBoolean());
        var incidentId = report.GetProperty("incidentId").GetString();
        Assert.NotNull(incidentId);
        var incident = await (await manager.GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync();
        Assert.Equal(device.GetProperty("serviceId").GetString(), incident.GetProperty("serviceId").GetString());
        Assert.Contains("No receipt", incident.GetProperty("title").GetString());

        var photo = await manager.GetAsync($"/api/v1/reports/{report.GetProperty("id").GetString()}/photo");
        Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await photo.Content.ReadAsByteArrayAsync());

        // Viewers see the number masked, and cannot open the photo.
        Assert.Equal("138****5678", (await ReportsAsync(viewer, deviceId))[0].GetProperty("phone").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"/api/v1/reports/{report.GetProperty("id").GetString()}/photo")).StatusCode);
        foreach (var page in new[] { $"/devices/{deviceId}", $"/incidents/{incidentId}" })
        {
            var seen = await viewer.GetStringAsync(page);
            Assert.Contains("138****5678", seen);
            Assert.DoesNotContain("13812345678", seen);
            Assert.Contains("13812345678", await manager.GetStringAsync(page));
        }

        await ReportAsync(device, "0");
        await app.CorrelateAsync();
        reports = await ReportsAsync(manager, deviceId);
        Assert.Equal(2, reports.GetArrayLength());
        Assert.Equal(incidentId, reports[0].GetProperty("incidentId").GetString());
        Assert.Equal(2, (await (await manager.GetAsync($"/api/v1/reports?incidentId={incidentId}")).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task A_photo_that_is_not_an_image_is_refused_and_the_report_kept_without_it()
    {
        var device = await DeviceAsync();
        var (response, html) = await ReportAsync(device, "other", details: "screen cracked", photo: Encoding.UTF8.GetBytes("<html>not a picture</html>"), photoType: "image/jpeg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("photo was not kept", html);
        var report = (await ReportsAsync(manager, device.GetProperty("id").GetString()!))[0];
        Assert.Equal("screen cracked", report.GetProperty("symptom").GetString());
        Assert.False(report.GetProperty("hasPhoto").GetBoolean());

        var tooBig = new byte[ReportIntake.MaxPhotoBytes + 1];
        Png.CopyTo(tooBig, 0);
        (_, html) = await ReportAsync(device, "1", photo: tooBig);
        Assert.Contains("photo was not kept", html);
    }

    [Fact]
    public async Task A_report_needs_a_symptom_and_a_phone_number_that_looks_like_one()
    {
        var device = await DeviceAsync();
        var (response, html) = await ReportAsync(device, "", phone: "call me");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Pick what is wrong", html);
        Assert.Contains("A phone number has", html);
        Assert.Equal(0, (await ReportsAsync(manager, device.GetProperty("id").GetString()!)).GetArrayLength());
    }

    [Fact]
    public async Task More_than_five_reports_on_a_device_in_ten_minutes_get_a_friendly_429()
    {
        var device = await DeviceAsync();
        for (var i = 0; i < ReportIntake.PerDevice.Count; i++)
            Assert.Equal(HttpStatusCode.OK, (await ReportAsync(device, "0")).Response.StatusCode);
        var (response, html) = await ReportAsync(device, "0");
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("the team already knows", html);
        Assert.Equal(ReportIntake.PerDevice.Count, (await ReportsAsync(manager, device.GetProperty("id").GetString()!)).GetArrayLength());

        app.Time.Advance(ReportIntake.PerDevice.Window);
        Assert.Equal(HttpStatusCode.OK, (await ReportAsync(device, "0")).Response.StatusCode);
    }

    [Fact]
    public async Task More_than_ten_reports_from_one_address_in_an_hour_are_limited()
    {
        var address = $"203.0.113.{Random.Shared.Next(1, 250)}";
        await app.WithDb(async db =>
        {
            var device = await db.Devices.FirstAsync();
            var now = app.Time.UtcNow;
            for (var i = 0; i < ReportIntake.PerAddress.Count; i++)
                db.Reports.Add(new Report { ServiceId = device.ServiceId, Symptom = "x", ClientAddress = address, ReceivedAt = now.AddMinutes(-i) });
            await db.SaveChangesAsync();
            var other = await db.Devices.OrderBy(d => d.Code).LastAsync();
            var result = await ReportIntake.SubmitAsync(db, other, new ReportInput("y", null), null, address, now);
            Assert.Equal(ReportOutcome.Limited, result.Outcome);
            return 0;
        });
    }

    [Fact]
    public async Task Phone_numbers_and_photos_are_purged_after_the_retention_period()
    {
        var device = await DeviceAsync();
        var deviceId = device.GetProperty("id").GetString()!;
        await ReportAsync(device, "0", phone: "13900001111", photo: Png);
        app.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, await app.WithDb(db => ReportIntake.PurgeAsync(db, app.Time.UtcNow, 30)));

        app.Time.Advance(TimeSpan.FromDays(2));
        await app.RunDueWorkAsync();
        var report = (await ReportsAsync(manager, deviceId))[0];
        Assert.Equal(JsonValueKind.Null, report.GetProperty("phone").ValueKind);
        Assert.False(report.GetProperty("hasPhoto").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, report.GetProperty("contactPurgedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync($"/api/v1/reports/{report.GetProperty("id").GetString()}/photo")).StatusCode);
    }
}

/// <summary>Reports taken by staff: by phone, at the counter, by WeChat or the app.</summary>
public sealed partial class StaffReportTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient responder = app.Client(Role.Responder);
    private readonly HttpClient manager = app.Client(Role.Manager);

    [Fact]
    public async Task A_call_about_a_device_joins_its_incident_and_one_about_a_service_opens_one_for_the_service()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var serviceId = await app.ServiceAsync($"staff {tag}");
        var device = await (await manager.PostJsonAsync("/api/v1/devices", new { code = $"S-{tag}", name = "Top-up machine", type = "topup_machine", serviceId })).JsonAsync();
        var deviceId = device.GetProperty("id").GetString();

        var first = await responder.PostJsonAsync("/api/v1/reports", new { channel = "phone", deviceId, symptom = "Cannot top up", scope = "queue of more than 5", caller = "Wang", phone = "13912345678", email = "wang.reader@example.com" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var byCode = await responder.PostJsonAsync("/api/v1/reports", new { channel = "counter", deviceId = $"S-{tag}", symptom = "Still broken" });
        Assert.Equal(HttpStatusCode.Created, byCode.StatusCode);
        var serviceOnly = await responder.PostJsonAsync("/api/v1/reports", new { channel = "wechat", serviceId, symptom = "App says the card is frozen" });
        Assert.Equal(HttpStatusCode.Created, serviceOnly.StatusCode);
        await app.CorrelateAsync();

        var reports = await (await manager.GetAsync($"/api/v1/reports?serviceId={serviceId}")).JsonAsync();
        Assert.Equal(3, reports.GetArrayLength());
        var onDevice = reports.EnumerateArray().Where(r => r.GetProperty("deviceId").GetString() == deviceId).ToList();
        Assert.Equal(2, onDevice.Count);
        Assert.Equal(onDevice[0].GetProperty("incidentId").GetString(), onDevice[1].GetProperty("incidentId").GetString());
        var other = reports.EnumerateArray().Single(r => r.GetProperty("channel").GetString() == "wechat");
        Assert.NotEqual(onDevice[0].GetProperty("incidentId").GetString(), other.GetProperty("incidentId").GetString());
        Assert.Contains(onDevice, r => r.GetProperty("scope").GetString() == "queue of more than 5" && r.GetProperty("caller").GetString() == "Wang");

        // Below manager, the caller and number are masked.
        var masked = (await (await responder.GetAsync($"/api/v1/reports?serviceId={serviceId}")).JsonAsync()).EnumerateArray().Single(r => r.GetProperty("caller").ValueKind == JsonValueKind.String);
        Assert.Equal("W**", masked.GetProperty("caller").GetString());
        Assert.Equal("139****5678", masked.GetProperty("phone").GetString());
        Assert.Equal("w***@example.com", masked.GetProperty("email").GetString());
        Assert.Contains(reports.EnumerateArray(), r => r.GetProperty("email").GetString() == "wang.reader@example.com");
    }

    [Fact]
    public async Task A_staff_report_names_what_is_wrong_with_it()
    {
        var bad = await responder.PostJsonAsync("/api/v1/reports", new { channel = "fax", symptom = "", email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("channel", out _));
        Assert.True(errors.TryGetProperty("symptom", out _));
        Assert.True(errors.TryGetProperty("deviceId", out _));
        Assert.True(errors.TryGetProperty("email", out _));
        var unknown = await responder.PostJsonAsync("/api/v1/reports", new { channel = "phone", deviceId = "nope", symptom = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(Role.Viewer).PostJsonAsync("/api/v1/reports", new { channel = "phone" })).StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [Fact]
    public async Task The_staff_form_records_a_counter_report_by_device_code()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var serviceId = await app.ServiceAsync($"staff page {tag}");
        await manager.PostJsonAsync("/api/v1/devices", new { code = $"F-{tag}", name = "Door", type = "door", serviceId });
        var page = app.Client(Role.Responder);
        var form = await page.GetStringAsync("/reports/new");
        Assert.Contains($"<option value=\"F-{tag}\"", form);
        var posted = await page.PostAsync("/reports/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "staff-report",
            ["__RequestVerificationToken"] = Token().Match(form).Groups[1].Value,
            ["Form.Channel"] = "counter",
            ["Form.DeviceId"] = $"F-{tag}",
            ["Form.Symptom"] = "Door will not close",
            ["Form.Scope"] = "one entrance",
        }));
        Assert.Contains("Recorded", await posted.Content.ReadAsStringAsync());
        var report = (await (await manager.GetAsync($"/api/v1/reports?serviceId={serviceId}")).JsonAsync())[0];
        Assert.Equal("counter", report.GetProperty("channel").GetString());
        Assert.Equal("one entrance", report.GetProperty("scope").GetString());
    }
}
