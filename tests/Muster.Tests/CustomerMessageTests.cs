using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Features.Notifications;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>A Muster with a stand-in SMS gateway and a stand-in group robot (a webhook channel).</summary>
public sealed class CustomerApp : IAsyncLifetime
{
    public StandIn Sms { get; } = new();
    public StandIn Robot { get; } = new();
    public MusterFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Sms.InitializeAsync();
        await Robot.InitializeAsync();
        Sms.Vendor = _ => Answer.Json("{\"ok\":true}");
        Robot.Vendor = _ => Answer.Json("{}");
        App = new MusterFactory
        {
            Configure = b =>
            {
                b.UseSetting("Muster:PublicUrl", "http://muster.test");
                b.UseSetting("Muster:Status:CheckSeconds", "0");
                b.UseSetting("Muster:Status:MinRebuildSeconds", "0");
            },
        };
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Robot.DisposeAsync();
        await Sms.DisposeAsync();
    }
}

/// <summary>Customer messages from the incident room really go out: SMS to reporters (less 退订), announcements to the status page and the plan's robots; drills only when allowed.</summary>
public sealed class CustomerMessageTests(CustomerApp fixture) : IClassFixture<CustomerApp>
{
    private MusterFactory App => fixture.App;

    private static string Phone() => "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> SmsChannelAsync()
    {
        var existing = await App.WithDb(db => db.NotificationChannels.Where(c => c.Type == "http-sms").Select(c => c.Id).FirstOrDefaultAsync());
        if (existing is not null)
            return existing;
        var created = await App.Client(Role.Admin).PostJsonAsync("/api/v1/channels", new
        {
            type = "http-sms",
            name = "Gateway",
            settings = new { url = fixture.Sms.Url + "/send", body = "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\"}" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.JsonAsync()).GetProperty("id").GetString()!;
    }

    private Task ReportAsync(string serviceId, string incidentId, string? phone) => App.WithDb(async db =>
    {
        db.Reports.Add(new Report { ServiceId = serviceId, IncidentId = incidentId, Channel = "phone", Symptom = "Card rejected", Phone = phone, ReceivedAt = App.Time.UtcNow });
        await db.SaveChangesAsync();
        return 0;
    });

    private async Task<string> DeclareAsync(string serviceId, string title, int affectedUsers)
    {
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title, serviceId, impact = new { affectedUsers } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task DrainAsync()
    {
        for (var i = 0; i < 10 && await App.RunDueWorkAsync() + await App.RunDueWorkAsync() > 0; i++)
            App.Time.Advance(TimeSpan.FromSeconds(5));
    }

    private async Task<List<JsonElement>> MessagesAsync(string incidentId) =>
        (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/messages")).JsonAsync()).EnumerateArray().ToList();

    [Fact]
    public async Task A_customer_sms_goes_to_each_reachable_reporter_once_but_not_to_numbers_that_replied_td()
    {
        var channelId = await SmsChannelAsync();
        var serviceId = await App.ServiceAsync("sms " + Guid.NewGuid().ToString("N")[..6]);
        var id = await DeclareAsync(serviceId, "Card readers offline", 10);
        var (a, b, stopped) = (Phone(), Phone(), Phone());
        await ReportAsync(serviceId, id, a);
        await ReportAsync(serviceId, id, "+86 " + a); // the same reporter twice
        await ReportAsync(serviceId, id, b);
        await ReportAsync(serviceId, id, stopped);
        await ReportAsync(serviceId, id, null);
        // The third reporter replied 退订 to an earlier message, through the gateway's reply hook.
        var token = await App.WithDb(db => SmsReplies.TokenAsync(db, channelId));
        Assert.Equal(HttpStatusCode.OK, (await App.Client(null).PostJsonAsync($"/hooks/sms-reply/{token}", new { phone = stopped, text = "退订" })).StatusCode);

        var room = await App.Client(Role.Responder).GetStringAsync($"/incidents/{id}");
        Assert.Contains("Goes by SMS to 2 reporter(s)", room);

        var sent = await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{id}/messages", new { kind = "customerSms", text = "Dear customer: card payments are down; pay by app meanwhile." });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var kept = Assert.Single(await MessagesAsync(id));
        Assert.Equal("customerSms", kept.GetProperty("kind").GetString());
        Assert.Contains(SmsReplies.Mask(a), kept.GetProperty("recipients").GetString());
        Assert.Contains(SmsReplies.Mask(b), kept.GetProperty("recipients").GetString());
        Assert.Contains($"not sent to 1 who replied 退订: {SmsReplies.Mask(stopped)}", kept.GetProperty("recipients").GetString());
        Assert.Equal(["queued", "queued"], kept.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()));

        await DrainAsync();
        var texts = fixture.Sms.Requests.Select(r => r.Body).ToList();
        Assert.Single(texts, t => t.Contains(a, StringComparison.Ordinal));
        Assert.Single(texts, t => t.Contains(b, StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains(stopped, StringComparison.Ordinal));
        var toA = texts.Single(t => t.Contains(a, StringComparison.Ordinal));
        Assert.Contains("pay by app meanwhile", toA);
        Assert.Contains("Reply TD to opt out", toA);

        kept = Assert.Single(await MessagesAsync(id));
        Assert.Equal(["sent", "sent"], kept.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Equal(new[] { SmsReplies.Mask(a), SmsReplies.Mask(b) }.Order(), kept.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("to").GetString()!).Order());
        room = await App.Client(Role.Viewer).GetStringAsync($"/incidents/{id}");
        Assert.Contains("data-delivery=\"sent\"", room);
        Assert.Contains(SmsReplies.Mask(a), room);
        Assert.DoesNotContain(a, room);
        var audit = await App.WithDb(db => db.AuditEntries.CountAsync(e => e.EntityId == id && e.Action == "incident.customer_message_sent"));
        Assert.Equal(1, audit);
        var timeline = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync();
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "customer_message");
    }

    [Fact]
    public async Task A_customer_sms_with_nobody_to_reach_is_refused_and_a_drill_sends_only_when_its_scenario_allows()
    {
        await SmsChannelAsync();
        var serviceId = await App.ServiceAsync("drill sms " + Guid.NewGuid().ToString("N")[..6]);
        var responder = App.Client(Role.Responder);
        var quiet = await DeclareAsync(serviceId, "Nobody left a number", 10);
        await ReportAsync(serviceId, quiet, null);
        var nobody = await responder.PostJsonAsync($"/api/v1/incidents/{quiet}/messages", new { kind = "customerSms", text = "Hello" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, nobody.StatusCode);
        Assert.Contains("No reporter", (await nobody.JsonAsync()).GetProperty("detail").GetString());

        async Task<string> RunDrillAsync(bool customerMessages)
        {
            var manager = App.Client(Role.Manager);
            var drill = await (await manager.PostJsonAsync("/api/v1/drills", new { name = "Kiosk down " + customerMessages, serviceId, level = "L3", customerMessages })).JsonAsync();
            var run = await manager.PostAsync($"/api/v1/drills/{drill.GetProperty("id").GetString()}/run", null);
            Assert.Equal(HttpStatusCode.Created, run.StatusCode);
            var incidentId = (await run.JsonAsync()).GetProperty("id").GetString()!;
            await ReportAsync(serviceId, incidentId, Phone());
            return incidentId;
        }

        var forbidden = await RunDrillAsync(customerMessages: false);
        var refused = await responder.PostJsonAsync($"/api/v1/incidents/{forbidden}/messages", new { kind = "customerSms", text = "Drill SMS" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("does not allow customer messages", (await refused.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync($"/api/v1/incidents/{forbidden}/messages", new { kind = "announcement", text = "Drill notice" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync("/api/v1/status/posts", new { incidentId = forbidden, titleEn = "Drill", titleZh = "演练" })).StatusCode);
        Assert.Empty(await MessagesAsync(forbidden));
        Assert.Equal(0, await App.WithDb(db => db.Notifications.CountAsync(n => n.IncidentId == forbidden && n.Kind == "customerSms")));
        Assert.Contains("data-testid=\"drill-no-customer\"", await responder.GetStringAsync($"/incidents/{forbidden}"));

        var allowed = await RunDrillAsync(customerMessages: true);
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{allowed}/messages", new { kind = "customerSms", text = "Drill SMS allowed" })).StatusCode);
        Assert.Equal(1, await App.WithDb(db => db.Notifications.CountAsync(n => n.IncidentId == allowed && n.Kind == "customerSms")));
    }

    [Fact]
    public async Task An_announcement_is_a_status_page_update_and_a_robot_post_and_at_level_one_waits_for_the_approver()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var robotName = "Customers group " + tag;
        var admin = App.Client(Role.Admin);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/channels",
            new { type = "webhook", name = robotName, settings = new { url = $"{fixture.Robot.Url}/{tag}", secret = "robot-secret" } })).StatusCode);
        var builtin = Features.Plans.PlanEndpoints.Builtin("default");
        var plan = builtin with { Key = "announce-" + tag, Communication = new CommunicationRule { Approver = "comms", Channels = [robotName] } };
        var manager = App.Client(Role.Manager);
        var created = await manager.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(plan, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var planId = (await created.JsonAsync()).GetProperty("planId").GetString();
        var serviceId = (await (await manager.PostJsonAsync("/api/v1/services", new { name = "announce " + tag, planId })).JsonAsync()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await manager.PostJsonAsync("/api/v1/status/components",
            new { nameZh = "缴费 " + tag, nameEn = "Payments " + tag, serviceIds = new[] { serviceId } })).StatusCode);
        var responder = App.Client(Role.Responder);

        // A level 3 incident: the announcement is public at once and posted to the plan's robot.
        var minor = await DeclareAsync(serviceId, "Slow receipts", 10);
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{minor}/messages",
            new { kind = "announcement", textZh = "小票打印较慢，正在处理。" + tag, textEn = "Receipts are slow; we are on it. " + tag })).StatusCode);
        var kept = Assert.Single(await MessagesAsync(minor));
        Assert.Equal("published", kept.GetProperty("statusState").GetString());
        Assert.Contains(robotName, kept.GetProperty("recipients").GetString());
        Assert.Contains("Receipts are slow; we are on it. " + tag, await App.Client(null).GetStringAsync("/status?lang=en"));
        Assert.Contains("小票打印较慢", await App.Client(null).GetStringAsync("/status?lang=zh-CN"));
        await DrainAsync();
        var post = Assert.Single(fixture.Robot.Requests, r => r.Path == "/" + tag);
        Assert.Contains("Receipts are slow", post.Body);
        kept = Assert.Single(await MessagesAsync(minor));
        var delivery = Assert.Single(kept.GetProperty("deliveries").EnumerateArray());
        Assert.Equal((robotName, "sent"), (delivery.GetProperty("to").GetString(), delivery.GetProperty("status").GetString()));

        // A level 1 incident: it waits for the approver; the robot hears of it only once approved.
        var major = await DeclareAsync(serviceId, "Payments down", 20_000);
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{major}/messages",
            new { kind = "announcement", text = "Payments are down everywhere. " + tag })).StatusCode);
        kept = Assert.Single(await MessagesAsync(major));
        Assert.Equal("pending", kept.GetProperty("statusState").GetString());
        await DrainAsync();
        Assert.DoesNotContain(fixture.Robot.Requests, r => r.Body.Contains("Payments are down everywhere", StringComparison.Ordinal));
        Assert.DoesNotContain("Payments are down everywhere", await App.Client(null).GetStringAsync("/status?lang=en"));

        Assert.Equal(HttpStatusCode.OK, (await manager.PostAsync($"/api/v1/status/updates/{kept.GetProperty("statusUpdateId").GetString()}/approve", null)).StatusCode);
        await DrainAsync();
        Assert.Single(fixture.Robot.Requests, r => r.Path == "/" + tag && r.Body.Contains("Payments are down everywhere", StringComparison.Ordinal));
        Assert.Contains("Payments are down everywhere. " + tag, await App.Client(null).GetStringAsync("/status?lang=en"));
        kept = Assert.Single(await MessagesAsync(major));
        Assert.Equal("published", kept.GetProperty("statusState").GetString());
        Assert.Equal("sent", Assert.Single(kept.GetProperty("deliveries").EnumerateArray()).GetProperty("status").GetString());
    }
}
