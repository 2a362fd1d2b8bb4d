using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>A Muster with real SMTP and a stand-in SMS gateway.</summary>
public sealed class LearningApp : IAsyncLifetime
{
    public SmtpServer Smtp { get; } = new();
    public StandIn Sms { get; } = new();
    public MusterFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        await Sms.InitializeAsync();
        Sms.Vendor = _ => Answer.Json("{\"ok\":true}");
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
        await Sms.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>Reviews, action items, surveys and drills through HTTP.</summary>
public sealed partial class LearningTests(LearningApp fixture) : IClassFixture<LearningApp>
{
    private MusterFactory App => fixture.App;

    private async Task<(string Id, string Mail)> PersonAsync(string name, string role = "responder")
    {
        var mail = $"{name.ToLowerInvariant().Replace(' ', '.')}.{Guid.NewGuid():N}@example.com";
        var id = await App.WithDb(async db =>
        {
            var person = new Person { Email = mail, DisplayName = name, Role = role, Language = "en", CreatedAt = App.Time.UtcNow };
            db.People.Add(person);
            db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "email", Address = mail, CreatedAt = App.Time.UtcNow });
            await db.SaveChangesAsync();
            return person.Id;
        });
        return (id, mail);
    }

    /// <summary>A service under a plan that requires a review at L1 and L2 within 3 days, from its own template.</summary>
    private async Task<string> ReviewedServiceAsync()
    {
        var plan = Features.Plans.PlanEndpoints.Builtin("default") with
        {
            Key = "reviewed-" + Guid.NewGuid().ToString("N")[..6],
            Templates = new Dictionary<string, LocalizedText>(Features.Plans.PlanEndpoints.Builtin("default").Templates)
            {
                ["postmortem"] = new() { ZhCn = "复盘：{{reference}} {{title}}（{{levelName}}）", En = "Review: {{reference}} {{title}} ({{levelName}})" },
            },
            Review = new ReviewRule { RequiredFor = ["L1", "L2"], WithinDays = 3, Template = "postmortem" },
        };
        var manager = App.Client(Role.Manager);
        var created = await manager.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(plan, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var planId = (await created.JsonAsync()).GetProperty("planId").GetString();
        return (await (await manager.PostJsonAsync("/api/v1/services", new { name = "reviewed " + Guid.NewGuid(), planId })).JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task<string> DeclareAsync(string serviceId, string title, int affectedUsers, bool drill = false)
    {
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title, serviceId, impact = new { affectedUsers }, drill });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task StepAsync(string incidentId, string step) =>
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{incidentId}/{step}", null)).StatusCode);

    private async Task DrainAsync()
    {
        for (var i = 0; i < 10 && await App.RunDueWorkAsync() + await App.RunDueWorkAsync() > 0; i++)
            App.Time.Advance(TimeSpan.FromSeconds(5));
    }

    private Task<int> RemindersAsync(string personId, string kind) =>
        App.WithDb(db => db.Notifications.CountAsync(n => n.PersonId == personId && n.Kind == kind));

    [Fact]
    public async Task A_required_review_is_drafted_on_resolution_reminded_daily_until_published_and_published_is_read_only()
    {
        var (owner, ownerMail) = await PersonAsync("Review Owner");
        var serviceId = await ReviewedServiceAsync();
        var id = await DeclareAsync(serviceId, "Card payments failing", 5_000); // L2
        await StepAsync(id, "acknowledge");
        App.Time.Advance(TimeSpan.FromMinutes(30));
        await StepAsync(id, "resolve");
        var resolvedAt = App.Time.UtcNow;
        await DrainAsync();

        var viewer = App.Client(Role.Viewer);
        var review = await (await viewer.GetAsync($"/api/v1/incidents/{id}/review")).JsonAsync();
        Assert.Equal("draft", review.GetProperty("state").GetString());
        Assert.True(review.GetProperty("required").GetBoolean());
        Assert.Equal(resolvedAt.AddDays(3), review.GetProperty("dueAt").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));
        var number = review.GetProperty("incidentNumber").GetString()!;
        Assert.Contains($"复盘：{number} Card payments failing", review.GetProperty("summary").GetString());
        // The timeline is the incident's own significant events; the impact counts the clocks.
        var kinds = review.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("declared", kinds);
        Assert.Equal(2, kinds.Count(k => k == "status_changed"));
        Assert.Equal(5_000, review.GetProperty("impact").GetProperty("affectedUsers").GetInt32());
        Assert.True(review.GetProperty("impact").GetProperty("clocksMet").GetInt32() >= 1);
        // Starting a second one is refused.
        Assert.Equal(HttpStatusCode.Conflict, (await App.Client(Role.Responder).PostAsync($"/api/v1/incidents/{id}/review", null)).StatusCode);

        var responder = App.Client(Role.Responder);
        var bad = await responder.PutAsJsonAsync($"/api/v1/incidents/{id}/review", new { rootCause = "gremlins" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var put = await responder.PutAsJsonAsync($"/api/v1/incidents/{id}/review",
            new { ownerId = owner, rootCause = "third_party", contributingFactors = "No failover to the second acquirer", wentWell = "Paged in a minute", attendees = new[] { owner } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("third_party", (await put.JsonAsync()).GetProperty("rootCause").GetString());

        // A day after resolution: the owner is reminded, by email.
        App.Time.Advance(TimeSpan.FromDays(1));
        await DrainAsync();
        Assert.Equal(1, await RemindersAsync(owner, "review-reminder"));
        await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(ownerMail, StringComparison.Ordinal) && (m.Subject ?? "").Contains(number, StringComparison.Ordinal));
        // The second day, and the due moment half a day... at day 3 exactly: two more.
        App.Time.Advance(TimeSpan.FromDays(1));
        await DrainAsync();
        App.Time.Advance(TimeSpan.FromDays(1));
        await DrainAsync();
        Assert.Equal(3, await RemindersAsync(owner, "review-reminder"));
        var overdue = await (await viewer.GetAsync("/api/v1/reviews?show=overdue")).JsonAsync();
        Assert.Contains(overdue.EnumerateArray(), r => r.GetProperty("incidentId").GetString() == id);

        // Publishing is a manager's; then it is read-only and the reminders stop.
        Assert.Equal(HttpStatusCode.Forbidden, (await responder.PostAsync($"/api/v1/incidents/{id}/review/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await responder.PostAsync($"/api/v1/incidents/{id}/review/submit", null)).StatusCode);
        var published = await App.Client(Role.Manager).PostAsync($"/api/v1/incidents/{id}/review/publish", null);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("published", (await published.JsonAsync()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PutAsJsonAsync($"/api/v1/incidents/{id}/review", new { wentBadly = "late" })).StatusCode);
        App.Time.Advance(TimeSpan.FromDays(3));
        await DrainAsync();
        Assert.Equal(3, await RemindersAsync(owner, "review-reminder"));
        Assert.DoesNotContain((await (await viewer.GetAsync("/api/v1/reviews?show=due")).JsonAsync()).EnumerateArray(), r => r.GetProperty("incidentId").GetString() == id);
        Assert.Contains((await (await viewer.GetAsync("/api/v1/reviews?show=published")).JsonAsync()).EnumerateArray(), r => r.GetProperty("incidentId").GetString() == id);

        // A manager reopens it: a draft again, editable.
        Assert.Equal(HttpStatusCode.Forbidden, (await responder.PostAsync($"/api/v1/incidents/{id}/review/reopen", null)).StatusCode);
        var reopened = await App.Client(Role.Manager).PostAsync($"/api/v1/incidents/{id}/review/reopen", null);
        Assert.Equal("draft", (await reopened.JsonAsync()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await responder.PutAsJsonAsync($"/api/v1/incidents/{id}/review", new { wentBadly = "late" })).StatusCode);

        // The page shows it.
        var page = await App.Client(Role.Viewer).GetStringAsync($"/incidents/{id}/review");
        Assert.Contains("No failover to the second acquirer", page);
    }

    [Fact]
    public async Task A_level_the_plan_does_not_name_gets_no_review_until_someone_starts_one_and_action_items_are_tracked_to_done()
    {
        var (owner, _) = await PersonAsync("Action Owner");
        var serviceId = await ReviewedServiceAsync();
        var id = await DeclareAsync(serviceId, "One kiosk slow", 10); // L3
        await StepAsync(id, "resolve");
        await DrainAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{id}/review")).StatusCode);

        var responder = App.Client(Role.Responder);
        var started = await responder.PostAsync($"/api/v1/incidents/{id}/review", null);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var review = await started.JsonAsync();
        Assert.False(review.GetProperty("required").GetBoolean());
        Assert.Equal(JsonValueKind.Null, review.GetProperty("dueAt").ValueKind);

        var yesterday = DateOnly.FromDateTime(App.Time.UtcNow.AddDays(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var later = DateOnly.FromDateTime(App.Time.UtcNow.AddDays(10)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/review/actions", new { title = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await responder.PostJsonAsync($"/api/v1/incidents/{id}/review/actions", new { title = "x", ownerId = "nobody" })).StatusCode);
        var late = await (await responder.PostJsonAsync($"/api/v1/incidents/{id}/review/actions", new { title = "Add a second acquirer", ownerId = owner, dueOn = yesterday })).JsonAsync();
        var onTime = await (await responder.PostJsonAsync($"/api/v1/incidents/{id}/review/actions", new { title = "Alert on success rate", ownerId = owner, dueOn = later })).JsonAsync();
        Assert.True(late.GetProperty("overdue").GetBoolean());
        Assert.False(onTime.GetProperty("overdue").GetBoolean());

        var viewer = App.Client(Role.Viewer);
        var overdue = (await (await viewer.GetAsync("/api/v1/review-actions?overdue=true")).JsonAsync()).EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Contains(late.GetProperty("id").GetString(), overdue);
        Assert.DoesNotContain(onTime.GetProperty("id").GetString(), overdue);
        var mine = (await (await viewer.GetAsync($"/api/v1/review-actions?state=open&ownerId={owner}")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(2, mine.Count);

        var done = await responder.PatchAsync($"/api/v1/review-actions/{late.GetProperty("id").GetString()}", System.Net.Http.Json.JsonContent.Create(new { state = "done" }));
        var doneView = await done.JsonAsync();
        Assert.Equal("done", doneView.GetProperty("state").GetString());
        Assert.Equal(App.Time.UtcNow, doneView.GetProperty("doneAt").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.False(doneView.GetProperty("overdue").GetBoolean());
        overdue = (await (await viewer.GetAsync("/api/v1/review-actions?overdue=true")).JsonAsync()).EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(late.GetProperty("id").GetString(), overdue);
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PatchAsync($"/api/v1/review-actions/{late.GetProperty("id").GetString()}",
            System.Net.Http.Json.JsonContent.Create(new { state = "maybe" }))).StatusCode);

        var list = await viewer.GetStringAsync("/reviews/actions");
        Assert.Contains("Alert on success rate", list);
        Assert.DoesNotContain("Add a second acquirer", list);
    }

    [GeneratedRegex(@"/s/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")]
    private static partial Regex SurveyLink();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    private async Task SmsChannelAsync()
    {
        if (await App.WithDb(db => db.NotificationChannels.AnyAsync(c => c.Type == "http-sms")))
            return;
        var created = await App.Client(Role.Admin).PostJsonAsync("/api/v1/channels", new
        {
            type = "http-sms",
            name = "Gateway",
            settings = new { url = fixture.Sms.Url + "/send", body = "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\"}" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private Task ReportAsync(string serviceId, string incidentId, string? phone, string? email = null) => App.WithDb(async db =>
    {
        db.Reports.Add(new Report { ServiceId = serviceId, IncidentId = incidentId, Channel = "phone", Symptom = "Card rejected", Phone = phone, Email = email, ReceivedAt = App.Time.UtcNow });
        await db.SaveChangesAsync();
        return 0;
    });

    [Fact]
    public async Task A_reporter_is_asked_once_by_sms_and_answers_once_on_a_public_page_but_drills_ask_nobody()
    {
        await SmsChannelAsync();
        var serviceId = await App.ServiceAsync("survey " + Guid.NewGuid().ToString("N")[..6]);
        var phone = "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var id = await DeclareAsync(serviceId, "Card reader down", 10);
        await ReportAsync(serviceId, id, phone);
        await ReportAsync(serviceId, id, "+86 " + phone); // the same reporter twice
        await StepAsync(id, "resolve");
        await DrainAsync();

        var sent = fixture.Sms.Requests.Where(r => r.Body.Contains(phone, StringComparison.Ordinal)).ToList();
        var sms = Assert.Single(sent);
        var token = SurveyLink().Match(sms.Body).Groups[1].Value;
        Assert.NotEmpty(token);
        Assert.Equal("sent", (await App.WithDb(db => db.SurveyInvitations.SingleAsync(s => s.IncidentId == id))).Status);
        Assert.Equal("sent", (await App.WithDb(db => db.Notifications.SingleAsync(n => n.IncidentId == id && n.Kind == "survey"))).Status);

        // Resolved again after a reopen: nobody is asked twice.
        await StepAsync(id, "reopen");
        await StepAsync(id, "resolve");
        await DrainAsync();
        Assert.Single(fixture.Sms.Requests, r => r.Body.Contains(phone, StringComparison.Ordinal));

        var phoneClient = App.Client(null, acceptLanguage: "zh-CN");
        Assert.Equal(HttpStatusCode.NotFound, (await phoneClient.GetAsync($"/s/{token[..^2]}xx")).StatusCode);
        var page = await phoneClient.GetStringAsync($"/s/{token}");
        Assert.Contains("服务评价", page);
        Assert.Contains("name=\"Form.Score\"", page);

        async Task<HttpResponseMessage> Answer(string score) => await phoneClient.PostAsync($"/s/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "survey",
            ["__RequestVerificationToken"] = Antiforgery().Match(page).Groups[1].Value,
            ["Form.Score"] = score,
            ["Form.Comment"] = "修得很快",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, (await Answer("9")).StatusCode);
        var first = await Answer("4");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("谢谢您的评价", await first.Content.ReadAsStringAsync());
        var second = await Answer("1");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("已提交过", await second.Content.ReadAsStringAsync());

        var results = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/surveys?serviceId={serviceId}&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")).JsonAsync();
        Assert.Equal(1, results.GetProperty("responses").GetInt32());
        Assert.Equal(4, results.GetProperty("average").GetDouble());
        Assert.Equal([0, 0, 0, 1, 0], results.GetProperty("distribution").EnumerateArray().Select(e => e.GetInt32()));
        var service = Assert.Single(results.GetProperty("services").EnumerateArray());
        Assert.Equal(1, service.GetProperty("invited").GetInt32());
        Assert.Contains("4.00", await App.Client(Role.Viewer).GetStringAsync("/surveys?from=2026-01-01&to=2026-12-31"));

        // A drill with a reporter's number: resolved, and nobody is asked.
        var drillPhone = "138" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var drill = await DeclareAsync(serviceId, "Drill: card reader down", 10, drill: true);
        await ReportAsync(serviceId, drill, drillPhone);
        await StepAsync(drill, "resolve");
        await DrainAsync();
        Assert.DoesNotContain(fixture.Sms.Requests, r => r.Body.Contains(drillPhone, StringComparison.Ordinal));
        Assert.False(await App.WithDb(db => db.SurveyInvitations.AnyAsync(s => s.IncidentId == drill)));
    }

    [Fact]
    public async Task A_survey_send_item_queued_before_the_outbox_is_sent_through_it_once()
    {
        await SmsChannelAsync();
        var serviceId = await App.ServiceAsync("survey legacy " + Guid.NewGuid().ToString("N")[..6]);
        var phone = "137" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var id = await DeclareAsync(serviceId, "Old queue", 10);
        await StepAsync(id, "resolve");
        await DrainAsync();
        // What the handler removed in 658971c left behind: an invitation and its own work item, no message.
        var invitationId = await App.WithDb(async db =>
        {
            var invitation = new Muster.Data.SurveyInvitation
            {
                IncidentId = id,
                ServiceId = serviceId,
                Channel = "sms",
                Address = phone,
                ReporterKey = Muster.Features.Surveys.SurveyWork.ReporterKey(phone),
                CreatedAt = App.Time.UtcNow,
                ExpiresAt = App.Time.UtcNow.AddDays(14),
            };
            db.SurveyInvitations.Add(invitation);
            db.WorkItems.Add(new Muster.Data.WorkItem { Kind = "survey-send", Key = $"survey-send:{invitation.Id}", Payload = invitation.Id, DueAt = App.Time.UtcNow, CreatedAt = App.Time.UtcNow });
            await db.SaveChangesAsync();
            return invitation.Id;
        });
        await DrainAsync();
        await DrainAsync();

        var sms = Assert.Single(fixture.Sms.Requests, r => r.Body.Contains(phone, StringComparison.Ordinal));
        Assert.Matches(SurveyLink(), sms.Body);
        Assert.Equal("sent", (await App.WithDb(db => db.SurveyInvitations.SingleAsync(s => s.Id == invitationId))).Status);
        Assert.Equal("sent", (await App.WithDb(db => db.Notifications.SingleAsync(n => n.SubjectId == invitationId && n.Kind == "survey"))).Status);
        Assert.False(await App.WithDb(db => db.WorkItems.AnyAsync(w => w.Kind == "survey-send")));
    }

    [Fact]
    public async Task A_reporter_who_left_only_an_email_is_asked_by_email_and_one_who_left_both_by_sms_once()
    {
        await SmsChannelAsync();
        var serviceId = await App.ServiceAsync("survey mail " + Guid.NewGuid().ToString("N")[..6]);
        var phone = "138" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mail = $"reader.{Guid.NewGuid():N}@example.com";
        var both = $"both.{Guid.NewGuid():N}@example.com";
        var id = await DeclareAsync(serviceId, "Kiosk screen dark", 10);
        await ReportAsync(serviceId, id, null, mail);
        await ReportAsync(serviceId, id, null, mail.ToUpperInvariant()); // the same reporter twice
        await ReportAsync(serviceId, id, phone, both);
        await StepAsync(id, "resolve");
        await DrainAsync();

        var invitation = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.OrdinalIgnoreCase));
        Assert.Matches(SurveyLink(), invitation.TextBody ?? invitation.HtmlBody ?? "");
        Assert.Single(fixture.Sms.Requests, r => r.Body.Contains(phone, StringComparison.Ordinal));
        // One invitation each: the address written twice is one reporter; the one who left both is asked by SMS only.
        var invitations = await App.WithDb(db => db.SurveyInvitations.Where(s => s.IncidentId == id).OrderBy(s => s.Channel).Select(s => new { s.Channel, s.Status, s.Address }).ToListAsync());
        Assert.Equal([("email", "sent", mail), ("sms", "sent", phone)], invitations.Select(i => (i.Channel, i.Status, i.Address!)));
    }

    [Fact]
    public async Task Running_a_drill_opens_a_drill_incident_pages_the_participants_marked_as_a_drill_and_times_each_stage()
    {
        var (participant, mail) = await PersonAsync("Drill Participant");
        var serviceId = await App.ServiceAsync("drill " + Guid.NewGuid().ToString("N")[..6]);
        var manager = App.Client(Role.Manager);
        Assert.Equal(HttpStatusCode.BadRequest, (await manager.PostJsonAsync("/api/v1/drills", new { name = "x", serviceId, level = "L9" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await manager.PostJsonAsync("/api/v1/drills", new { name = "x", serviceId, level = "L2", quarterly = new { monthOfQuarter = 4, day = 1 } })).StatusCode);
        var created = await manager.PostJsonAsync("/api/v1/drills", new
        {
            name = "Payment gateway down",
            serviceId,
            level = "L2",
            alerts = new[] { new { summary = "Payment success rate below 90%", labels = new Dictionary<string, string> { ["env"] = "prod" } } },
            reports = new[] { "Card rejected at kiosk" },
            participants = new[] { participant },
            quarterly = new { monthOfQuarter = 1, day = 15, at = "10:00" },
            reminderDays = 3,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var drill = await created.JsonAsync();
        var drillId = drill.GetProperty("id").GetString()!;
        var nextAt = drill.GetProperty("nextAt").GetDateTime().ToUniversalTime();
        Assert.True(nextAt > App.Time.UtcNow);
        Assert.Equal(2, TimeZoneInfo.ConvertTimeFromUtc(nextAt, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).AddHours(-8).Hour);

        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(Role.Responder).PostAsync($"/api/v1/drills/{drillId}/run", null)).StatusCode);
        var run = await manager.PostAsync($"/api/v1/drills/{drillId}/run", null);
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        var incident = await run.JsonAsync();
        Assert.True(incident.GetProperty("drill").GetBoolean());
        Assert.Equal("L2", incident.GetProperty("severity").GetProperty("level").GetString());
        var incidentId = incident.GetProperty("id").GetString()!;
        var runUrl = run.Headers.Location!.ToString();

        await DrainAsync();
        var message = await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal));
        Assert.Contains("[演练/DRILL]", message.Subject);
        Assert.Contains("[演练/DRILL]", message.TextBody);
        var timeline = (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync()).EnumerateArray().ToList();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "alert_attached" && e.GetProperty("note").GetString()!.Contains("env=prod", StringComparison.Ordinal));
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "note" && e.GetProperty("note").GetString()!.Contains("Card rejected at kiosk", StringComparison.Ordinal));
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "paged" && e.GetProperty("to").GetString() == "Drill Participant");

        // Acknowledged in 10 minutes (target 15: met); never assessed, restored after 100 minutes
        // (assess target 30: missed; restore target 240: met).
        App.Time.Advance(TimeSpan.FromMinutes(10));
        await StepAsync(incidentId, "acknowledge");
        // Confirming the impact (15 minutes from acknowledgement) is done 5 minutes later; telling customers (30 from declaration) never is.
        App.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await App.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{incidentId}/tasks/confirm-impact/done", new { })).StatusCode);
        App.Time.Advance(TimeSpan.FromMinutes(85));
        await StepAsync(incidentId, "resolve");
        var report = await (await App.Client(Role.Viewer).GetAsync(runUrl)).JsonAsync();
        var stages = report.GetProperty("stages").EnumerateArray().ToDictionary(s => s.GetProperty("stage").GetString()!);
        Assert.True(stages["acknowledge"].GetProperty("result").GetString() == "met", report.ToString());
        Assert.InRange(stages["acknowledge"].GetProperty("elapsedSeconds").GetInt64(), 600, 660);
        Assert.Equal(15, stages["acknowledge"].GetProperty("targetMinutes").GetInt32());
        Assert.Equal("missed", stages["assess"].GetProperty("result").GetString());
        Assert.Equal("met", stages["restore"].GetProperty("result").GetString());
        Assert.Equal("failed", report.GetProperty("result").GetString());
        var tasks = report.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!);
        Assert.Equal("met", tasks["confirm-impact"].GetProperty("result").GetString());
        Assert.InRange(tasks["confirm-impact"].GetProperty("takenSeconds").GetInt64(), 300, 360);
        Assert.NotEqual(JsonValueKind.Null, tasks["confirm-impact"].GetProperty("closedAt").ValueKind);
        Assert.Equal(("missed", "open"), (tasks["tell-customers"].GetProperty("result").GetString(), tasks["tell-customers"].GetProperty("state").GetString()));

        var finding = await App.Client(Role.Responder).PostJsonAsync(runUrl + "/findings", new { title = "Failover runbook out of date", ownerId = participant });
        Assert.Equal(HttpStatusCode.Created, finding.StatusCode);
        var register = (await (await App.Client(Role.Viewer).GetAsync("/api/v1/drills")).JsonAsync()).EnumerateArray().Single(d => d.GetProperty("id").GetString() == drillId);
        var last = register.GetProperty("runs")[0];
        Assert.Equal("failed", last.GetProperty("result").GetString());
        Assert.Equal(1, last.GetProperty("openFindings").GetInt32());
        Assert.Contains("Payment gateway down", await App.Client(Role.Viewer).GetStringAsync("/drills"));
        var reportPage = await App.Client(Role.Viewer).GetStringAsync(runUrl.Replace("/api/v1/drill-runs/", "/drills/runs/", StringComparison.Ordinal));
        Assert.Contains("Failover runbook out of date", reportPage);
        Assert.Contains("data-task=\"confirm-impact\" data-result=\"met\"", reportPage);
        Assert.Contains("data-task=\"tell-customers\" data-result=\"missed\"", reportPage);

        // Drills stay out of the real figures: no survey, no required review, not in the review list.
        Assert.False(await App.WithDb(db => db.SurveyInvitations.AnyAsync(s => s.IncidentId == incidentId)));
        Assert.Equal(HttpStatusCode.NotFound, (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/review")).StatusCode);

        // Three days before the next quarterly date, the participant is reminded.
        var before = await RemindersAsync(participant, "drill-reminder");
        var reminderAt = nextAt.AddDays(-3);
        if (App.Time.UtcNow < reminderAt)
            App.Time.Advance(reminderAt - App.Time.UtcNow);
        await DrainAsync();
        Assert.Equal(before + 1, await RemindersAsync(participant, "drill-reminder"));
        await fixture.Smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal) && (m.Subject ?? "").Contains("Payment gateway down", StringComparison.Ordinal));
        var after = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/drills/{drillId}")).JsonAsync();
        Assert.True(after.GetProperty("nextAt").GetDateTime().ToUniversalTime() >= nextAt);
    }
}
