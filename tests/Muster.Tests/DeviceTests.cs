using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Devices: create and edit, CSV import with every bad row reported, and their QR codes.</summary>
public sealed partial class DeviceTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient manager = app.Client(Role.Manager);
    private readonly HttpClient viewer = app.Client(Role.Viewer);

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private Task<HttpResponseMessage> ImportAsync(string csv) =>
        manager.PostAsync("/api/v1/devices/import", new StringContent(csv, Encoding.UTF8, "text/csv"));

    [Fact]
    public async Task A_manager_creates_and_edits_a_device_and_a_viewer_reads_it()
    {
        var serviceId = await app.ServiceAsync($"devices {Tag()}");
        var code = $"K-{Tag()}";
        var created = await manager.PostJsonAsync("/api/v1/devices", new { code, name = "Lobby kiosk", type = "kiosk", serviceId, building = "A", floor = "1F", area = "Lobby" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var device = await created.JsonAsync();
        var id = device.GetProperty("id").GetString();
        Assert.Equal("in_service", device.GetProperty("status").GetString());
        Assert.Matches("/r/[A-Za-z0-9_-]{16}$", device.GetProperty("reportUrl").GetString());

        var edited = await manager.PutAsync($"/api/v1/devices/{id}", JsonContent(new { code, name = "Lobby kiosk 2", type = "kiosk", serviceId, status = "out_of_service" }));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var read = await (await viewer.GetAsync($"/api/v1/devices/{id}")).JsonAsync();
        Assert.Equal("Lobby kiosk 2", read.GetProperty("name").GetString());
        Assert.Equal("out_of_service", read.GetProperty("status").GetString());
        Assert.Equal(device.GetProperty("reportUrl").GetString(), read.GetProperty("reportUrl").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/v1/devices", new { code = "x" })).StatusCode);
        var duplicate = await manager.PostJsonAsync("/api/v1/devices", new { code, name = "again", type = "kiosk", serviceId });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var badType = await manager.PostJsonAsync("/api/v1/devices", new { code = $"K-{Tag()}", name = "x", type = "toaster", serviceId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badType.StatusCode);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_csv_file_imports_devices_by_service_name_or_id()
    {
        var name = $"campus {Tag()}";
        var serviceId = await app.ServiceAsync(name);
        var t = Tag();
        var csv = $"code,name,type,service,site,building,floor,area\r\nC-{t}-1,Reader 1,card_reader,{name},North,\"Library, east\",2F,Gate\r\nC-{t}-2,Door 2,door,{serviceId},,,,\r\n";
        var response = await ImportAsync(csv);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.JsonAsync()).GetProperty("created").GetInt32());
        var list = await (await viewer.GetAsync($"/api/v1/devices?serviceId={serviceId}")).JsonAsync();
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal("Library, east", list[0].GetProperty("building").GetString());

        // The same file again updates rather than duplicating.
        Assert.Equal(2, (await (await ImportAsync(csv)).JsonAsync()).GetProperty("updated").GetInt32());
    }

    [Fact]
    public async Task A_csv_file_with_bad_rows_imports_nothing_and_names_every_bad_line_and_field()
    {
        var name = $"kiosks {Tag()}";
        var serviceId = await app.ServiceAsync(name);
        var t = Tag();
        var csv = $"""
            code,name,type,service
            G-{t}-1,Good,kiosk,{name}
            G-{t}-2,,kiosk,{name}
            G-{t}-3,Bad type,toaster,{name}
            G-{t}-4,Bad service,kiosk,nowhere
            G-{t}-1,Twice,kiosk,{name}
            """;
        var response = await ImportAsync(csv);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("line3.name", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("line4.type", out _), errors.ToString());
        Assert.Contains("nowhere", errors.GetProperty("line5.service")[0].GetString());
        Assert.Contains("line 2", errors.GetProperty("line6.code")[0].GetString());
        Assert.False(errors.TryGetProperty("line2.code", out _));
        Assert.Equal(0, (await (await viewer.GetAsync($"/api/v1/devices?serviceId={serviceId}")).JsonAsync()).GetArrayLength());

        var noHeader = await ImportAsync("G-1,x,kiosk,y\n");
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
        Assert.True((await noHeader.JsonAsync()).GetProperty("errors").TryGetProperty("header", out _));
    }

    [Fact]
    public async Task The_qr_codes_are_a_png_and_an_svg()
    {
        var serviceId = await app.ServiceAsync($"qr {Tag()}");
        var device = await (await manager.PostJsonAsync("/api/v1/devices", new { code = $"Q-{Tag()}", name = "Kiosk", type = "kiosk", serviceId })).JsonAsync();
        var id = device.GetProperty("id").GetString();
        var png = await viewer.GetAsync($"/api/v1/devices/{id}/qr.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        var svg = await viewer.GetAsync($"/api/v1/devices/{id}/qr.svg");
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/api/v1/devices/nope/qr.png")).StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [Fact]
    public async Task The_pages_list_devices_show_the_qr_import_a_csv_upload_and_print_a_label_sheet()
    {
        var name = $"pages {Tag()}";
        var serviceId = await app.ServiceAsync(name);
        var t = Tag();
        var page = app.Client(Role.Manager);
        var list = await page.GetStringAsync("/devices");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("device-import"), "_handler" },
            { new StringContent(Token().Match(list).Groups[1].Value), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes($"code,name,type,service,building\nP-{t}-1,Gate reader,card_reader,{name},Library\nP-{t}-2,Bad,toaster,{name},\n"));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        form.Add(file, "File", "devices.csv");
        var failed = await (await page.PostAsync("/devices", form)).Content.ReadAsStringAsync();
        Assert.Contains("Nothing was imported", failed);
        Assert.Contains("line 3: there is no device type &#x27;toaster&#x27;", failed);

        using var good = new MultipartFormDataContent
        {
            { new StringContent("device-import"), "_handler" },
            { new StringContent(Token().Match(list).Groups[1].Value), "__RequestVerificationToken" },
        };
        var goodFile = new ByteArrayContent(Encoding.UTF8.GetBytes($"code,name,type,service,building\nP-{t}-1,Gate reader,card_reader,{name},Library\n"));
        good.Add(goodFile, "File", "devices.csv");
        var done = await (await page.PostAsync("/devices", good)).Content.ReadAsStringAsync();
        Assert.Contains("Imported: 1 new devices, 0 updated.", done);
        Assert.Contains($"P-{t}-1", done);

        var device = (await (await viewer.GetAsync($"/api/v1/devices?serviceId={serviceId}")).JsonAsync())[0];
        var detail = await app.Client(Role.Viewer).GetStringAsync($"/devices/{device.GetProperty("id").GetString()}");
        Assert.Contains("<svg", detail);
        Assert.Contains(device.GetProperty("reportUrl").GetString()!, detail);
        Assert.DoesNotContain("device-edit", detail);

        var labels = await app.Client(Role.Viewer).GetStringAsync($"/devices/labels?serviceId={serviceId}");
        Assert.Contains("labels", labels);
        Assert.Single(Regex.Matches(labels, "<div class=\"label\">"));
        Assert.Contains("Gate reader", labels);
        Assert.Contains("<svg", labels);
        Assert.Contains("css/labels", labels);
    }
}
