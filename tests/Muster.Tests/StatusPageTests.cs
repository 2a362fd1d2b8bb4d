using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.People;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>A Muster with a real SMTP server, a webhook stand-in, and a status cache that looks at the database on every request.</summary>
public sealed class StatusApp : IAsyncLifetime
{
    public SmtpServer Smtp { get; } = new();
    public StandIn Hook { get; } = new();
    public MusterFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        await Hook.InitializeAsync();
        Hook.Vendor = _ => Answer.Json("{}");
        App = new MusterFactory
        {
            Configure = b =>
            {
                b.UseSetting("Muster:Smtp:Host", "127.0.0.1");
                b.UseSetting("Muster:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                b.UseSetting("Muster:Smtp:From", "status@muster.test");
                b.UseSetting("Muster:PublicUrl", "http://muster.test");
                b.UseSetting("Muster:Status:CheckSeconds", "0");
                b.UseSetting("Muster:Status:MinRebuildSeconds", "0");
            },
        };
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Hook.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed partial class StatusPageTests(StatusApp fixture) : IClassFixture<StatusApp>
{
    private MusterFactory App => fixture.App;

    private async Task<(string ServiceId, string ComponentId)> ComponentAsync(string name)
    {
        var serviceId = await App.ServiceAsync($"{name} {Guid.NewGuid():N}");
        var response = await App.Client(Role.Manager).PostJsonAsync("/api/v1/status/components",
            new { nameZh = name + "（中文）", nameEn = name, descriptionEn = "Paying at the counter", order = 1, serviceIds = new[] { serviceId } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (serviceId, (await response.JsonAsync()).GetProperty("id").GetString()!);
    }

    private async Task<string> IncidentAsync(string serviceId, string title, int affectedUsers = 10)
    {
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title, serviceId, impact = new { affectedUsers } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task<string> PageAsync(string url = "/status?lang=en")
    {
        var response = await App.Client(null).GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static string ComponentState(string html, string componentId) =>
        Regex.Match(html, $"data-component=\"{componentId}\" data-state=\"([a-z_]+)\"").Groups[1].Value;

    [Fact]
    public async Task A_components_state_follows_its_services_open_incidents()
    {
        var (serviceId, componentId) = await ComponentAsync("Counter payments");
        Assert.Equal("operational", ComponentState(await PageAsync(), componentId));

        var minor = await IncidentAsync(serviceId, "Slow receipts");
        Assert.Equal("degraded", ComponentState(await PageAsync(), componentId));
        var major = await IncidentAsync(serviceId, "Counters down", affectedUsers: 20_000);
        var page = await PageAsync();
        Assert.Equal("major_outage", ComponentState(page, componentId));
        Assert.Contains("data-state=\"major_outage\"><h1>", page);

        var responder = App.Client(Role.Responder);
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{major}/resolve", new { })).StatusCode);
        Assert.Equal("degraded", ComponentState(await PageAsync(), componentId));
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{minor}/resolve", new { })).StatusCode);
        Assert.Equal("operational", ComponentState(await PageAsync(), componentId));
    }

    [Fact]
    public async Task A_level_one_update_waits_for_approval_and_only_approved_text_is_public()
    {
        var (serviceId, componentId) = await ComponentAsync("Campus card");
        var incidentId = await IncidentAsync(serviceId, "Card readers offline", affectedUsers: 20_000);
        var responder = App.Client(Role.Responder);
        var created = await responder.PostJsonAsync("/api/v1/status/posts", new { incidentId, titleZh = "一卡通无法使用", titleEn = "Campus cards not accepted" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var post = await created.JsonAsync();
        var postId = post.GetProperty("id").GetString()!;
        Assert.True(post.GetProperty("needsApproval").GetBoolean());
        Assert.Equal([componentId], post.GetProperty("componentIds").EnumerateArray().Select(c => c.GetString()!));
        var first = post.GetProperty("updates")[0];
        Assert.Equal("pending", first.GetProperty("state").GetString());
        // Written from the default plan's statusInvestigating template: the service's name in both languages.
        Assert.Contains("We are investigating a problem with Campus card", first.GetProperty("textEn").GetString());
        Assert.Contains("正在排查", first.GetProperty("textZh").GetString());

        var anonymous = App.Client(null);
        Assert.DoesNotContain("Campus cards not accepted", await PageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/status/incidents/{postId}")).StatusCode);

        var updateId = first.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await responder.PostAsync($"/api/v1/status/updates/{updateId}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Manager).PostAsync($"/api/v1/status/updates/{updateId}/approve", null)).StatusCode);
        var page = await PageAsync();
        Assert.Contains("Campus cards not accepted", page);
        Assert.Contains("We are investigating a problem with Campus card", page);
        Assert.Contains("一卡通无法使用", await PageAsync("/status?lang=zh-CN"));

        // A second draft stays out of sight while pending, then is rejected.
        var second = await (await responder.PostJsonAsync($"/api/v1/status/posts/{postId}/updates", new { status = "identified", textEn = "Draft: a failed switch", textZh = "草稿" })).JsonAsync();
        var pending = second.GetProperty("updates")[0];
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.DoesNotContain("Draft: a failed switch", await PageAsync($"/status/incidents/{postId}?lang=en"));
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Manager).PostAsync($"/api/v1/status/updates/{pending.GetProperty("id").GetString()}/reject", null)).StatusCode);
        Assert.DoesNotContain("Draft: a failed switch", await PageAsync($"/status/incidents/{postId}?lang=en"));

        // The incident's timeline records what the public was told.
        var timeline = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync();
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "status_published");
    }

    private const string Password = "correct horse battery";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    /// <summary>A responder who signs in with a password, as a person (an API key is nobody's).</summary>
    private async Task<(string Id, HttpClient Client)> PersonAsync(string name)
    {
        var email = $"{name.ToLowerInvariant().Replace(' ', '.')}-{Guid.NewGuid():N}@example.com";
        var id = await App.WithDb(async db => (await Muster.Features.People.PeopleEndpoints.CreateAsync(db,
            new Muster.Features.People.PersonRequest(email, name, Role: "responder", Password: Password), null, App.Time.UtcNow)).Id);
        var client = App.Client(null);
        var page = await client.GetStringAsync("/login");
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = Token().Match(page).Groups[1].Value,
            ["Form.Email"] = email,
            ["Form.Password"] = Password,
        }));
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, response.StatusCode.ToString());
        return (id, client);
    }

    [Fact]
    public async Task The_holder_of_the_plans_approver_role_approves_and_a_responder_without_it_is_told_who_may()
    {
        var (serviceId, _) = await ComponentAsync("Hotline");
        var incidentId = await IncidentAsync(serviceId, "Hotline unreachable", affectedUsers: 20_000);
        var (commsId, comms) = await PersonAsync("Comms Lead");
        var (_, other) = await PersonAsync("Other Responder");
        var post = await (await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts",
            new { incidentId, titleZh = "热线无法接通", titleEn = "Hotline unreachable", textEn = "Calls fail.", textZh = "电话无法接通。" })).JsonAsync();
        var postId = post.GetProperty("id").GetString()!;
        var first = post.GetProperty("updates")[0].GetProperty("id").GetString()!;

        // Before anyone holds the default plan's approver role (comms), a responder is told so.
        var denied = await other.PostAsync($"/api/v1/status/updates/{first}/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("nobody holds it now", (await denied.JsonAsync()).GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{incidentId}/roles", new { role = "comms", personId = commsId })).StatusCode);
        denied = await other.PostAsync($"/api/v1/status/updates/{first}/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var problem = await denied.JsonAsync();
        Assert.Equal("application/problem+json", denied.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Customer communication group", problem.GetProperty("detail").GetString());
        Assert.Contains("Comms Lead", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("Calls fail.", await PageAsync());

        // The incident room shows the comms holder the pending update with its buttons; the other responder sees no buttons.
        var room = await comms.GetStringAsync($"/incidents/{incidentId}");
        Assert.Contains($"data-status-update=\"{first}\"", room);
        Assert.Contains("data-action=\"approve\"", room);
        Assert.DoesNotContain("data-action=\"approve\"", await other.GetStringAsync($"/incidents/{incidentId}"));

        var approved = await comms.PostAsync($"/api/v1/status/updates/{first}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Contains("Calls fail.", await PageAsync());

        // The comms holder's own update needs nobody else; a responder's waits, and a manager still decides.
        var own = await (await comms.PostJsonAsync($"/api/v1/status/posts/{postId}/updates", new { status = "identified", textEn = "A carrier fault.", textZh = "运营商故障。" })).JsonAsync();
        Assert.Equal("published", own.GetProperty("updates")[0].GetProperty("state").GetString());
        var waiting = await (await other.PostJsonAsync($"/api/v1/status/posts/{postId}/updates", new { status = "monitoring", textEn = "Watching.", textZh = "观察中。" })).JsonAsync();
        Assert.Equal("pending", waiting.GetProperty("updates")[0].GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Manager).PostAsync($"/api/v1/status/updates/{waiting.GetProperty("updates")[0].GetProperty("id").GetString()}/reject", null)).StatusCode);

        var timeline = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync()).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("status_pending", timeline);
        Assert.Contains("status_rejected", timeline);
        Assert.Equal(2, timeline.Count(k => k == "status_published"));
        var audit = await App.WithDb(db => db.AuditEntries.Where(a => a.EntityId == first && a.Action == "status.update.approved").Select(a => a.ActorName).ToListAsync());
        Assert.Equal(["Comms Lead"], audit);
    }

