using System.Net;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.People;
using Muster.Features.Plans;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>What comes in moves an incident's facts; maintenance can hold one device.</summary>
public sealed class CountedImpactTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient manager = app.Client(Role.Manager);
    private readonly HttpClient responder = app.Client(Role.Responder);

    private async Task<string> KioskServiceAsync()
    {
        await app.WithDb(async db =>
        {
            if (!await db.Plans.AnyAsync(p => p.Key == "kiosk"))
                await PlanEndpoints.SaveAsync(db, PlanEndpoints.Builtin("kiosk"), null, app.Time.UtcNow);
            return 0;
        });
        return await app.ServiceAsync($"kiosks {Guid.NewGuid():N}", "kiosk");
    }

    private async Task<string> DeviceAsync(string serviceId, string code) =>
        (await (await manager.PostJsonAsync("/api/v1/devices", new { code, name = "Kiosk", type = "kiosk", serviceId })).JsonAsync()).GetProperty("id").GetString()!;

    private async Task<HttpResponseMessage> ReportAsync(string deviceId, string symptom) =>
        await responder.PostJsonAsync("/api/v1/reports", new { channel = "phone", deviceId, symptom });

    [Fact]
    public async Task The_same_symptom_on_three_kiosks_is_one_incident_counting_three_devices_and_the_plan_raises_it()
    {
        var serviceId = await KioskServiceAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var devices = new[] { await DeviceAsync(serviceId, $"K1-{tag}"), await DeviceAsync(serviceId, $"K2-{tag}"), await DeviceAsync(serviceId, $"K3-{tag}") };

        Assert.Equal(HttpStatusCode.Created, (await ReportAsync(devices[0], "Card payment fails")).StatusCode);
        await app.CorrelateAsync();
        var incidents = (await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync()).GetProperty("items");
        var id = incidents.EnumerateArray().Single().GetProperty("id").GetString();
        var first = await (await manager.GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        // A report is a warning: the kiosk plan's least severe level until more comes in.
        Assert.Equal("C", first.GetProperty("severity").GetProperty("level").GetString());
        Assert.Equal(1, first.GetProperty("impact").GetProperty("devicesAffected").GetInt32());

        app.Time.Advance(TimeSpan.FromMinutes(2));
        await ReportAsync(devices[1], "card payment fails ");
        await ReportAsync(devices[2], "Card payment fails");
        // A second report on a device already counted adds a report, not a device.
        await ReportAsync(devices[0], "Screen frozen");
        await app.CorrelateAsync();

        Assert.Single((await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync()).GetProperty("items").EnumerateArray());
        var raised = await (await manager.GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        var impact = raised.GetProperty("impact");
        Assert.Equal(4, impact.GetProperty("reportsReceived").GetInt32());
        Assert.Equal(3, impact.GetProperty("devicesAffected").GetInt32());
        // Four reports this hour and none in the same hour of the last 28 days: the normal counts as one, so +300%.
        Assert.Equal(300, impact.GetProperty("complaintGrowthPercent").GetDouble());
        Assert.Equal("B", raised.GetProperty("severity").GetProperty("level").GetString());
        var timeline = (await (await manager.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("impact_counted", timeline);
        Assert.Contains("severity_raised", timeline);

        // A person editing the facts does not wipe what Muster counted.
        var edited = await responder.PatchAsync($"/api/v1/incidents/{id}/impact", System.Net.Http.Json.JsonContent.Create(new { affectedUsers = 40, reportsReceived = 0 }));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var after = (await (await manager.GetAsync($"/api/v1/incidents/{id}")).JsonAsync()).GetProperty("impact");
        Assert.Equal(40, after.GetProperty("affectedUsers").GetInt32());
        Assert.Equal(4, after.GetProperty("reportsReceived").GetInt32());
        Assert.Equal(3, after.GetProperty("devicesAffected").GetInt32());

        var page = await manager.GetStringAsync($"/incidents/{id}");
        Assert.Contains("Devices affected", page);
    }

    [Fact]
    public async Task A_window_on_one_device_holds_its_reports_and_alerts_but_not_its_neighbours()
    {
        var serviceId = await KioskServiceAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var held = await DeviceAsync(serviceId, $"H-{tag}");
        var neighbour = await DeviceAsync(serviceId, $"N-{tag}");
        var window = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/maintenance",
            new { endsAt = app.Time.UtcNow.AddHours(1), reason = "replacing the card reader", deviceId = held });
        Assert.Equal(HttpStatusCode.Created, window.StatusCode);
        Assert.Equal($"H-{tag}", (await window.JsonAsync()).GetProperty("deviceCode").GetString());

        var events = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "agent" });
        var key = (await events.JsonAsync()).GetProperty("secret").GetString();
        await app.Client(null).PostJsonAsync("/v2/enqueue", new
        {
            routing_key = key,
            event_action = "trigger",
            dedup_key = $"agent-{tag}",
            payload = new { summary = "Kiosk agent offline", source = $"H-{tag}", severity = "critical" },
        });
        await ReportAsync(held, "Reader beeping");
        await ReportAsync(neighbour, "Touch screen dead");
        await app.CorrelateAsync();

        var agent = (await (await manager.GetAsync($"/api/v1/alerts?dedupKey=agent-{tag}")).JsonAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("suppressed", agent.GetProperty("status").GetString());
        var heldReport = (await (await manager.GetAsync($"/api/v1/alerts?dedupKey=device:{held}")).JsonAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("suppressed", heldReport.GetProperty("status").GetString());
        var incidents = (await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains("Touch screen dead", Assert.Single(incidents).GetProperty("title").GetString());

        var listed = await (await manager.GetAsync($"/api/v1/devices/{held}/maintenance")).JsonAsync();
        Assert.Equal("replacing the card reader", Assert.Single(listed.EnumerateArray()).GetProperty("reason").GetString());
        Assert.Empty((await (await manager.GetAsync($"/api/v1/devices/{neighbour}/maintenance")).JsonAsync()).EnumerateArray());
        Assert.Contains("replacing the card reader", await manager.GetStringAsync($"/devices/{held}"));
    }

    [Fact]
    public async Task A_window_for_a_device_of_another_service_names_the_field()
    {
        var serviceId = await KioskServiceAsync();
        var other = await KioskServiceAsync();
        var device = await DeviceAsync(other, $"O-{Guid.NewGuid():N}"[..12]);
        var response = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/maintenance", new { endsAt = app.Time.UtcNow.AddHours(1), reason = "x", deviceId = device });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("deviceId", (await response.JsonAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }
}
