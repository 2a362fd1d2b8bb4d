using System.Net;
using System.Text.Json;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

public sealed class IncidentApiTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient responder = app.Client(Role.Responder);

    private async Task<JsonElement> DeclareAsync(object body)
    {
        var response = await responder.PostJsonAsync("/api/v1/incidents", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Declaring_classifies_by_the_plan_and_starts_the_clocks()
    {
        var serviceId = await app.ServiceAsync("Payments API " + Guid.NewGuid());

        var incident = await DeclareAsync(new { title = "Payments failing", serviceId, impact = new { affectedUsers = 12_000 } });

        Assert.Matches("^INC-\\d{4,}$", incident.GetProperty("number").GetString());
        Assert.Equal("triggered", incident.GetProperty("status").GetString());
        Assert.Equal("L1", incident.GetProperty("severity").GetProperty("level").GetString());
        Assert.Equal(1, incident.GetProperty("severity").GetProperty("rank").GetInt32());
        Assert.Equal("Level 1", incident.GetProperty("severity").GetProperty("name").GetString());
        var clocks = incident.GetProperty("clocks").EnumerateArray().ToDictionary(c => c.GetProperty("stage").GetString()!);
        Assert.Equal(["acknowledge", "assess", "repair", "restore", "verify"], clocks.Keys);
        // The default plan gives level 1 five minutes to acknowledge, from the moment Muster learned of it.
        Assert.Equal(app.Time.UtcNow.AddMinutes(5), clocks["acknowledge"].GetProperty("deadline").GetDateTime());
        Assert.Equal("running", clocks["acknowledge"].GetProperty("state").GetString());
        Assert.Equal("pending", clocks["verify"].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, clocks["verify"].GetProperty("deadline").ValueKind);
    }

    [Fact]
    public async Task Numbers_are_readable_and_consecutive()
    {
        var serviceId = await app.ServiceAsync("Numbers " + Guid.NewGuid());
        var first = await DeclareAsync(new { title = "one", serviceId });
        var second = await DeclareAsync(new { title = "two", serviceId });
        var n1 = int.Parse(first.GetProperty("number").GetString()![4..]);
        Assert.Equal($"INC-{n1 + 1}", second.GetProperty("number").GetString());

        var byNumber = await responder.GetAsync($"/api/v1/incidents/{second.GetProperty("number").GetString()}");
        Assert.Equal(second.GetProperty("id").GetString(), (await byNumber.JsonAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_incident_is_worked_from_declaration_to_close_and_every_step_is_in_the_timeline()
    {
        var serviceId = await app.ServiceAsync("Kiosks " + Guid.NewGuid());
        var incident = await DeclareAsync(new { title = "Kiosk 3 no receipt", serviceId, impact = new { condition = "partial" } });
        var id = incident.GetProperty("id").GetString();

        foreach (var step in new[] { "acknowledge", "investigate", "repair", "mitigate", "resolve", "verify", "close" })
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            var response = await responder.PostJsonAsync($"/api/v1/incidents/{id}/{step}", new { note = $"did {step}" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await responder.PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "customer informed" });

        var final = await (await responder.GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        Assert.Equal("closed", final.GetProperty("status").GetString());
        Assert.All(final.GetProperty("clocks").EnumerateArray(), c => Assert.Equal("met", c.GetProperty("state").GetString()));

        // The plan's response (roles, tasks) has its own tests; this one follows the status.
        var timeline = (await (await responder.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray()
            .Where(e => !Domain.Incidents.TimelineKinds.Response.Contains(e.GetProperty("kind").GetString()!)).ToList();
        Assert.Equal(["declared", "status_changed", "status_changed", "status_changed", "status_changed", "status_changed", "status_changed", "status_changed", "note"],
            timeline.Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(["acknowledged", "investigating", "repairing", "mitigated", "resolved", "verified", "closed"],
            timeline.Where(e => e.GetProperty("kind").GetString() == "status_changed").Select(e => e.GetProperty("to").GetString()));
        Assert.All(timeline, e => Assert.Equal("API key test Responder", e.GetProperty("actor").GetString()));
        Assert.Equal("did acknowledge", timeline[1].GetProperty("note").GetString());
        Assert.Equal("Status triggered → acknowledged", timeline[1].GetProperty("text").GetString());
        var times = timeline.Select(e => e.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public async Task Forward_steps_may_skip_and_skipped_stages_say_so()
    {
        var serviceId = await app.ServiceAsync("Skips " + Guid.NewGuid());
        var id = (await DeclareAsync(new { title = "alert resolved itself", serviceId })).GetProperty("id").GetString();

        var resolved = await (await responder.PostJsonAsync($"/api/v1/incidents/{id}/resolve", new { })).JsonAsync();

        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        var states = resolved.GetProperty("clocks").EnumerateArray().ToDictionary(c => c.GetProperty("stage").GetString()!, c => c.GetProperty("state").GetString());
        Assert.Equal("skipped", states["acknowledge"]);
        Assert.Equal("skipped", states["assess"]);
        Assert.Equal("skipped", states["repair"]);
        Assert.Equal("met", states["restore"]);
        Assert.Equal("running", states["verify"]);
    }

    [Fact]
    public async Task Going_back_is_only_by_reopen()
    {
        var serviceId = await app.ServiceAsync("Reopen " + Guid.NewGuid());
        var id = (await DeclareAsync(new { title = "flapping", serviceId })).GetProperty("id").GetString();
        await responder.PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", new { });
        await responder.PostJsonAsync($"/api/v1/incidents/{id}/resolve", new { });

        var back = await responder.PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", new { });
        Assert.Equal(HttpStatusCode.Conflict, back.StatusCode);

        var reopened = await (await responder.PostJsonAsync($"/api/v1/incidents/{id}/reopen", new { note = "came back" })).JsonAsync();
        Assert.Equal("acknowledged", reopened.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("resolvedAt").ValueKind);
    }

    [Fact]
    public async Task Impact_changes_raise_the_level_but_never_lower_it()
    {
        var serviceId = await app.ServiceAsync("Impact " + Guid.NewGuid());
        var id = (await DeclareAsync(new { title = "slow payments", serviceId, impact = new { affectedUsers = 500 } })).GetProperty("id").GetString();

        var raised = await (await responder.PatchAsync($"/api/v1/incidents/{id}/impact", JsonContent(new { affectedUsers = 5_000 }))).JsonAsync();
        Assert.Equal("L2", raised.GetProperty("severity").GetProperty("level").GetString());

        var notLowered = await (await responder.PatchAsync($"/api/v1/incidents/{id}/impact", JsonContent(new { affectedUsers = 100 }))).JsonAsync();
        Assert.Equal("L2", notLowered.GetProperty("severity").GetProperty("level").GetString());
        Assert.Equal("L3", notLowered.GetProperty("suggestedLevel").GetString());

        var noReason = await responder.PutAsync($"/api/v1/incidents/{id}/severity", JsonContent(new { level = "L3" }));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await noReason.JsonAsync()).GetProperty("errors").TryGetProperty("reason", out _));

        var lowered = await (await responder.PutAsync($"/api/v1/incidents/{id}/severity", JsonContent(new { level = "L3", reason = "only 100 users after all" }))).JsonAsync();
        Assert.Equal("L3", lowered.GetProperty("severity").GetProperty("level").GetString());

        var kinds = (await (await responder.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray()
            .Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("severity_raised", kinds);
        Assert.Contains("severity_changed", kinds);
    }

    [Fact]
    public async Task The_list_filters_by_status_severity_service_text_period_and_drill_and_pages()
    {
        var serviceA = await app.ServiceAsync("List A " + Guid.NewGuid());
        var serviceB = await app.ServiceAsync("List B " + Guid.NewGuid());
        var tag = Guid.NewGuid().ToString("N")[..8];
        var a1 = await DeclareAsync(new { title = $"{tag} 支付失败 big", serviceId = serviceA, impact = new { affectedUsers = 20_000 } });
        await DeclareAsync(new { title = $"{tag} small", serviceId = serviceA, description = "needle in the description" });
        var b1 = await DeclareAsync(new { title = $"{tag} drill", serviceId = serviceB, drill = true });
        await responder.PostJsonAsync($"/api/v1/incidents/{b1.GetProperty("id").GetString()}/resolve", new { });

        async Task<List<string>> Titles(string query)
        {
            var page = await (await responder.GetAsync($"/api/v1/incidents?q={tag}&{query}")).JsonAsync();
            var titles = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()!).ToList();
            Assert.Equal(titles.Count, page.GetProperty("total").GetInt32());
            return titles;
        }

        Assert.Equal(3, (await Titles("")).Count);
        Assert.Equal([$"{tag} 支付失败 big"], await Titles("severity=1"));
        Assert.Equal([$"{tag} 支付失败 big"], await Titles("severity=L1"));
        Assert.Equal(2, (await Titles($"serviceId={serviceA}")).Count);
        Assert.Equal([$"{tag} drill"], await Titles("status=resolved"));
        Assert.Equal(2, (await Titles("status=open")).Count);
        Assert.Equal([$"{tag} drill"], await Titles("drill=true"));
        var needle = await (await responder.GetAsync("/api/v1/incidents?q=NEEDLE IN THE")).JsonAsync();
        Assert.Equal($"{tag} small", needle.GetProperty("items")[0].GetProperty("title").GetString());
        var chinese = await (await responder.GetAsync("/api/v1/incidents?q=支付失败")).JsonAsync();
        Assert.Contains(chinese.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == a1.GetProperty("id").GetString());

        var now = app.Time.UtcNow;
        Assert.Equal(3, (await Titles($"from={now.AddMinutes(-1):O}&to={now.AddMinutes(1):O}")).Count);
        Assert.Empty(await Titles($"from={now.AddDays(1):O}"));

        var page1 = await (await responder.GetAsync($"/api/v1/incidents?q={tag}&pageSize=2&page=1")).JsonAsync();
        var page2 = await (await responder.GetAsync($"/api/v1/incidents?q={tag}&pageSize=2&page=2")).JsonAsync();
        Assert.Equal(2, page1.GetProperty("items").GetArrayLength());
        Assert.Equal(1, page2.GetProperty("items").GetArrayLength());
        Assert.Equal(3, page2.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Services_are_listed_with_ids_and_names()
    {
        var manager = app.Client(Role.Manager);
        var created = await manager.PostJsonAsync("/api/v1/services", new { name = "Hotline " + Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetString();

        var list = await (await responder.GetAsync("/api/v1/services")).JsonAsync();
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("id").GetString() == id && s.GetProperty("name").GetString()!.StartsWith("Hotline"));
    }

    [Fact]
    public async Task Names_and_timeline_speak_chinese_when_asked()
    {
        var zh = app.Client(Role.Responder, "zh-CN");
        var serviceId = await app.ServiceAsync("中文 " + Guid.NewGuid());
        var incident = await (await zh.PostJsonAsync("/api/v1/incidents", new { title = "一卡通故障", serviceId, impact = new { affectedUsers = 20_000 } })).JsonAsync();
        Assert.Equal("一级", incident.GetProperty("severity").GetProperty("name").GetString());
        var timeline = await (await zh.GetAsync($"/api/v1/incidents/{incident.GetProperty("id").GetString()}/timeline")).JsonAsync();
        Assert.Equal("事件登记,级别:一级", timeline[0].GetProperty("text").GetString());
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, MusterFactory.Json), System.Text.Encoding.UTF8, "application/json");
}