    [Fact]
    public async Task A_lower_level_update_is_public_at_once_and_resolving_moves_it_to_past_incidents()
    {
        var (serviceId, _) = await ComponentAsync("Parcel lockers");
        var incidentId = await IncidentAsync(serviceId, "Lockers slow");
        var responder = App.Client(Role.Responder);
        var post = await (await responder.PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Lockers slow to open", titleZh = "快递柜开门慢", textEn = "Looking into it.", textZh = "正在处理。" })).JsonAsync();
        Assert.Equal("published", post.GetProperty("updates")[0].GetProperty("state").GetString());
        var postId = post.GetProperty("id").GetString()!;
        var page = await PageAsync();
        var active = page[page.IndexOf("<h2>Current incidents</h2>", StringComparison.Ordinal)..];
        Assert.Contains($"data-post=\"{postId}\"", active[..active.IndexOf("</section>", StringComparison.Ordinal)]);

        Assert.Equal(HttpStatusCode.Created, (await responder.PostJsonAsync($"/api/v1/status/posts/{postId}/updates", new { status = "resolved" })).StatusCode);
        page = await PageAsync();
        Assert.DoesNotContain($"data-post=\"{postId}\"", page);
        Assert.Contains($"/status/incidents/{postId}?lang=en\">Lockers slow to open</a>", page);
        var detail = await PageAsync($"/status/incidents/{postId}?lang=en");
        Assert.Contains("The problem with Parcel lockers", detail);
        Assert.Contains("Looking into it.", detail);
        Assert.Contains("Lockers slow to open", await PageAsync("/status/history?lang=en"));
    }

    [Fact]
    public async Task A_status_post_with_script_in_it_is_shown_as_text()
    {
        var (serviceId, _) = await ComponentAsync("Script check");
        var incidentId = await IncidentAsync(serviceId, "XSS");
        var script = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        var post = await (await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts",
            new { incidentId, titleEn = "Title " + script, titleZh = "标题", textEn = "Text " + script, textZh = "正文" })).JsonAsync();
        var postId = post.GetProperty("id").GetString()!;
        foreach (var html in new[] { await PageAsync(), await PageAsync($"/status/incidents/{postId}?lang=en"), await PageAsync("/status/history?lang=en") })
        {
            Assert.DoesNotContain("<script>", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html);
        }
        // The feed carries it as text too: it parses, and the text comes back exactly.
        var feed = XDocument.Parse(await PageAsync("/status/feed.atom?lang=en"));
        XNamespace atom = "http://www.w3.org/2005/Atom";
        Assert.Contains(feed.Descendants(atom + "content"), c => c.Value == "Text " + script);
    }

