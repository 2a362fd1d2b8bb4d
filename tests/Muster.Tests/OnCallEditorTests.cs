using System.Net;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>
/// Editing schedules and calendars as a manager does on the pages, without JSON. The fake clock
/// stands at 2026-03-10 02:00 UTC, 10:00 in Shanghai, a Tuesday.
/// </summary>
public sealed partial class OnCallTests
{
    private async Task<List<(string Start, string End, List<string> People)>> ShiftsAsync(string id, string from, string to) =>
        (await (await viewer.GetAsync($"/api/v1/schedules/{id}/shifts?from={from}&to={to}")).JsonAsync()).EnumerateArray()
            .Select(s => (s.GetProperty("start").GetString()!, s.GetProperty("end").GetString()!,
                s.GetProperty("people").EnumerateArray().Select(x => x.GetProperty("personId").GetString()!).ToList()))
            .ToList();

    private async Task<HttpResponseMessage> PostEditorAsync(string id, string op, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await manager.GetStringAsync($"/schedules/{id}");
        return await manager.PostAsync($"/schedules/{id}", new FormUrlEncodedContent(new List<KeyValuePair<string, string>>
        {
            new("_handler", "schedule-layers"),
            new("__RequestVerificationToken", Token().Match(page).Groups[1].Value),
            new("Op", op),
        }.Concat(fields)));
    }

