using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>The plan runs the response: roles and tasks when an incident opens, done/skip/reassign, mitigation, overdue tasks, upward reports, merge and links, and the live stream.</summary>
public sealed class RoomTests(PagingApp fixture) : IClassFixture<PagingApp>
{
    private MusterFactory App => fixture.App;

    private static LocalizedText Text(string zh, string en) => new() { ZhCn = zh, En = en };

    private sealed record Setup(string ServiceId, string Commander, string CommanderMail, string TechA, string TechB, string Boss, string BossMail);

    private async Task<string> PersonAsync(string name, string language, string email, string? teamId = null) => await App.WithDb(async db =>
    {
        var person = new Person { Email = email, DisplayName = name, Role = "responder", Language = language, TeamId = teamId, CreatedAt = App.Time.UtcNow };
        db.People.Add(person);
        db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "email", Address = email, CreatedAt = App.Time.UtcNow });
        await db.SaveChangesAsync();
        return person.Id;
    });

    /// <summary>
    /// A plan with a commander (whoever the service's policy pages first), a technical group (a
    /// team), a communication group (nobody by default), checklists per level and per category, and
    /// two upward report rules at level 1: the general manager, and a board nobody in Muster is on.
    /// </summary>
    private async Task<Setup> SetupAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var teamName = "Tech " + tag;
        var teamId = await App.WithDb(async db =>
        {
            var team = new Team { Name = teamName, CreatedAt = App.Time.UtcNow };
            db.Teams.Add(team);
            await db.SaveChangesAsync();
            return team.Id;
        });
        var commanderMail = $"zhang.{tag}@example.com";
        var commander = await PersonAsync("Zhang Wei", "zh-CN", commanderMail);
        var techA = await PersonAsync("An Tech", "en", $"an.{tag}@example.com", teamId);
        var techB = await PersonAsync("Bo Tech", "zh-CN", $"bo.{tag}@example.com", teamId);
        var bossMail = $"gm.{tag}@example.com";
        var boss = await PersonAsync("General Manager", "en", bossMail);

        ChecklistStep Step(string key, string role, Stage stage, int? within, bool mitigation = false) =>
            new() { Key = key, Title = Text(key + "（中文）", key + " (en)"), Role = role, Stage = stage, WithinMinutes = within, Mitigation = mitigation };
        var plan = Features.Plans.PlanEndpoints.Builtin("default") with
        {
            Key = "room-" + tag,
            Review = null,
            Categories = [new("device", Text("设备故障", "Device fault")), new("network", Text("网络故障", "Network fault"))],
            Roles =
            [
                new() { Key = "commander", Name = Text("指挥长", "Commander"), Default = new() { Oncall = true } },
                new() { Key = "tech", Name = Text("技术组", "Technical group"), Group = true, Default = new() { Team = teamName } },
                new() { Key = "comms", Name = Text("客户沟通组", "Communication group"), Group = true },
            ],
            Checklists =
            [
                new() { Levels = ["L1", "L2"], Steps = [Step("convene", "commander", Stage.Acknowledge, 10), Step("notify-customers", "comms", Stage.Restore, 60)] },
                new() { Levels = ["L1"], Steps = [Step("failover", "tech", Stage.Repair, 120, mitigation: true)] },
                new() { Categories = ["device"], Steps = [Step("backup-device", "tech", Stage.Acknowledge, 30, mitigation: true)] },
            ],
            Templates = new Dictionary<string, LocalizedText>
            {
                ["upwardReport"] = Text("【{{levelName}}】{{reference}} {{title}}，{{service}}，指挥长 {{commander}}", "[{{levelName}}] {{reference}} {{title}} on {{service}}; commander {{commander}}"),
                ["customerSms"] = Text("尊敬的客户：{{service}} 暂时不可用，我们正在处理。", "Dear customer: {{service}} is unavailable; we are working on it."),
            },
            ReportUpward =
            [
                new() { Levels = ["L1"], To = Text("总经理", "the general manager"), People = [bossMail], WithinMinutes = 30, Role = "commander", Template = "upwardReport" },
                new() { Levels = ["L1"], To = Text("董事会", "the board"), People = [$"nobody.{tag}@example.com"], WithinMinutes = 60, Role = "commander", Template = "upwardReport" },
            ],
        };
        var admin = App.Client(Role.Admin);
        var created = await admin.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(plan, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var planId = (await created.JsonAsync()).GetProperty("planId").GetString();
        var serviceId = (await (await admin.PostJsonAsync("/api/v1/services", new { name = "room " + tag, planId })).JsonAsync()).GetProperty("id").GetString()!;
        await App.WithDb(async db =>
        {
            var policy = new EscalationPolicy
            {
                Name = "Commander first " + tag,
                Definition = JsonSerializer.Serialize(new { steps = new[] { new { delayMinutes = 30, targets = new[] { new { type = "person", id = commander } } } } }),
                CreatedAt = App.Time.UtcNow,
                UpdatedAt = App.Time.UtcNow,
            };
            db.EscalationPolicies.Add(policy);
            (await db.Services.FirstAsync(s => s.Id == serviceId)).EscalationPolicyId = policy.Id;
            await db.SaveChangesAsync();
            return 0;
        });
        return new Setup(serviceId, commander, commanderMail, techA, techB, boss, bossMail);
    }

    private async Task<JsonElement> DeclareAsync(string serviceId, int affectedUsers, string? category = null)
    {
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Card payments failing", serviceId, impact = new { affectedUsers }, category });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private async Task<List<JsonElement>> TasksAsync(string id) =>
        (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/tasks")).JsonAsync()).EnumerateArray().ToList();

    private async Task<List<JsonElement>> TimelineAsync(string id) =>
        (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray().ToList();

    private async Task DrainAsync()
    {
        for (var i = 0; i < 20 && await App.RunDueWorkAsync() + await App.RunDueWorkAsync() > 0; i++)
            App.Time.Advance(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Opening_an_incident_fills_the_roles_from_on_call_and_the_team_and_turns_the_checklist_into_tasks_with_owners_and_deadlines()
    {
        var s = await SetupAsync();
        var incident = await DeclareAsync(s.ServiceId, 5_000, "device");
        var id = incident.GetProperty("id").GetString()!;
        Assert.Equal("device", incident.GetProperty("category").GetString());
        var declaredAt = incident.GetProperty("declaredAt").GetDateTime();

        var roles = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/roles")).JsonAsync()).EnumerateArray().ToList();
        string[] People(string role) => roles.Single(r => r.GetProperty("role").GetString() == role).GetProperty("people").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToArray();
        Assert.Equal([s.Commander], People("commander"));
        Assert.Equal(new[] { s.TechA, s.TechB }.Order(), People("tech").Order());
        Assert.Empty(People("comms"));

        var tasks = await TasksAsync(id);
        Assert.Equal(["convene", "notify-customers", "backup-device"], tasks.Select(t => t.GetProperty("key").GetString()!).ToArray());
        var convene = tasks[0];
        Assert.Equal("convene (en)", convene.GetProperty("title").GetString());
        Assert.Equal("commander", convene.GetProperty("role").GetString());
        Assert.Equal("open", convene.GetProperty("state").GetString());
        Assert.Equal(s.Commander, convene.GetProperty("owner").GetProperty("id").GetString());
        Assert.Equal(declaredAt.AddMinutes(10), convene.GetProperty("deadline").GetDateTime());
        // The restore stage has not started: no deadline yet, and nobody in the role to own it.
        Assert.Equal(JsonValueKind.Null, tasks[1].GetProperty("deadline").ValueKind);
        Assert.Equal(JsonValueKind.Null, tasks[1].GetProperty("owner").ValueKind);
        Assert.Equal(s.TechA, tasks[2].GetProperty("owner").GetProperty("id").GetString());
        Assert.True(tasks[2].GetProperty("mitigation").GetBoolean());

        // Moving to repairing starts the restore stage: its task now has a deadline.
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{id}/repair", null);
        var restore = (await TasksAsync(id))[1];
        Assert.Equal(App.Time.UtcNow.AddMinutes(60), restore.GetProperty("deadline").GetDateTime());

        // In Chinese, the Chinese title.
        var zh = (await (await App.Client(Role.Viewer, "zh-CN").GetAsync($"/api/v1/incidents/{id}/tasks")).JsonAsync())[0];
        Assert.Equal("convene（中文）", zh.GetProperty("title").GetString());

        // The room shows them, live: the sections carry data-live and the page names its event stream.
        var page = await App.Client(Role.Responder).GetStringAsync($"/incidents/{id}");
        Assert.Contains("convene (en)", page);
        Assert.Contains($"data-room=\"/api/v1/incidents/{id}/events\"", page);
        Assert.Contains("id=\"live-tasks\"", page);
        Assert.Contains("Technical group", page);
        Assert.Contains("/js/room.js", page);
        Assert.Equal(HttpStatusCode.OK, (await App.Client(null).GetAsync("/js/room.js")).StatusCode);

        // A category the plan does not name is refused at declaration.
        var bad = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId = s.ServiceId, category = "weather" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("category", out _));
    }

    [Fact]
    public async Task Tasks_are_done_skipped_with_a_reason_or_reassigned_a_mitigation_records_its_time_and_a_level_rise_adds_tasks()
    {
        var s = await SetupAsync();
        var id = (await DeclareAsync(s.ServiceId, 5_000)).GetProperty("id").GetString()!;
        var responder = App.Client(Role.Responder);
        Assert.Equal(["convene", "notify-customers"], (await TasksAsync(id)).Select(t => t.GetProperty("key").GetString()!).ToArray());

        var noReason = await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/notify-customers/skip", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await noReason.JsonAsync()).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal("open", (await TasksAsync(id))[1].GetProperty("state").GetString());

        var skipped = await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/notify-customers/skip", new { reason = "Internal system only" });
        Assert.Equal(HttpStatusCode.OK, skipped.StatusCode);
        var task = (await TasksAsync(id))[1];
        Assert.Equal(("skipped", "Internal system only"), (task.GetProperty("state").GetString(), task.GetProperty("reason").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/notify-customers/done", new { })).StatusCode);

        var reassigned = await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/convene/reassign", new { personId = s.TechB });
        Assert.Equal(HttpStatusCode.OK, reassigned.StatusCode);
        Assert.Equal(s.TechB, (await TasksAsync(id))[0].GetProperty("owner").GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/convene/reassign", new { personId = "nobody" })).StatusCode);

        // The category is set afterwards: the device checklist's mitigation step is added.
        Assert.Equal(HttpStatusCode.OK, (await responder.PutAsync($"/api/v1/incidents/{id}/category", System.Net.Http.Json.JsonContent.Create(new { category = "device" }))).StatusCode);
        Assert.Contains(await TasksAsync(id), t => t.GetProperty("key").GetString() == "backup-device");

        App.Time.Advance(TimeSpan.FromMinutes(7));
        var mitigatedAt = App.Time.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/backup-device/done", new { note = "Spare reader switched on" })).StatusCode);
        var incident = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        Assert.Equal("mitigated", incident.GetProperty("status").GetString());
        Assert.Equal(mitigatedAt, incident.GetProperty("mitigatedAt").GetDateTime());

        // A manual rise to level 1 adds level 1's tasks, each once.
        Assert.Equal(HttpStatusCode.OK, (await responder.PutAsync($"/api/v1/incidents/{id}/severity", System.Net.Http.Json.JsonContent.Create(new { level = "L1", reason = "Funds at risk" }))).StatusCode);
        var keys = (await TasksAsync(id)).Select(t => t.GetProperty("key").GetString()).ToList();
        Assert.Equal(["convene", "notify-customers", "backup-device", "failover", "upward-0", "upward-1"], keys);

        var timeline = await TimelineAsync(id);
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "task_skipped" && e.GetProperty("note").GetString() == "Internal system only");
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "task_reassigned" && e.GetProperty("to").GetString() == "Bo Tech");
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "tasks_added" && e.GetProperty("from").GetString() == "L1" && e.GetProperty("to").GetString() == "3");
        var audit = await App.WithDb(db => db.AuditEntries.Where(a => a.Action == "incident.task_reassigned").CountAsync());
        Assert.True(audit >= 1);
    }

    [Fact]
    public async Task An_overdue_task_tells_its_owner_and_the_commander_in_their_language_once()
    {
        var s = await SetupAsync();
        var id = (await DeclareAsync(s.ServiceId, 5_000, "device")).GetProperty("id").GetString()!;
        await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{id}/acknowledge", null);
        await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{id}/tasks/convene/done", null);
        await DrainAsync();

        // backup-device (30 min, owned by An Tech) falls due; convene was done in time.
        App.Time.Advance(TimeSpan.FromMinutes(31));
        await DrainAsync();

        var log = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/notifications")).JsonAsync()).EnumerateArray()
            .Where(n => n.GetProperty("kind").GetString() == "task_overdue").ToList();
        Assert.Equal(new[] { s.TechA, s.Commander }.Order(), log.Select(n => n.GetProperty("personId").GetString()!).Order());
        Assert.All(log, n => Assert.Equal("sent", n.GetProperty("status").GetString()));
        var zh = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(s.CommanderMail, StringComparison.Ordinal) && (m.Subject ?? "").Contains("任务超时", StringComparison.Ordinal));
        Assert.Contains("backup-device（中文）", zh.Subject);
        var overdue = Assert.Single(await TimelineAsync(id), e => e.GetProperty("kind").GetString() == "task_overdue");
        Assert.Equal("backup-device", overdue.GetProperty("from").GetString());
        Assert.True((await TasksAsync(id)).Single(t => t.GetProperty("key").GetString() == "backup-device").GetProperty("overdue").GetBoolean());

        // Once per deadline: later runs tell nobody again.
        App.Time.Advance(TimeSpan.FromMinutes(30));
        await DrainAsync();
        Assert.Single(await TimelineAsync(id), e => e.GetProperty("kind").GetString() == "task_overdue");
    }

    [Fact]
    public async Task An_upward_report_is_written_from_the_template_sent_to_the_named_people_and_kept()
    {
        var s = await SetupAsync();
        var incident = await DeclareAsync(s.ServiceId, 20_000);
        var id = incident.GetProperty("id").GetString()!;
        var number = incident.GetProperty("number").GetString()!;
        var upward = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/upward")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(2, upward.Count);
        var gm = upward[0];
        Assert.Equal("the general manager", gm.GetProperty("to").GetString());
        Assert.Equal($"[Level 1] {number} Card payments failing on {(await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}")).JsonAsync()).GetProperty("serviceName").GetString()}; commander Zhang Wei",
            gm.GetProperty("draft").GetString());
        Assert.Equal(incident.GetProperty("declaredAt").GetDateTime().AddMinutes(30), gm.GetProperty("deadline").GetDateTime());
        Assert.NotEqual(JsonValueKind.Null, upward[1].GetProperty("problem").ValueKind);

        var responder = App.Client(Role.Responder);
        var taskId = gm.GetProperty("taskId").GetString();
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/upward/{taskId}", new { text = "" })).StatusCode);
        var board = await responder.PostJsonAsync($"/api/v1/incidents/{id}/upward/{upward[1].GetProperty("taskId").GetString()}", new { text = "Board report" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, board.StatusCode);
        Assert.True((await board.JsonAsync()).GetProperty("errors").TryGetProperty("people", out _));
        // Completing an upward task by hand is refused: it is done by sending.
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/tasks/upward-0/done", new { })).StatusCode);

        var text = gm.GetProperty("draft").GetString() + " Card payments down since 10:02; backup channel opening.";
        var sent = await responder.PostJsonAsync($"/api/v1/incidents/{id}/upward/{taskId}", new { text });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        await DrainAsync();

        var mail = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(s.BossMail, StringComparison.Ordinal));
        Assert.Contains("backup channel opening", mail.TextBody);
        var messages = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/messages")).JsonAsync()).EnumerateArray().ToList();
        var kept = Assert.Single(messages);
        Assert.Equal(("upward", text), (kept.GetProperty("kind").GetString(), kept.GetProperty("text").GetString()));
        Assert.Contains("General Manager", kept.GetProperty("recipients").GetString());
        Assert.Equal(App.Time.UtcNow, kept.GetProperty("sentAt").GetDateTime(), TimeSpan.FromMinutes(2));
        Assert.Equal("done", (await TasksAsync(id)).Single(t => t.GetProperty("key").GetString() == "upward-0").GetProperty("state").GetString());
        Assert.Contains(await TimelineAsync(id), e => e.GetProperty("kind").GetString() == "reported_upward" && e.GetProperty("note").GetString() == text);

        // A customer SMS needs a reporter who left a phone number: this incident has none (CustomerMessageTests sends them).
        var nobody = await responder.PostJsonAsync($"/api/v1/incidents/{id}/messages", new { kind = "customerSms", text = "Dear customer: we are on it." });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, nobody.StatusCode);
        Assert.Contains("No reporter", (await nobody.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/messages", new { kind = "fax", text = "x" })).StatusCode);
        Assert.DoesNotContain(await TimelineAsync(id), e => e.GetProperty("kind").GetString() == "customer_message");
    }

    [Fact]
    public async Task Merging_moves_the_work_to_the_incident_that_stays_and_links_show_on_both()
    {
        var s = await SetupAsync();
        var keep = (await DeclareAsync(s.ServiceId, 5_000)).GetProperty("id").GetString()!;
        var dupe = await DeclareAsync(s.ServiceId, 5_000, "device");
        var dupeId = dupe.GetProperty("id").GetString()!;
        var other = (await DeclareAsync(s.ServiceId, 100)).GetProperty("number").GetString()!;
        var responder = App.Client(Role.Responder);

        Assert.Equal(HttpStatusCode.OK, (await responder.PostJsonAsync($"/api/v1/incidents/{keep}/links", new { other, note = "Same data centre" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync($"/api/v1/incidents/{other}/links", new { other = keep })).StatusCode);
        var fromOther = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{other}/links")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(keep, Assert.Single(fromOther).GetProperty("incidentId").GetString());

        var merged = await responder.PostJsonAsync($"/api/v1/incidents/{dupeId}/merge", new { into = keep });
        Assert.True(merged.StatusCode == HttpStatusCode.OK, await merged.Content.ReadAsStringAsync());
        var closed = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{dupeId}")).JsonAsync();
        Assert.Equal(("closed", keep), (closed.GetProperty("status").GetString(), closed.GetProperty("mergedIntoId").GetString()));

        // The device task moved; the duplicate's own copies of the tasks both have were skipped as merged.
        var keys = (await TasksAsync(keep)).Select(t => t.GetProperty("key").GetString()).ToList();
        Assert.Contains("backup-device", keys);
        var left = await TasksAsync(dupeId);
        Assert.Equal(["convene", "notify-customers"], left.Select(t => t.GetProperty("key").GetString()!).ToArray());
        Assert.All(left, t => Assert.Equal("skipped", t.GetProperty("state").GetString()));
        Assert.All(left, t => Assert.StartsWith("merged into INC-", t.GetProperty("reason").GetString()));
        var timeline = await TimelineAsync(keep);
        Assert.Equal(2, timeline.Count(e => e.GetProperty("kind").GetString() == "declared"));
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "merged_from" && e.GetProperty("to").GetString() == dupe.GetProperty("number").GetString());
        Assert.Contains((await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{keep}/links")).JsonAsync()).EnumerateArray(),
            l => l.GetProperty("incidentId").GetString() == dupeId && l.GetProperty("merged").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostJsonAsync($"/api/v1/incidents/{dupeId}/merge", new { into = keep })).StatusCode);
        Assert.True(await App.WithDb(db => db.AuditEntries.AnyAsync(a => a.Action == "incident.merged" && a.EntityId == dupeId)));
    }

    [Fact]
    public async Task The_event_stream_tells_a_watcher_when_the_incident_changes()
    {
        var s = await SetupAsync();
        var id = (await DeclareAsync(s.ServiceId, 100)).GetProperty("id").GetString()!;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/events", HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
        Assert.StartsWith("retry:", await reader.ReadLineAsync(guard.Token));

        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "Looking at the gateway" })).StatusCode);
        string? line;
        while ((line = await reader.ReadLineAsync(guard.Token)) is not null && line != "event: change")
        {
        }
        Assert.Equal("event: change", line);
        Assert.Equal(HttpStatusCode.NotFound, (await App.Client(Role.Viewer).GetAsync("/api/v1/incidents/INC-999999/events")).StatusCode);
    }

    [Fact]
    public async Task On_postgresql_a_change_made_by_one_process_reaches_a_watcher_of_another()
    {
        if (!TestDatabase.IsPostgres)
            return; // SQLite is one process by design (ADR 0007); there is nothing to cross.
        var s = await SetupAsync();
        var id = (await DeclareAsync(s.ServiceId, 100)).GetProperty("id").GetString()!;
        await using var other = MusterFactory.On(App.Database);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Tests run without hosted services; the second process listens as the real one does.
        var listener = other.Services.GetRequiredService<Features.Room.IncidentChangeListener>();
        await listener.StartAsync(guard.Token);
        try
        {
            using var response = await other.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/events", HttpCompletionOption.ResponseHeadersRead, guard.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
            Assert.StartsWith("retry:", await reader.ReadLineAsync(guard.Token));
            // The listener's LISTEN may not be in place yet: change again until the other process hears one.
            var heard = ReadChangeAsync(reader, guard.Token);
            for (var i = 0; !heard.IsCompleted && i < 50; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text = $"note {i}" })).StatusCode);
                await Task.WhenAny(heard, Task.Delay(200, guard.Token));
            }
            Assert.True(await heard);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<bool> ReadChangeAsync(StreamReader reader, CancellationToken ct)
    {
        string? line;
        while ((line = await reader.ReadLineAsync(ct)) is not null)
            if (line == "event: change")
                return true;
        return false;
    }
}