    [Fact]
    public async Task The_feed_is_atom_with_an_entry_per_published_update()
    {
        var (serviceId, _) = await ComponentAsync("Feed check");
        var incidentId = await IncidentAsync(serviceId, "Feed");
        var responder = App.Client(Role.Responder);
        var postId = (await (await responder.PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Feed post", titleZh = "订阅测试" })).JsonAsync()).GetProperty("id").GetString()!;
        await responder.PostJsonAsync($"/api/v1/status/posts/{postId}/updates", new { status = "monitoring" });

        var response = await App.Client(null).GetAsync("/status/feed.atom?lang=en");
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        var feed = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace atom = "http://www.w3.org/2005/Atom";
        Assert.Equal(atom + "feed", feed.Root!.Name);
        Assert.NotNull(feed.Root.Element(atom + "id"));
        Assert.NotNull(feed.Root.Element(atom + "updated"));
        var mine = feed.Root.Elements(atom + "entry").Where(e => e.Element(atom + "id")!.Value.Contains(postId, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Contains(mine, e => e.Element(atom + "title")!.Value == "[Monitoring] Feed post");
        Assert.All(mine, e => Assert.NotNull(e.Element(atom + "updated")));
        var zh = XDocument.Parse(await PageAsync("/status/feed.atom?lang=zh-CN"));
        Assert.Contains(zh.Root!.Elements(atom + "entry"), e => e.Element(atom + "title")!.Value == "[观察中] 订阅测试");
    }

    [Fact]
    public async Task Pages_are_cacheable_and_answer_304_to_their_etag()
    {
        var anonymous = App.Client(null);
        var first = await anonymous.GetAsync("/status?lang=en");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.NotNull(first.Headers.CacheControl?.MaxAge);
        Assert.NotNull(first.Content.Headers.LastModified);
        var etag = first.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, "/status?lang=en");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await anonymous.SendAsync(again)).StatusCode);

        // A change gives a new ETag: a cache never serves the old page as current.
        await ComponentAsync("Cache check");
        var changed = await anonymous.GetAsync("/status?lang=en");
        Assert.NotEqual(etag, changed.Headers.ETag);
        // zh-CN by Accept-Language, without a query.
        var zh = await App.Client(null, acceptLanguage: "zh-CN").GetStringAsync("/status");
        Assert.Contains("<html lang=\"zh-CN\">", zh);
    }

    [Fact]
    public async Task Maintenance_is_shown_ahead_and_puts_its_components_in_maintenance_during_the_window()
    {
        var (_, componentId) = await ComponentAsync("Core banking");
        var now = App.Time.UtcNow;
        var response = await App.Client(Role.Manager).PostJsonAsync("/api/v1/status/maintenance", new
        {
            titleZh = "核心系统升级",
            titleEn = "Core upgrade",
            startsAt = now.AddHours(2),
            endsAt = now.AddHours(4),
            componentIds = new[] { componentId },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var page = await PageAsync();
        Assert.Contains("Core upgrade", page);
        Assert.Equal("operational", ComponentState(page, componentId));
        App.Time.Advance(TimeSpan.FromHours(3));
        try
        {
            await ComponentAsync("Nudge");
            Assert.Equal("maintenance", ComponentState(await PageAsync(), componentId));
        }
        finally
        {
            App.Time.Advance(TimeSpan.FromHours(2));
        }
    }

    [Fact]
    public async Task Subscribe_confirm_get_notified_by_real_mail_and_unsubscribe_in_one_click()
    {
        var (serviceId, _) = await ComponentAsync("Mail check");
        var mail = $"{Guid.NewGuid():N}@reader.test";
        var anonymous = App.Client(null);
        var sent = await anonymous.PostAsync("/status/subscribe", new FormUrlEncodedContent(new Dictionary<string, string> { ["kind"] = "email", ["address"] = mail, ["lang"] = "en" }));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        await App.RunDueWorkAsync();
        var confirmation = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal));
        var link = Regex.Match(confirmation.TextBody ?? "", @"http://muster\.test(/status/confirm\?t=\S+)").Groups[1].Value;
        Assert.NotEmpty(link);
        // Opening the link asks; only the button confirms (mail scanners open links).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
        Assert.Null(await App.WithDb(db => db.StatusSubscribers.Where(s => s.Address == mail).Select(s => s.ConfirmedAt).FirstAsync()));
        var token = Uri.UnescapeDataString(link[(link.IndexOf("t=", StringComparison.Ordinal) + 2)..]);
        var confirmed = await anonymous.PostAsync("/status/confirm", new FormUrlEncodedContent(new Dictionary<string, string> { ["t"] = token, ["lang"] = "en" }));
        Assert.Contains("You are subscribed", await confirmed.Content.ReadAsStringAsync());

        var incidentId = await IncidentAsync(serviceId, "Mail");
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Mail post", titleZh = "邮件", textEn = "We know.", textZh = "已知。" });
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        var update = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal) && (m.Subject ?? "").Contains("Mail post", StringComparison.Ordinal));
        Assert.Contains("We know.", update.TextBody);
        Assert.Equal("List-Unsubscribe=One-Click", update.Headers["List-Unsubscribe-Post"]);
        var unsubscribe = (update.Headers["List-Unsubscribe"] ?? "").Trim('<', '>');
        Assert.StartsWith("http://muster.test/status/unsubscribe?t=", unsubscribe);
        // Both went the one way out: a row each in the delivery log, sent.
        Assert.Equal(["status-confirm:sent", "status-update:sent"], await App.WithDb(db => db.Notifications.Where(n => n.Address == mail)
            .OrderBy(n => n.Kind).Select(n => n.Kind + ":" + n.Status).ToListAsync()));

