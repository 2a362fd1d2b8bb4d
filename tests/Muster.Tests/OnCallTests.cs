using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muster.Domain.People;
using Muster.Features.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>
/// Schedules and escalation policies as a user manages them. The fake clock stands at
/// 2026-03-10 02:00 UTC, 10:00 in Shanghai, a Tuesday.
/// </summary>
public sealed partial class OnCallTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private const string Password = "correct horse battery";
    private readonly HttpClient manager = app.Client(Role.Manager);
    private readonly HttpClient viewer = app.Client(Role.Viewer);

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private sealed record People(string A, string B, string C, string Tag);

    private async Task<People> PeopleAsync()
    {
        var tag = Tag();
        var ids = new List<string>();
        foreach (var name in new[] { "An", "Bo", "Cui" })
            ids.Add(await app.WithDb(async db => (await PeopleEndpoints.CreateAsync(db,
                new PersonRequest($"{name.ToLowerInvariant()}-{tag}@example.com", $"{name} {tag}", Password: Password), null, app.Time.UtcNow)).Id));
        return new People(ids[0], ids[1], ids[2], tag);
    }

    /// <summary>Daily at 09:00 Shanghai from Monday 2026-03-09, two a shift: (a,b) Monday, (c,a) Tuesday, (b,c) Wednesday.</summary>
    private static object Rotation(People p, object? extra = null) => new
    {
        timeZone = "Asia/Shanghai",
        layers = new[]
        {
            new { name = "Duty", start = "2026-03-09T09:00:00", rotationUnit = "days", rotationLength = 1, members = new[] { p.A, p.B, p.C }, shiftSize = 2 },
        },
    };

    private async Task<(string Id, JsonElement Body)> ScheduleAsync(People p, string? calendarId = null, object? definition = null)
    {
        var response = await manager.PostJsonAsync("/api/v1/schedules", new { name = $"Duty {p.Tag}", calendarId, definition = definition ?? Rotation(p) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.JsonAsync();
        return (body.GetProperty("id").GetString()!, body);
    }

    private async Task<List<(string Id, string Role)>> OnCallAsync(string query) =>
        (await (await viewer.GetAsync($"/api/v1/oncall?{query}")).JsonAsync()).EnumerateArray()
            .Select(e => (e.GetProperty("personId").GetString()!, e.GetProperty("role").GetString()!)).ToList();

    [Fact]
    public async Task A_daily_rotation_of_three_two_a_shift_has_the_primary_and_backup_worked_out_by_hand()
    {
        var p = await PeopleAsync();
        var (id, body) = await ScheduleAsync(p);
        Assert.Empty(body.GetProperty("warnings").EnumerateArray());
        // Tuesday's turn (turn 1) starts at member 2: (c, a).
        Assert.Equal([(p.C, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));
        var now = (await (await viewer.GetAsync($"/api/v1/oncall?scheduleId={id}")).JsonAsync())[0];
        Assert.Equal($"Cui {p.Tag}", now.GetProperty("name").GetString());
        Assert.Equal(id, now.GetProperty("scheduleId").GetString());

        var shifts = await (await viewer.GetAsync($"/api/v1/schedules/{id}/shifts?from=2026-03-09T09:00&to=2026-03-12T09:00")).JsonAsync();
        Assert.Equal(3, shifts.GetArrayLength());
        Assert.Equal(p.B, shifts[2].GetProperty("people")[0].GetProperty("personId").GetString());
        Assert.Equal("2026-03-11T01:00:00Z", shifts[2].GetProperty("start").GetString());
    }

    [Fact]
    public async Task An_override_replaces_someone_and_can_be_removed()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        var response = await manager.PostJsonAsync($"/api/v1/schedules/{id}/overrides",
            new { startsAt = "2026-03-10T01:00:00Z", endsAt = "2026-03-10T05:00:00Z", kind = "replace", personId = p.B, replacesPersonId = p.C, reason = "Dentist" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var overrideId = (await response.JsonAsync()).GetProperty("id").GetString();
        Assert.Equal([(p.B, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));
        Assert.Single((await (await viewer.GetAsync($"/api/v1/schedules/{id}/overrides")).JsonAsync()).EnumerateArray());

        var bad = await manager.PostJsonAsync($"/api/v1/schedules/{id}/overrides",
            new { startsAt = "2026-03-10T05:00:00Z", endsAt = "2026-03-10T01:00:00Z", kind = "swap", personId = p.B });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("kind", out _));

        Assert.Equal(HttpStatusCode.NoContent, (await manager.DeleteAsync($"/api/v1/overrides/{overrideId}")).StatusCode);
        Assert.Equal([(p.C, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    private async Task<HttpClient> SignInAsync(string email)
    {
        var client = app.Client(null);
        var page = await client.GetStringAsync("/login");
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = Token().Match(page).Groups[1].Value,
            ["Form.Email"] = email,
            ["Form.Password"] = Password,
        }));
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.OK, response.StatusCode.ToString());
        return client;
    }

    [Fact]
    public async Task A_swap_requested_by_a_responder_and_approved_by_a_manager_changes_who_is_on_call()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        var cui = await SignInAsync($"cui-{p.Tag}@example.com");

        var byKey = await manager.PostJsonAsync($"/api/v1/schedules/{id}/swaps", new { withPersonId = p.B, startsAt = "2026-03-10T01:00:00Z", endsAt = "2026-03-11T01:00:00Z" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, byKey.StatusCode);
        var notMine = await cui.PostJsonAsync($"/api/v1/schedules/{id}/swaps", new { withPersonId = p.B, startsAt = "2026-03-12T01:00:00Z", endsAt = "2026-03-13T01:00:00Z" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notMine.StatusCode);

        var asked = await cui.PostJsonAsync($"/api/v1/schedules/{id}/swaps",
            new { withPersonId = p.B, startsAt = "2026-03-10T01:00:00Z", endsAt = "2026-03-11T01:00:00Z", reason = "Exam" });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var swap = await asked.JsonAsync();
        Assert.Equal(p.C, swap.GetProperty("requestedBy").GetString());
        Assert.Equal("pending", swap.GetProperty("status").GetString());
        var swapId = swap.GetProperty("id").GetString();
        Assert.Contains((await (await viewer.GetAsync("/api/v1/swaps")).JsonAsync()).EnumerateArray(), s => s.GetProperty("id").GetString() == swapId);
        Assert.Equal([(p.C, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));

        Assert.Equal(HttpStatusCode.Forbidden, (await cui.PostAsync($"/api/v1/swaps/{swapId}/approve", null)).StatusCode);
        var approved = await manager.PostAsync($"/api/v1/swaps/{swapId}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("approved", (await approved.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal([(p.B, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));
        Assert.Equal(HttpStatusCode.Conflict, (await manager.PostAsync($"/api/v1/swaps/{swapId}/reject", null)).StatusCode);
    }

    [Fact]
    public async Task A_service_whose_policy_pages_the_schedule_has_its_people_on_call()
    {
        var p = await PeopleAsync();
        var (scheduleId, _) = await ScheduleAsync(p);
        var created = await manager.PostJsonAsync("/api/v1/escalation-policies", new
        {
            name = $"Payments {p.Tag}",
            definition = new { steps = new object[] { new { delayMinutes = 5, targets = new[] { new { type = "schedule", id = scheduleId } } }, new { delayMinutes = 10, targets = new[] { new { type = "person", id = p.B } } } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var policyId = (await created.JsonAsync()).GetProperty("id").GetString();
        var serviceName = $"Payments {p.Tag}";
        var serviceId = await app.ServiceAsync(serviceName);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await manager.PutAsync($"/api/v1/services/{serviceId}",
            JsonContent(new { name = serviceName, escalationPolicyId = "nope" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.PutAsync($"/api/v1/services/{serviceId}", JsonContent(new { name = serviceName, escalationPolicyId = policyId }))).StatusCode);

        var now = await (await viewer.GetAsync($"/api/v1/oncall?serviceId={serviceId}")).JsonAsync();
        Assert.Equal([(p.C, "primary"), (p.A, "backup")],
            now.EnumerateArray().Select(e => (e.GetProperty("personId").GetString()!, e.GetProperty("role").GetString()!)).ToList());
        Assert.Equal(scheduleId, now[0].GetProperty("scheduleId").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/oncall")).StatusCode);
        var both = await (await viewer.GetAsync($"/api/v1/oncall?serviceId={serviceId}&scheduleId={scheduleId}")).JsonAsync();
        Assert.True(both.GetProperty("errors").TryGetProperty("serviceId", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/api/v1/oncall?serviceId=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/api/v1/oncall?scheduleId=nope")).StatusCode);

        var refused = await manager.DeleteAsync($"/api/v1/escalation-policies/{policyId}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(serviceName, await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await manager.DeleteAsync($"/api/v1/schedules/{scheduleId}")).StatusCode);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body, MusterFactory.Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Invalid_definitions_and_unknown_targets_are_refused_with_their_paths()
    {
        var p = await PeopleAsync();
        var bad = await manager.PostJsonAsync("/api/v1/schedules", new
        {
            name = "Bad",
            definition = new
            {
                timeZone = "Mars/Olympus",
                layers = new[] { new { name = "Duty", start = "2026-03-09T09:00:00", rotationUnit = "days", rotationLength = 1, members = new[] { p.A, "ghost" }, shiftSize = 0 } },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("definition.timeZone", out _));
        Assert.True(errors.TryGetProperty("definition.layers[0].shiftSize", out _));
        Assert.Contains("ghost", errors.GetProperty("definition.layers[0].members[1]")[0].GetString());

        var policy = await manager.PostJsonAsync("/api/v1/escalation-policies", new
        {
            name = $"Unknown {p.Tag}",
            definition = new { steps = new object[] { new { delayMinutes = 5, targets = new[] { new { type = "person", id = p.A } } }, new { delayMinutes = 5, targets = new[] { new { type = "team", id = "nobody-team" } } } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, policy.StatusCode);
        Assert.Contains("nobody-team", (await policy.JsonAsync()).GetProperty("errors").GetProperty("definition.steps[1].targets[0]")[0].GetString());
    }

    [Fact]
    public async Task Gaps_are_warnings_on_the_schedule_and_on_a_policy_that_pages_it()
    {
        var p = await PeopleAsync();
        var office = new
        {
            timeZone = "Asia/Shanghai",
            layers = new[] { new { name = "Office", start = "2026-03-09T09:00:00", members = new[] { p.A }, restrictions = new[] { new { days = Array.Empty<string>(), from = "09:00", to = "18:00" } } } },
        };
        var (id, body) = await ScheduleAsync(p, definition: office);
        var warning = body.GetProperty("warnings")[0];
        Assert.Equal("definition", warning.GetProperty("path").GetString());
        // Now is 10:00 on Tuesday; the first gap is that evening.
        Assert.Contains("2026-03-10 18:00", warning.GetProperty("message").GetString());

        var policy = await (await manager.PostJsonAsync("/api/v1/escalation-policies", new
        {
            name = $"Office {p.Tag}",
            definition = new { steps = new[] { new { delayMinutes = 5, targets = new[] { new { type = "schedule", id } } } } },
        })).JsonAsync();
        Assert.Contains(policy.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("path").GetString() == "definition.steps[0].targets[0]");
    }

    [Fact]
    public async Task The_calendar_feeds_are_icalendar_with_an_event_per_shift()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        var response = await viewer.GetAsync($"/api/v1/schedules/{id}/calendar.ics");
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var ics = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", ics);
        Assert.EndsWith("END:VCALENDAR\r\n", ics);
        Assert.DoesNotContain("\n", ics.Replace("\r\n", ""));
        Assert.All(ics.Split("\r\n"), line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 75, line));
        // From the first handoff (2026-03-09 01:00 UTC, within the week behind) to 60 days after now: 61 whole days and the hour into the 62nd.
        Assert.Equal(62, Regex.Count(ics, "BEGIN:VEVENT"));
        Assert.Contains("DTSTART:20260310T010000Z\r\nDTEND:20260311T010000Z\r\nSUMMARY:Duty " + p.Tag + ": Cui " + p.Tag + " (primary)\\, An " + p.Tag + " (backup)",
            ics);
        Assert.Equal(ics, await viewer.GetStringAsync($"/api/v1/schedules/{id}/calendar.ics"));

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/people/{p.A}/calendar-token", null)).StatusCode);
        var url = (await (await manager.PostAsync($"/api/v1/people/{p.A}/calendar-token", null)).JsonAsync()).GetProperty("url").GetString()!;
        Assert.Equal(url, (await (await manager.PostAsync($"/api/v1/people/{p.A}/calendar-token", null)).JsonAsync()).GetProperty("url").GetString());
        var feed = await app.Client(null).GetStringAsync(new Uri(url).AbsolutePath);
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", feed);
        // An is on call two turns in three, primary then backup, so each turn is an event of its own.
        Assert.Contains("DTSTART:20260309T010000Z\r\nDTEND:20260310T010000Z\r\nSUMMARY:Duty " + p.Tag + ": primary", feed);
        Assert.Contains("DTSTART:20260310T010000Z\r\nDTEND:20260311T010000Z\r\nSUMMARY:Duty " + p.Tag + ": backup", feed);
        Assert.DoesNotContain("DTSTART:20260311T010000Z", feed);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client(null).GetAsync("/calendar/not-a-token.ics")).StatusCode);
    }

    [Fact]
    public async Task The_hours_csv_has_a_bom_headers_in_the_users_language_and_the_hours_worked_out_by_hand()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        // Monday's turn exactly: An and Bo, 24 hours each, 10 of them at night (22:00–08:00), none on a holiday.
        var bytes = await viewer.GetByteArrayAsync($"/api/v1/schedules/{id}/hours.csv?from=2026-03-09T09:00&to=2026-03-10T09:00");
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Person,Person id,Hours on call,Night hours,Holiday hours", lines[0]);
        Assert.Equal([$"An {p.Tag},{p.A},24,10,0", $"Bo {p.Tag},{p.B},24,10,0"], lines[1..]);

        var zh = Encoding.UTF8.GetString(await app.Client(Role.Viewer, "zh-CN").GetByteArrayAsync($"/api/v1/schedules/{id}/hours.csv?from=2026-03-09&to=2026-03-10"));
        Assert.Contains("值班小时数", zh);
        var all = await viewer.GetStringAsync("/api/v1/oncall/hours.csv?from=2026-03-09T09:00&to=2026-03-10T09:00");
        Assert.Contains($"An {p.Tag},{p.A},24,10,0", all);
    }

    [Fact]
    public async Task After_importing_chinas_2026_calendar_a_working_days_layer_skips_national_day()
    {
        var imported = await manager.PostAsync("/api/v1/calendars/import-china?year=2026", null);
        Assert.True(imported.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK);
        var calendar = await imported.JsonAsync();
        Assert.True(calendar.GetProperty("holidays").GetInt32() > 20);
        Assert.Equal(HttpStatusCode.OK, (await manager.PostAsync("/api/v1/calendars/import-china?year=2026", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await manager.PostAsync("/api/v1/calendars/import-china?year=1999", null)).StatusCode);

        var p = await PeopleAsync();
        var workingDays = new
        {
            timeZone = "Asia/Shanghai",
            layers = new[] { new { name = "Office", start = "2026-09-28T00:00:00", members = new[] { p.A }, days = "workingDays" } },
        };
        var (id, _) = await ScheduleAsync(p, calendar.GetProperty("id").GetString(), workingDays);
        var wednesday = await (await viewer.GetAsync($"/api/v1/schedules/{id}/shifts?from=2026-09-30&to=2026-10-01")).JsonAsync();
        Assert.All(wednesday.EnumerateArray(), s => Assert.Equal(p.A, s.GetProperty("people")[0].GetProperty("personId").GetString()));
        var nationalDay = await (await viewer.GetAsync($"/api/v1/schedules/{id}/shifts?from=2026-10-01&to=2026-10-02")).JsonAsync();
        Assert.All(nationalDay.EnumerateArray(), s => Assert.Empty(s.GetProperty("people").EnumerateArray()));

        var pasted = await manager.PostJsonAsync("/api/v1/calendars", new { name = $"Bad {p.Tag}", entries = "date,kind,name\n2026-13-01,holiday,Nope\n2026-05-01,party,May Day" });
        Assert.Equal(HttpStatusCode.BadRequest, pasted.StatusCode);
        var messages = (await pasted.JsonAsync()).GetProperty("errors").GetProperty("entries").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(messages, m => m!.StartsWith("line 2:"));
        Assert.Contains(messages, m => m!.StartsWith("line 3:"));
    }

    [Fact]
    public async Task The_pages_show_schedules_and_policies_to_a_viewer_and_take_a_managers_forms()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        var list = await viewer.GetStringAsync("/schedules");
        Assert.Contains($"Duty {p.Tag}", list);
        Assert.Contains($"Cui {p.Tag}", list);
        var detail = await viewer.GetStringAsync($"/schedules/{id}");
        Assert.Contains($"An {p.Tag}", detail);
        Assert.Contains($"/api/v1/schedules/{id}/calendar.ics", detail);
        Assert.DoesNotContain("schedule-edit", detail);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/escalation-policies")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/calendars")).StatusCode);

        var page = await manager.GetStringAsync("/schedules");
        var name = $"Made on the page {p.Tag}";
        var created = await manager.PostAsync("/schedules", new FormUrlEncodedContent(new List<KeyValuePair<string, string>>
        {
            new("_handler", "schedule-create"),
            new("__RequestVerificationToken", Token().Match(page).Groups[1].Value),
            new("NewSchedule.Name", name),
            new("NewSchedule.TimeZone", "Asia/Shanghai"),
            new("NewSchedule.StartDate", "2026-03-09"),
            new("NewSchedule.HandoffTime", "09:00"),
            new("NewSchedule.RotationUnit", "days"),
            new("NewSchedule.RotationLength", "1"),
            new("NewSchedule.ShiftSize", "2"),
            new("NewSchedule.Members", p.A),
            new("NewSchedule.Members", p.B),
            new("NewSchedule.Members", p.C),
        }));
        Assert.True(created.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, await created.Content.ReadAsStringAsync());
        var schedules = await (await viewer.GetAsync("/api/v1/schedules")).JsonAsync();
        var made = schedules.EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
        Assert.Equal([(p.C, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={made.GetProperty("id").GetString()}"));

        var policies = await manager.GetStringAsync("/escalation-policies");
        var policyName = $"From the page {p.Tag}";
        var policy = await manager.PostAsync("/escalation-policies", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "policy-create",
            ["__RequestVerificationToken"] = Token().Match(policies).Groups[1].Value,
            ["NewPolicy.Name"] = policyName,
            ["NewPolicy.Target"] = $"schedule:{id}",
            ["NewPolicy.Delay"] = "5",
        }));
        Assert.True(policy.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, await policy.Content.ReadAsStringAsync());
        var policyPage = await viewer.GetStringAsync(policy.Headers.Location!.ToString());
        Assert.Contains(policyName, policyPage);
        Assert.Contains($"Duty {p.Tag}", policyPage);
    }
}
