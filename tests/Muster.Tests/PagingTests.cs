using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>A Muster whose email goes to a real SMTP server (Debian's aiosmtpd).</summary>
public sealed class PagingApp : IAsyncLifetime
{
    public SmtpServer Smtp { get; } = new();
    public MusterFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        App = new MusterFactory
        {
            Configure = b =>
            {
                b.UseSetting("Muster:Smtp:Host", "127.0.0.1");
                b.UseSetting("Muster:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                b.UseSetting("Muster:Smtp:From", "duty@muster.test");
                b.UseSetting("Muster:PublicUrl", "http://muster.test");
            },
        };
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>From an alert to an email in a person's language, acknowledged from the message, with the escalation stopped.</summary>
public sealed partial class PagingTests(PagingApp fixture) : IClassFixture<PagingApp>
{
    private MusterFactory App => fixture.App;

    private async Task<string> PersonAsync(string name, string language, params (string Type, string Address)[] methods)
    {
        var id = await App.WithDb(async db =>
        {
            var person = new Person { Email = $"{Guid.NewGuid():N}@muster.test", DisplayName = name, Role = "responder", Language = language, CreatedAt = App.Time.UtcNow };
            db.People.Add(person);
            await db.SaveChangesAsync();
            return person.Id;
        });
        var manager = App.Client(Role.Manager);
        foreach (var (type, address) in methods)
            Assert.Equal(HttpStatusCode.Created, (await manager.PostJsonAsync($"/api/v1/people/{id}/contact-methods", new { type, address })).StatusCode);
        return id;
    }

    /// <summary>A service whose policy pages a schedule with <paramref name="onCall"/> at every hour, then <paramref name="next"/> after 5 minutes.</summary>
    private async Task<(string ServiceId, string RoutingKey)> ServiceAsync(string onCall, string next, int? reescalateAfterMinutes = null)
    {
        var serviceId = await App.ServiceAsync($"paging {Guid.NewGuid():N}");
        await App.WithDb(async db =>
        {
            var schedule = new Schedule
            {
                Name = "Duty phone",
                Definition = JsonSerializer.Serialize(new
                {
                    timeZone = "Asia/Shanghai",
                    layers = new[] { new { name = "Day and night", start = "2026-01-01T09:00:00", rotationUnit = "days", rotationLength = 1, members = new[] { onCall } } },
                }),
                CreatedAt = App.Time.UtcNow,
                UpdatedAt = App.Time.UtcNow,
            };
            db.Schedules.Add(schedule);
            var policy = new EscalationPolicy
            {
                Name = "Duty, then the manager",
                Definition = JsonSerializer.Serialize(new
                {
                    steps = new object[]
                    {
                        new { delayMinutes = 5, targets = new[] { new { type = "schedule", id = schedule.Id } } },
                        new { delayMinutes = 10, targets = new[] { new { type = "person", id = next } } },
                    },
                    reescalateAfterMinutes,
                }),
                CreatedAt = App.Time.UtcNow,
                UpdatedAt = App.Time.UtcNow,
            };
            db.EscalationPolicies.Add(policy);
            (await db.Services.FirstAsync(s => s.Id == serviceId)).EscalationPolicyId = policy.Id;
            await db.SaveChangesAsync();
            return 0;
        });
        var integration = await (await App.Client(Role.Manager).PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "monitor" })).JsonAsync();
        return (serviceId, integration.GetProperty("secret").GetString()!);
    }

    private async Task<string> TriggerAsync(string routingKey, string summary)
    {
        var response = await App.Client(null).PostJsonAsync("/v2/enqueue", new
        {
            routing_key = routingKey,
            event_action = "trigger",
            dedup_key = Guid.NewGuid().ToString("N"),
            payload = new { summary, source = "pay-gw-01", severity = "critical" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await App.CorrelateAsync();
        var alert = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/alerts?dedupKey={(await response.JsonAsync()).GetProperty("dedup_key").GetString()}")).JsonAsync());
        return alert.GetProperty("items")[0].GetProperty("incidentId").GetString()!;
    }

    /// <summary>
    /// Runs what is due until nothing is, a few seconds at a time: the class shares one Muster, so
    /// other tests' work falls due too, and items that collided on an incident retry after a backoff.
    /// </summary>
    private async Task DrainAsync()
    {
        for (var i = 0; i < 20 && await App.RunDueWorkAsync() + await App.RunDueWorkAsync() > 0; i++)
            App.Time.Advance(TimeSpan.FromSeconds(5));
    }

    private async Task<List<JsonElement>> LogAsync(string incidentId) =>
        (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/notifications")).JsonAsync()).EnumerateArray().ToList();

    [GeneratedRegex(@"http://muster\.test/a/([A-Za-z0-9._-]+)")]
    private static partial Regex Link();

    [Fact]
    public async Task An_alert_emails_the_person_on_call_whose_link_shows_a_button_and_acknowledges_only_on_post()
    {
        var mail = $"wang.{Guid.NewGuid():N}@example.com";
        var wang = await PersonAsync("Wang Fang", "zh-CN", ("email", mail));
        var li = await PersonAsync("Li Lei", "en", ("email", $"li.{Guid.NewGuid():N}@example.com"));
        var (_, key) = await ServiceAsync(wang, li);

        var incidentId = await TriggerAsync(key, "Payment success rate below 90%");
        await App.RunDueWorkAsync(); // the escalation's first step
        await App.RunDueWorkAsync(); // its messages

        var message = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal));
        Assert.Contains("Payment success rate below 90%", message.Subject);
        var body = message.TextBody ?? "";
        Assert.Contains("请于", body); // in Wang's language: acknowledge by a time
        var links = Link().Matches(body).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(2, links.Count);
        var ack = Assert.Single(links, l => l.Contains(".ack.", StringComparison.Ordinal));

        var log = await LogAsync(incidentId);
        var sent = Assert.Single(log, n => n.GetProperty("personId").GetString() == wang);
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal(1, sent.GetProperty("step").GetInt32());
        var timeline = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync();
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "paged" && e.GetProperty("to").GetString() == "Wang Fang");

        var incidentPage = await App.Client(Role.Viewer).GetStringAsync($"/incidents/{incidentId}");
        Assert.Contains("Messages sent", incidentPage);
        Assert.Contains("Wang Fang", incidentPage);

        // Opening the link (a chat preview, a mail scanner) acknowledges nothing.
        var phone = App.Client(null);
        var page = await phone.GetAsync($"/a/{ack}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\">", html);
        Assert.Contains("确认", html);
        var incident = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync();
        Assert.Equal("triggered", incident.GetProperty("status").GetString());

        // The button: a POST with no other field.
        var posted = await phone.PostAsync($"/a/{ack}", null);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("已确认", await posted.Content.ReadAsStringAsync());
        incident = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync();
        Assert.Equal("acknowledged", incident.GetProperty("status").GetString());

        // The escalation stopped: five minutes on, the second step pages nobody.
        App.Time.Advance(TimeSpan.FromMinutes(6));
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        Assert.DoesNotContain(await LogAsync(incidentId), n => n.GetProperty("personId").GetString() == li);
        Assert.False(await App.WithDb(db => db.WorkItems.AnyAsync(w => w.Key == $"escalate:{incidentId}")));

        // A forged or tampered token is refused.
        Assert.Equal(HttpStatusCode.NotFound, (await phone.GetAsync($"/a/{ack[..^2]}xx")).StatusCode);
    }

    [Fact]
    public async Task A_step_that_needs_everyone_stays_triggered_and_escalates_until_the_last_person_it_paged_acknowledges()
    {
        var wangMail = $"wang.{Guid.NewGuid():N}@example.com";
        var liMail = $"li.{Guid.NewGuid():N}@example.com";
        var wang = await PersonAsync("Wang Fang", "en", ("email", wangMail));
        var li = await PersonAsync("Li Lei", "en", ("email", liMail));
        var zhou = await PersonAsync("Zhou Qiang", "en", ("email", $"zhou.{Guid.NewGuid():N}@example.com"));
        var serviceId = await App.ServiceAsync($"two on shift {Guid.NewGuid():N}");
        await App.WithDb(async db =>
        {
            var policy = new EscalationPolicy
            {
                Name = "Both on shift, then the manager",
                Definition = JsonSerializer.Serialize(new
                {
                    steps = new object[]
                    {
                        new { delayMinutes = 5, requireAll = true, targets = new[] { new { type = "person", id = wang }, new { type = "person", id = li } } },
                        new { delayMinutes = 10, requireAll = false, targets = new[] { new { type = "person", id = zhou } } },
                    },
                }),
                CreatedAt = App.Time.UtcNow,
                UpdatedAt = App.Time.UtcNow,
            };
            db.EscalationPolicies.Add(policy);
            (await db.Services.FirstAsync(s => s.Id == serviceId)).EscalationPolicyId = policy.Id;
            return await db.SaveChangesAsync();
        });
        var integration = await (await App.Client(Role.Manager).PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "monitor" })).JsonAsync();

        var incidentId = await TriggerAsync(integration.GetProperty("secret").GetString()!, "Sorting line 3 stopped");
        await DrainAsync();
        string AckLink(string body) => Assert.Single(Link().Matches(body).Select(m => m.Groups[1].Value).Distinct(), l => l.Contains(".ack.", StringComparison.Ordinal));
        var wangAck = AckLink((await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(wangMail, StringComparison.Ordinal))).TextBody ?? "");
        var liAck = AckLink((await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(liMail, StringComparison.Ordinal))).TextBody ?? "");
        var phone = App.Client(null);
        async Task<string> StatusAsync() => (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync()).GetProperty("status").GetString()!;
        async Task<List<JsonElement>> PartlyAsync() => (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync())
            .EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "acknowledged_partly").ToList();

        // Wang answers: recorded, but Li has not, so the incident is still triggered.
        var answer = await (await phone.PostAsync($"/a/{wangAck}", null)).Content.ReadAsStringAsync();
        Assert.Contains("still waiting for: Li Lei", answer);
        Assert.Equal("triggered", await StatusAsync());
        var partly = Assert.Single(await PartlyAsync());
        Assert.Equal(("Wang Fang", "1", "2"), (partly.GetProperty("actor").GetString(), partly.GetProperty("from").GetString(), partly.GetProperty("to").GetString()));

        // Pressing the button twice counts once.
        await phone.PostAsync($"/a/{wangAck}", null);
        Assert.Single(await PartlyAsync());

        // Nobody else answers within the step's five minutes: the escalation moves on to the manager.
        App.Time.Advance(TimeSpan.FromMinutes(6));
        await DrainAsync();
        Assert.Contains(await LogAsync(incidentId), n => n.GetProperty("personId").GetString() == zhou && n.GetProperty("step").GetInt32() == 2);

        // Li answers last: now it is acknowledged, and the escalation has stopped.
        await phone.PostAsync($"/a/{liAck}", null);
        Assert.Equal("acknowledged", await StatusAsync());
        Assert.False(await App.WithDb(db => db.WorkItems.AnyAsync(w => w.Key == $"escalate:{incidentId}")));
    }

    [Fact]
    public async Task Without_acknowledgement_the_next_step_pages_and_a_person_nobody_can_reach_moves_it_on_at_once()
    {
        // Zhao can only be reached on Feishu and no Feishu robot is set up: every message to Zhao fails.
        var zhao = await PersonAsync("Zhao Min", "en", ("feishu", "ou_7d8a6e6df7621556ce0d21922b676706"));
        var chenMail = $"chen.{Guid.NewGuid():N}@example.com";
        var chen = await PersonAsync("Chen Jie", "en", ("email", chenMail));
        var (_, key) = await ServiceAsync(zhao, chen);

        var incidentId = await TriggerAsync(key, "Card readers offline in building A");
        for (var i = 0; i < 4; i++)
            await App.RunDueWorkAsync();

        var log = await LogAsync(incidentId);
        var failed = Assert.Single(log, n => n.GetProperty("personId").GetString() == zhao);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("no enabled channel carries feishu", failed.GetProperty("detail").GetString());
        // Not reached: the second step did not wait its five minutes.
        Assert.Contains(log, n => n.GetProperty("personId").GetString() == chen && n.GetProperty("status").GetString() == "sent" && n.GetProperty("step").GetInt32() == 2);
        var message = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(chenMail, StringComparison.Ordinal));
        Assert.Contains("Acknowledge by", message.TextBody);
        var timeline = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync()).EnumerateArray().ToList();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "not_reached" && e.GetProperty("to").GetString() == "Zhao Min");
    }

    [Fact]
    public async Task A_test_message_reaches_the_address_and_bad_contact_methods_name_the_field()
    {
        var mail = $"test.{Guid.NewGuid():N}@example.com";
        var person = await PersonAsync("Sun Li", "en", ("email", mail));
        var manager = App.Client(Role.Manager);
        var method = (await (await manager.GetAsync($"/api/v1/people/{person}/contact-methods")).JsonAsync())[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Accepted, (await manager.PostAsync($"/api/v1/contact-methods/{method}/test", null)).StatusCode);
        await App.RunDueWorkAsync();
        var message = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal));
        Assert.Equal("Muster test message", message.Subject);

        var bad = await manager.PostJsonAsync($"/api/v1/people/{person}/contact-methods", new { type = "pager", address = "" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("type", out _));
        Assert.True(errors.TryGetProperty("address", out _));
        var phone = await manager.PostJsonAsync($"/api/v1/people/{person}/contact-methods", new { type = "sms", address = "call me" });
        Assert.Contains("mobile number", (await phone.JsonAsync()).GetProperty("errors").GetProperty("address")[0].GetString());
        // Someone else's contact methods are not a responder's business.
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(Role.Responder).GetAsync($"/api/v1/people/{person}/contact-methods")).StatusCode);
    }

    [Fact]
    public async Task A_channel_needs_its_vendor_settings_and_never_shows_its_secret_back()
    {
        var admin = App.Client(Role.Admin);
        var missing = await admin.PostJsonAsync("/api/v1/channels", new { type = "dingtalk", name = "Duty group", settings = new { secret = "SEC123" } });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("accessToken", (await missing.JsonAsync()).GetProperty("errors").GetProperty("settings")[0].GetString());
        var unknown = await admin.PostJsonAsync("/api/v1/channels", new { type = "pigeon", name = "x", settings = new { } });
        Assert.True((await unknown.JsonAsync()).GetProperty("errors").TryGetProperty("type", out _));

        var created = await admin.PostJsonAsync("/api/v1/channels", new { type = "dingtalk", name = "Duty group", settings = new { accessToken = "tok", secret = "SEC-very-secret" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var list = await admin.GetStringAsync("/api/v1/channels");
        Assert.Contains("Duty group", list);
        Assert.DoesNotContain("SEC-very-secret", list);
        Assert.DoesNotContain("SEC-very-secret", await admin.GetStringAsync("/admin/channels"));
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(Role.Manager).PostJsonAsync("/api/v1/channels", new { type = "wecom", name = "x", settings = new { key = "k" } })).StatusCode);
    }

    [Fact]
    public async Task The_demo_pages_someone_by_email_at_once_on_every_demo_service_and_its_schedules_have_no_gaps()
    {
        var integrations = await App.WithDb(async db => (await Features.Demo.DemoData.LoadWithIntegrationsAsync(db, App.Time.UtcNow)).Integrations);
        Assert.Equal(5, integrations.Count);
        var gaps = await App.WithDb(async db =>
        {
            var schedules = await db.Schedules.Where(s => s.Name.EndsWith(" 值班")).ToListAsync();
            var found = new List<string>();
            foreach (var schedule in schedules)
                if ((await Features.OnCall.OnCallLookup.ResolveAsync(db, schedule, App.Time.UtcNow, App.Time.UtcNow.AddDays(14))).Any(seg => seg.People.Count == 0))
                    found.Add(schedule.Name);
            return (schedules.Count, found);
        });
        Assert.Equal(5, gaps.Count);
        Assert.Empty(gaps.found);

        foreach (var (service, integration) in integrations)
        {
            var incidentId = await TriggerAsync(integration.Secret, $"Demo check on {service}");
            await App.RunDueWorkAsync();
            await App.RunDueWorkAsync();
            var sent = (await LogAsync(incidentId)).Where(n => n.GetProperty("status").GetString() == "sent").ToList();
            Assert.NotEmpty(sent);
            Assert.All(sent, n => Assert.Equal("email", n.GetProperty("type").GetString()));
            await fixture.Smtp.SingleMessageAsync(m => (m.Subject ?? "").Contains($"Demo check on {service}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_plans_matrix_tells_the_managers_at_level_1_by_email_even_after_an_acknowledgement_and_refuses_bad_rows()
    {
        var admin = App.Client(Role.Admin);
        var managerMail = $"boss.{Guid.NewGuid():N}@example.com";
        var boss = await App.WithDb(async db =>
        {
            var person = new Person { Email = managerMail, DisplayName = "Boss", Role = "manager", Language = "en", CreatedAt = App.Time.UtcNow };
            db.People.Add(person);
            db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "email", Address = managerMail, CreatedAt = App.Time.UtcNow });
            await db.SaveChangesAsync();
            return person.Id;
        });
        var plan = Features.Plans.PlanEndpoints.Builtin("default") with
        {
            Key = "matrix-" + Guid.NewGuid().ToString("N")[..6],
            Notify = new Dictionary<string, IReadOnlyList<Domain.Plans.NotifyEntry>>
            {
                ["L1"] = [new() { Audience = "managers", Channels = ["email"], WithinMinutes = 30 }],
            },
        };
        string Json(object p) => JsonSerializer.Serialize(p, Infrastructure.PlanCatalog.Json);
        var bad = plan with { Notify = new Dictionary<string, IReadOnlyList<Domain.Plans.NotifyEntry>> { ["L9"] = [new() { Audience = "aliens", Channels = ["pigeon"] }] } };
        var refused = await admin.PostAsync("/api/v1/plans", new StringContent(Json(bad), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("notify.L9", out _));
        Assert.True(errors.TryGetProperty("notify.L9[0].audience", out _));
        Assert.True(errors.TryGetProperty("notify.L9[0].channels", out _));

        var created = await admin.PostAsync("/api/v1/plans", new StringContent(Json(plan), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var planId = (await created.JsonAsync()).GetProperty("planId").GetString();
        var service = (await (await admin.PostJsonAsync("/api/v1/services", new { name = "matrix " + Guid.NewGuid(), planId })).JsonAsync()).GetProperty("id").GetString();

        // Declared at level 2 (no page: the service has no policy), then raised to level 1 by its facts.
        var declared = await (await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Card payments failing", serviceId = service, impact = new { affectedUsers = 5_000 } })).JsonAsync();
        var id = declared.GetProperty("id").GetString()!;
        Assert.Equal("L2", declared.GetProperty("severity").GetProperty("level").GetString());
        await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{id}/acknowledge", null);
        await App.RunDueWorkAsync();
        Assert.Empty(await LogAsync(id));

        await App.Client(Role.Responder).PatchAsync($"/api/v1/incidents/{id}/impact", System.Net.Http.Json.JsonContent.Create(new { affectedUsers = 20_000 }));
        await App.RunDueWorkAsync();
        var told = Assert.Single(await LogAsync(id));
        Assert.Equal(boss, told.GetProperty("personId").GetString());
        Assert.Equal("matrix", told.GetProperty("kind").GetString());
        Assert.Equal("sent", told.GetProperty("status").GetString());
        await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(managerMail, StringComparison.Ordinal));
        var timeline = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "informed" && e.GetProperty("from").GetString() == "L1");
    }

    [Fact]
    public async Task An_sms_reply_of_1_acknowledges_the_paged_incident_and_tuiding_stops_sms_to_the_number()
    {
        var admin = App.Client(Role.Admin);
        var channel = await (await admin.PostJsonAsync("/api/v1/channels", new
        {
            type = "http-sms",
            name = "Gateway " + Guid.NewGuid().ToString("N")[..6],
            settings = new { url = "http://127.0.0.1:9/send", body = "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\"}" },
        })).JsonAsync();
        var channelId = channel.GetProperty("id").GetString()!;
        var replyUrl = await App.WithDb(db => Features.Notifications.SmsReplies.TokenAsync(db, channelId));
        var number = "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var person = await PersonAsync("Qian Hao", "zh-CN", ("sms", number));
        var serviceId = await App.ServiceAsync($"sms {Guid.NewGuid():N}");
        var incident = await (await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Hotline down", serviceId })).JsonAsync();
        var incidentId = incident.GetProperty("id").GetString()!;
        // As if the page had gone out by SMS to Qian Hao.
        await App.WithDb(async db =>
        {
            var method = await db.ContactMethods.FirstAsync(m => m.PersonId == person);
            db.Notifications.Add(new Notification
            {
                IncidentId = incidentId,
                PersonId = person,
                ContactMethodId = method.Id,
                Type = "sms",
                Kind = "page",
                Status = "sent",
                CreatedAt = App.Time.UtcNow,
                DueAt = App.Time.UtcNow,
                SentAt = App.Time.UtcNow
            });
            await db.SaveChangesAsync();
            return 0;
        });

        var gateway = App.Client(null);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.PostJsonAsync($"/hooks/sms-reply/{channelId}.0000", new { phone = number, text = "1" })).StatusCode);
        // Aliyun's SmsUp shape, with the country code.
        var ack = await gateway.PostJsonAsync($"/hooks/sms-reply/{replyUrl}", new[] { new { phone_number = "86" + number, content = "1", sign_name = "Muster" } });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var after = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync();
        Assert.Equal("acknowledged", after.GetProperty("status").GetString());

        // Twilio's form shape: 退订 stops SMS and voice to the number.
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["From"] = "+86" + number, ["Body"] = "退订" });
        var stop = await gateway.PostAsync($"/hooks/sms-reply/{replyUrl}", form);
        Assert.Equal("<Response></Response>", await stop.Content.ReadAsStringAsync());
        var methods = await (await App.Client(Role.Manager).GetAsync($"/api/v1/people/{person}/contact-methods")).JsonAsync();
        Assert.NotEqual(JsonValueKind.Null, methods[0].GetProperty("stoppedAt").ValueKind);
        Assert.Contains("退订", methods[0].GetProperty("stoppedReason").GetString());
    }

    [Fact]
    public async Task An_acknowledged_incident_nobody_touches_pages_the_first_step_again_but_a_note_puts_that_off()
    {
        var mail = $"he.{Guid.NewGuid():N}@example.com";
        var he = await PersonAsync("He Ping", "en", ("email", mail));
        var other = await PersonAsync("Ma Lin", "en");
        var (_, key) = await ServiceAsync(he, other, reescalateAfterMinutes: 20);
        var incidentId = await TriggerAsync(key, "Sorting line 3 stopped");
        await App.RunDueWorkAsync();
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null)).StatusCode);

        // A note at minute 15 is someone working on it: the next look is 20 minutes after that.
        App.Time.Advance(TimeSpan.FromMinutes(15));
        await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = "Belt motor replaced, testing" });
        App.Time.Advance(TimeSpan.FromMinutes(6));
        await DrainAsync();
        Assert.DoesNotContain(await LogAsync(incidentId), n => n.GetProperty("kind").GetString() == "reescalation");

        // Twenty quiet minutes after the note: page the first step again.
        App.Time.Advance(TimeSpan.FromMinutes(15));
        await DrainAsync();
        var again = Assert.Single(await LogAsync(incidentId), n => n.GetProperty("kind").GetString() == "reescalation");
        Assert.Equal(he, again.GetProperty("personId").GetString());
        Assert.Equal("sent", again.GetProperty("status").GetString());
        await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal) && (m.Subject ?? "").Contains("[Still open]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_manager_sees_a_persons_contact_methods_and_a_responder_does_not()
    {
        var person = await PersonAsync("Gao Yan", "en", ("email", $"gao.{Guid.NewGuid():N}@example.com"), ("sms", "13987654321"));
        var page = await App.Client(Role.Manager).GetStringAsync($"/people/{person}/notifications");
        Assert.Contains("Notifications of Gao Yan", page);
        Assert.Contains("13987654321", page);
        var denied = await App.Client(Role.Responder).GetStringAsync($"/people/{person}/notifications");
        Assert.Contains("Only managers can see or change", denied);
        Assert.DoesNotContain("13987654321", denied);
    }
}