        // RFC 8058: the mail app POSTs List-Unsubscribe=One-Click to the URL.
        var oneClick = await anonymous.PostAsync(unsubscribe.Replace("http://muster.test", "", StringComparison.Ordinal),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.NotNull(await App.WithDb(db => db.StatusSubscribers.Where(s => s.Address == mail).Select(s => s.UnsubscribedAt).FirstAsync()));
        // A forged token does nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync("/status/unsubscribe?t=abc.unsubscribe.xyz", null)).StatusCode);
    }

    [Fact]
    public async Task A_webhook_subscriber_receives_a_json_post_and_a_component_filter_is_kept()
    {
        var (serviceId, componentId) = await ComponentAsync("Hook check");
        var (otherService, otherComponent) = await ComponentAsync("Hook other");
        var path = "/" + Guid.NewGuid().ToString("N");
        var manager = App.Client(Role.Manager);
        Assert.Equal(HttpStatusCode.Created, (await manager.PostJsonAsync("/api/v1/status/subscribers",
            new { kind = "webhook", address = fixture.Hook.Url + path, componentIds = new[] { componentId } })).StatusCode);

        var other = await IncidentAsync(otherService, "Other");
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId = other, titleEn = "Other post", titleZh = "其他" });
        var incidentId = await IncidentAsync(serviceId, "Hook");
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Hook post", titleZh = "钩子" });
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        var seen = fixture.Hook.Requests.Where(r => r.Path == path).ToList();
        var only = Assert.Single(seen);
        Assert.Equal("POST", only.Method);
        var body = JsonDocument.Parse(only.Body).RootElement;
        Assert.Equal("Hook post", body.GetProperty("title").GetProperty("en").GetString());
        Assert.Equal("investigating", body.GetProperty("status").GetString());
        Assert.StartsWith("http://muster.test/status/unsubscribe?t=", body.GetProperty("unsubscribeUrl").GetString());
        Assert.Contains(componentId, body.GetProperty("componentIds").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain(otherComponent, body.GetProperty("componentIds").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Status_deliver_items_queued_before_the_outbox_are_sent_through_it()
    {
        var (serviceId, componentId) = await ComponentAsync("Hook legacy");
        var path = "/" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, (await App.Client(Role.Manager).PostJsonAsync("/api/v1/status/subscribers",
            new { kind = "webhook", address = fixture.Hook.Url + path, componentIds = new[] { componentId } })).StatusCode);
        var incidentId = await IncidentAsync(serviceId, "Legacy");
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Legacy post", titleZh = "旧" });
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        Assert.Single(fixture.Hook.Requests, r => r.Path == path);

        // Items the removed StatusDeliverWork left in the queue: an update to this subscriber, a confirmation
        // it no longer needs (it is confirmed), and one whose subscriber is gone.
        var (subscriberId, updateId) = await App.WithDb(async db =>
        {
            var subscriber = await db.StatusSubscribers.SingleAsync(s => s.Address == fixture.Hook.Url + path);
            var post = await db.StatusPosts.SingleAsync(p => p.IncidentId == incidentId);
            var update = await db.StatusUpdates.Where(u => u.PostId == post.Id).Select(u => u.Id).FirstAsync();
            void Old(string key, string payload) =>
                db.WorkItems.Add(new Muster.Data.WorkItem { Kind = "status-deliver", Key = key, Payload = payload, DueAt = App.Time.UtcNow, CreatedAt = App.Time.UtcNow });
            Old($"status-deliver:{update}:{subscriber.Id}", $$"""{"SubscriberId":"{{subscriber.Id}}","UpdateId":"{{update}}"}""");
            Old($"status-confirm:{subscriber.Id}", $$"""{"SubscriberId":"{{subscriber.Id}}","UpdateId":null}""");
            Old("status-confirm:gone", """{"SubscriberId":"gone","UpdateId":null}""");
            await db.SaveChangesAsync();
            return (subscriber.Id, update);
        });
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();

        Assert.Equal(2, fixture.Hook.Requests.Count(r => r.Path == path));
        var messages = await App.WithDb(db => db.Notifications.Where(n => n.SubjectId == subscriberId).Select(n => new { n.Kind, n.Status, n.Subject }).ToListAsync());
        Assert.Equal(2, messages.Count(m => m.Kind == "status-update" && m.Status == "sent" && m.Subject == $"status-update:{updateId}"));
        Assert.Single(messages, m => m.Kind == "status-confirm" && m.Status == "cancelled");
        Assert.False(await App.WithDb(db => db.WorkItems.AnyAsync(w => w.Kind == "status-deliver")));
    }

    [Fact]
    public async Task The_settings_page_lists_components_and_updates_waiting_for_approval()
    {
        var (serviceId, _) = await ComponentAsync("Settings check");
        var incidentId = await IncidentAsync(serviceId, "Settings", affectedUsers: 20_000);
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Waiting post", titleZh = "待批", textEn = "Pending words", textZh = "待批内容" });
        var page = await App.Client(Role.Manager).GetStringAsync("/status-page");
        Assert.Contains("Settings check", page);
        Assert.Contains("Pending words", page);
        Assert.Contains("name=\"Decide.Id\"", page);
        // A viewer sees the list but no approve button.
        Assert.DoesNotContain("name=\"Decide.Id\"", await App.Client(Role.Viewer).GetStringAsync("/status-page"));
    }

    [Fact]
    public async Task An_sms_subscriber_confirms_with_the_code_and_each_message_carries_the_unsubscribe_link()
    {
        var (serviceId, _) = await ComponentAsync("Sms check");
        var path = "/sms-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, (await App.Client(Role.Admin).PostJsonAsync("/api/v1/channels", new
        {
            type = "http-sms",
            name = "Gateway " + Guid.NewGuid().ToString("N")[..6],
            settings = new { url = fixture.Hook.Url + path, body = "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\"}" },
        })).StatusCode);
        var number = "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var anonymous = App.Client(null);
        var sent = await (await anonymous.PostAsync("/status/subscribe", new FormUrlEncodedContent(new Dictionary<string, string> { ["kind"] = "sms", ["address"] = number, ["lang"] = "en" })))
            .Content.ReadAsStringAsync();
        var id = Regex.Match(sent, "name=\"id\" value=\"([0-9a-f]+)\"").Groups[1].Value;
        await App.RunDueWorkAsync();
        var confirmation = fixture.Hook.Requests.Single(r => r.Path == path && r.Body.Contains(number, StringComparison.Ordinal));
        var code = Regex.Match(confirmation.Body, @"code is (\d{6})").Groups[1].Value;
        Assert.Equal(6, code.Length);

        var wrong = await anonymous.PostAsync("/status/confirm", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = id, ["code"] = code == "000000" ? "111111" : "000000" }));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var right = await anonymous.PostAsync("/status/confirm", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = id, ["code"] = code }));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);

        var incidentId = await IncidentAsync(serviceId, "Sms");
        await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/posts", new { incidentId, titleEn = "Sms post", titleZh = "短信" });
        await App.RunDueWorkAsync();
        await App.RunDueWorkAsync();
        var update = fixture.Hook.Requests.Single(r => r.Path == path && r.Body.Contains("Sms post", StringComparison.Ordinal));
        Assert.Contains(number, update.Body);
        Assert.Contains("http://muster.test/status/unsubscribe?t=", update.Body);
    }

    [Fact]
    public async Task Bad_component_input_names_the_field()
    {
        var manager = App.Client(Role.Manager);
        var problem = await (await manager.PostJsonAsync("/api/v1/status/components", new { nameZh = "", nameEn = "X", serviceIds = Array.Empty<string>() })).JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("nameZh", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("serviceIds", out _));
        var unknown = await manager.PostJsonAsync("/api/v1/status/components", new { nameZh = "甲", nameEn = "A", serviceIds = new[] { "nope" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(Role.Responder).PostJsonAsync("/api/v1/status/components", new { nameZh = "甲", nameEn = "A" })).StatusCode);
    }
}