    /// <summary>The editor's fields for a base daily rotation (layer 0) and, when given, a night layer on top.</summary>
    private static List<KeyValuePair<string, string>> EditorFields(People p, string name, string firstStart, string[] baseMembers, string? nightMember)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Schedule.Name", name), new("Schedule.TimeZone", "Asia/Shanghai"), new("Schedule.TeamId", ""), new("Schedule.CalendarId", ""),
            new("LayerCount", nightMember is null ? "1" : "2"),
            new("Layer[0].Name", "Duty"), new("Layer[0].Start", firstStart), new("Layer[0].Unit", "days"), new("Layer[0].Length", "1"),
            new("Layer[0].ShiftSize", "1"), new("Layer[0].Days", "all"), new("Layer[0].RCount", "1"),
            new("Layer[0].R[0].From", ""), new("Layer[0].R[0].To", ""),
        };
        fields.AddRange(baseMembers.Select(m => new KeyValuePair<string, string>("Layer[0].Member", m)));
        fields.Add(new("Layer[0].Member", "")); // the blank "add someone" choice is left out
        if (nightMember is not null)
            fields.AddRange(
            [
                new("Layer[1].Name", "Nights"), new("Layer[1].Start", "2026-03-09T18:00"), new("Layer[1].Unit", "weeks"), new("Layer[1].Length", "1"),
                new("Layer[1].ShiftSize", "1"), new("Layer[1].Days", "all"), new("Layer[1].Member", nightMember), new("Layer[1].RCount", "2"),
                new("Layer[1].R[0].From", "18:00"), new("Layer[1].R[0].To", "08:00"),
                new("Layer[1].R[1].From", ""), new("Layer[1].R[1].To", ""),
            ]);
        return fields;
    }

    [Fact]
    public async Task A_manager_edits_a_schedule_layer_by_layer_on_its_page_with_people_chosen_by_name_in_order()
    {
        var p = await PeopleAsync();
        var (id, _) = await ScheduleAsync(p);
        var page = await manager.GetStringAsync($"/schedules/{id}");
        Assert.Contains("name=\"Layer[0].Start\" value=\"2026-03-09T09:00\"", page);
        Assert.Contains($"<option value=\"{p.C}\" selected", page); // the third member, chosen by name

        // "Add a layer" changes nothing yet: the page comes back with a second, empty layer.
        var added = await PostEditorAsync(id, "add-layer", EditorFields(p, $"Duty {p.Tag}", "2026-03-09T09:00", [p.A, p.B, p.C], null));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var addedPage = await added.Content.ReadAsStringAsync();
        Assert.Contains("name=\"Layer[1].Name\" value=\"Layer 2\"", addedPage);
        Assert.Equal([(p.C, "primary"), (p.A, "backup")], await OnCallAsync($"scheduleId={id}"));

        // Save: Bo then An by day, one a shift, and Cui on nights (18:00 to 08:00) on top.
        var saved = await PostEditorAsync(id, "save", EditorFields(p, $"Edited {p.Tag}", "2026-03-09T09:00", [p.B, p.A], p.C));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var schedule = await (await viewer.GetAsync($"/api/v1/schedules/{id}")).JsonAsync();
        Assert.Equal($"Edited {p.Tag}", schedule.GetProperty("name").GetString());
        var layers = schedule.GetProperty("definition").GetProperty("layers");
        Assert.Equal([p.B, p.A], layers[0].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        // Tuesday 10:00: the base layer's turn 1 is An's until Wednesday 09:00; from 18:00 (10:00 UTC) to 08:00 the night layer's Cui is on top.
        Assert.Equal([(p.A, "primary")], await OnCallAsync($"scheduleId={id}"));
        var tuesday = await ShiftsAsync(id, "2026-03-10T09:00", "2026-03-11T09:00");
        Assert.Equal([$"2026-03-10T01:00:00Z–2026-03-10T10:00:00Z {p.A}", $"2026-03-10T10:00:00Z–2026-03-11T00:00:00Z {p.C}",
            $"2026-03-11T00:00:00Z–2026-03-11T01:00:00Z {p.A}"], tuesday.Select(s => $"{s.Start}–{s.End} {string.Join(",", s.People)}"));
        var audit = await (await app.Client(Role.Admin).GetAsync("/api/v1/audit?entityType=schedule")).JsonAsync();
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("entityId").GetString() == id && e.GetProperty("action").GetString() == "schedule.updated");

        // A first handoff that is not a time: the page says where, keeps what was typed, and saves nothing.
        var bad = await PostEditorAsync(id, "save", EditorFields(p, $"Broken {p.Tag}", "next monday", [p.A], null));
        var badPage = await bad.Content.ReadAsStringAsync();
        Assert.Contains("Enter the first handoff as a date and time", badPage);
        Assert.Contains($"value=\"Broken {p.Tag}\"", badPage);
        Assert.Equal($"Edited {p.Tag}", (await (await viewer.GetAsync($"/api/v1/schedules/{id}")).JsonAsync()).GetProperty("name").GetString());

        // Removing the night layer and saving leaves the base rotation alone.
        var removed = await PostEditorAsync(id, "remove-1", EditorFields(p, $"Edited {p.Tag}", "2026-03-09T09:00", [p.B, p.A], p.C));
        Assert.DoesNotContain("name=\"Layer[1].Name\"", await removed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_calendar_is_corrected_in_place_and_cannot_be_deleted_while_a_schedule_follows_it()
    {
        var name = $"Campus {Tag()}";
        var created = await manager.PostJsonAsync("/api/v1/calendars", new { name, entries = "date,kind,name\n2026-03-11,holiday,Sports day\n" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var calendarId = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var p = await PeopleAsync();
        var office = new
        {
            timeZone = "Asia/Shanghai",
            layers = new[] { new { name = "Office", start = "2026-03-09T00:00:00", members = new[] { p.A }, days = "workingDays" } },
        };
        var (id, _) = await ScheduleAsync(p, calendarId, office);
        // A day nobody is on call is a shift with nobody in it.
        Assert.All(await ShiftsAsync(id, "2026-03-11", "2026-03-12"), s => Assert.Empty(s.People));

        // Sports day moved to Thursday: Wednesday is a working day again, Thursday is not.
        var moved = await manager.PutJsonAsync($"/api/v1/calendars/{calendarId}", new { name, entries = "date,kind,name\n2026-03-12,holiday,Sports day\n" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(1, (await moved.JsonAsync()).GetProperty("holidays").GetInt32());
        Assert.Contains(await ShiftsAsync(id, "2026-03-11", "2026-03-12"), s => s.People.SequenceEqual([p.A]));
        Assert.All(await ShiftsAsync(id, "2026-03-12", "2026-03-13"), s => Assert.Empty(s.People));

        var bad = await manager.PutJsonAsync($"/api/v1/calendars/{calendarId}", new { name, entries = "date,kind,name\n2026-02-30,holiday,Nope\n" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("line 2:", (await bad.JsonAsync()).GetProperty("errors").GetProperty("entries")[0].GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/v1/calendars/{calendarId}")).StatusCode);

        var refused = await manager.DeleteAsync($"/api/v1/calendars/{calendarId}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains($"Duty {p.Tag}", (await refused.JsonAsync()).GetProperty("errors").GetProperty("id")[0].GetString());

        Assert.Equal(HttpStatusCode.OK, (await manager.PutJsonAsync($"/api/v1/schedules/{id}", new { name = $"Duty {p.Tag}", definition = office })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await manager.DeleteAsync($"/api/v1/calendars/{calendarId}")).StatusCode);
        Assert.DoesNotContain((await (await viewer.GetAsync("/api/v1/calendars")).JsonAsync()).EnumerateArray(), c => c.GetProperty("id").GetString() == calendarId);
    }

    [Fact]
    public async Task A_manager_builds_an_escalation_policy_step_by_step_choosing_schedules_and_people_by_name()
    {
        var p = await PeopleAsync();
        var (scheduleId, _) = await ScheduleAsync(p);
        var created = await manager.PostJsonAsync("/api/v1/escalation-policies", new
        {
            name = $"Kiosks {p.Tag}",
            definition = new { steps = new[] { new { delayMinutes = 5, targets = new[] { new { type = "schedule", id = scheduleId } } } } },
        });
        var id = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var page = await manager.GetStringAsync($"/escalation-policies/{id}");
        Assert.Contains($"<option value=\"schedule:{scheduleId}\" selected", page);

        async Task<HttpResponseMessage> PostAsync(string op, params (string Key, string Value)[] fields)
        {
            var form = await manager.GetStringAsync($"/escalation-policies/{id}");
            return await manager.PostAsync($"/escalation-policies/{id}", new FormUrlEncodedContent(
                new[] { ("_handler", "policy-steps"), ("__RequestVerificationToken", Token().Match(form).Groups[1].Value), ("Op", op) }.Concat(fields)
                    .Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));
        }
        (string, string)[] Steps(string secondTarget) =>
        [
            ("Policy.Name", $"Kiosks {p.Tag}"), ("Policy.RepeatCount", "2"), ("Policy.RepeatFromStep", "2"), ("Policy.ReescalateAfterMinutes", "30"),
            ("StepCount", "2"),
            ("Step[0].Target", $"schedule:{scheduleId}"), ("Step[0].Target", ""), ("Step[0].RequireAll", "true"), ("Step[0].Delay", "5"),
            ("Step[1].Target", secondTarget), ("Step[1].Target", ""), ("Step[1].Delay", "10"),
        ];

        var added = await (await PostAsync("add-step", Steps(""))).Content.ReadAsStringAsync();
        Assert.Contains("name=\"Step[1].Delay\"", added);

        // A step that pages nobody is named, and nothing is saved.
        var empty = await (await PostAsync("save", Steps(""))).Content.ReadAsStringAsync();
        Assert.Contains("Step 2 pages no one", empty);
        Assert.Single((await (await viewer.GetAsync($"/api/v1/escalation-policies/{id}")).JsonAsync()).GetProperty("definition").GetProperty("steps").EnumerateArray());

        // Step 1: everyone on shift must acknowledge; step 2: Bo after 5 minutes; twice more from step 2; again after 30 minutes untouched.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("save", Steps($"person:{p.B}"))).StatusCode);
        var definition = (await (await viewer.GetAsync($"/api/v1/escalation-policies/{id}")).JsonAsync()).GetProperty("definition");
        var steps = definition.GetProperty("steps");
        Assert.Equal(2, steps.GetArrayLength());
        Assert.True(steps[0].GetProperty("requireAll").GetBoolean());
        Assert.False(steps[1].GetProperty("requireAll").GetBoolean());
        Assert.Equal(("person", p.B), (steps[1].GetProperty("targets")[0].GetProperty("type").GetString(), steps[1].GetProperty("targets")[0].GetProperty("id").GetString()));
        Assert.Equal((2, 2, 30), (definition.GetProperty("repeatCount").GetInt32(), definition.GetProperty("repeatFromStep").GetInt32(),
            definition.GetProperty("reescalateAfterMinutes").GetInt32()));

        // Moving Bo first changes only the form until it is saved.
        var moved = await (await PostAsync("up-1", Steps($"person:{p.B}"))).Content.ReadAsStringAsync();
        Assert.True(moved.IndexOf($"value=\"person:{p.B}\" selected", StringComparison.Ordinal) < moved.IndexOf($"value=\"schedule:{scheduleId}\" selected", StringComparison.Ordinal));
        Assert.Equal("schedule", (await (await viewer.GetAsync($"/api/v1/escalation-policies/{id}")).JsonAsync())
            .GetProperty("definition").GetProperty("steps")[0].GetProperty("targets")[0].GetProperty("type").GetString());
    }
}
