using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Each bad request gets the right status and a problem detail that names the field; nothing is half-written.</summary>
public sealed class BadInputTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient responder = app.Client(Role.Responder);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    private static void NamesField(JsonElement problem, string field, string hint)
    {
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {errors}");
        Assert.Contains(hint, messages[0].GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("affectedUsers", -1, "negative")]
    [InlineData("availabilityPercent", 100.5, "0 to 100")]
    [InlineData("availabilityPercent", -3, "0 to 100")]
    [InlineData("outageMinutes", -10, "negative")]
    [InlineData("condition", "broken", "down, partial, minor")]
    public async Task Impact_facts_out_of_range_are_400_naming_the_fact(string fact, object value, string hint)
    {
        var serviceId = await app.ServiceAsync("bad " + Guid.NewGuid());
        var before = await CountAsync();

        var response = await responder.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId, impact = new Dictionary<string, object> { [fact] = value } });

        NamesField(await ProblemAsync(response, HttpStatusCode.BadRequest), $"impact.{fact}", hint);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_ten_thousand_character_title_is_400()
    {
        var serviceId = await app.ServiceAsync("long " + Guid.NewGuid());
        var response = await responder.PostJsonAsync("/api/v1/incidents", new { title = new string('x', 10_000), serviceId });
        NamesField(await ProblemAsync(response, HttpStatusCode.BadRequest), "title", "at most 200");
    }

    [Fact]
    public async Task A_missing_title_and_service_are_both_reported()
    {
        var response = await responder.PostJsonAsync("/api/v1/incidents", new { description = "no title" });
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        NamesField(problem, "title", "required");
        NamesField(problem, "serviceId", "required");
    }

    [Fact]
    public async Task An_unknown_service_is_422_and_nothing_is_written()
    {
        var before = await CountAsync();
        var response = await responder.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId = "no-such-service" });
        NamesField(await ProblemAsync(response, HttpStatusCode.UnprocessableEntity), "serviceId", "no service");
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task An_unknown_incident_is_404()
    {
        var problem = await ProblemAsync(await responder.GetAsync("/api/v1/incidents/INC-999999"), HttpStatusCode.NotFound);
        Assert.Contains("INC-999999", problem.GetProperty("detail").GetString());
        await ProblemAsync(await responder.PostJsonAsync("/api/v1/incidents/nope/acknowledge", new { }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Verify_before_resolve_is_409_and_changes_nothing()
    {
        var serviceId = await app.ServiceAsync("verify " + Guid.NewGuid());
        var id = (await (await responder.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId })).JsonAsync()).GetProperty("id").GetString();

        var before = (await (await responder.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).GetArrayLength();
        var problem = await ProblemAsync(await responder.PostJsonAsync($"/api/v1/incidents/{id}/verify", new { }), HttpStatusCode.Conflict);

        Assert.Contains("resolved before", problem.GetProperty("detail").GetString());
        NamesField(problem, "status", "resolved");
        var incident = await (await responder.GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        Assert.Equal("triggered", incident.GetProperty("status").GetString());
        Assert.Equal(before, (await (await responder.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).GetArrayLength());
    }

    [Theory]
    [InlineData("{\"title\": \"x\", ")]
    [InlineData("not json")]
    public async Task Malformed_json_is_400(string body)
    {
        var response = await responder.PostAsync("/api/v1/incidents", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_400_naming_it()
    {
        var response = await responder.PostAsync("/api/v1/incidents",
            new StringContent("""{"title": "x", "serviceId": "s", "impact": {"affectedUsers": "many"}}""", Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("impact.affectedUsers", out _), problem.ToString());
    }

    [Fact]
    public async Task A_missing_or_wrong_key_is_401_and_a_viewer_acting_is_403()
    {
        await ProblemAsync(await app.Client(null).GetAsync("/api/v1/incidents"), HttpStatusCode.Unauthorized);
        var wrong = app.Client(null);
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "mst_0000000000000000000000000000000000000000");
        await ProblemAsync(await wrong.GetAsync("/api/v1/incidents"), HttpStatusCode.Unauthorized);

        var serviceId = await app.ServiceAsync("viewer " + Guid.NewGuid());
        var viewer = app.Client(Role.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/incidents")).StatusCode);
        await ProblemAsync(await viewer.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_client_that_accepts_only_html_still_gets_a_problem_for_the_api()
    {
        var browser = app.Client(null);
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var response = await browser.GetAsync("/api/v1/incidents");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("API key", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_filter_is_400_naming_it()
    {
        NamesField(await ProblemAsync(await responder.GetAsync("/api/v1/incidents?status=sleeping"), HttpStatusCode.BadRequest), "status", "triggered");
        NamesField(await ProblemAsync(await responder.GetAsync("/api/v1/incidents?pageSize=5000"), HttpStatusCode.BadRequest), "pageSize", "1 to 200");
    }

    [Fact]
    public async Task An_invalid_plan_lists_every_error_with_its_path()
    {
        var manager = app.Client(Role.Manager);
        var response = await manager.PostAsync("/api/v1/plans", new StringContent("""
            { "key": "Bad Key", "name": {"zh-CN": "坏", "en": "Bad"},
              "levels": [{"key": "L1", "rank": 1, "name": {"zh-CN": "一级", "en": "L1"}, "color": "red"}],
              "rules": [{"level": "L9", "when": [{"fact": "users", "gt": 1}]}] }
            """, Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        NamesField(problem, "key", "lowercase");
        NamesField(problem, "levels[0].color", "#rrggbb");
        NamesField(problem, "rules[0].level", "use one of L1");
        NamesField(problem, "rules[0].when[0].fact", "affectedUsers");
    }

    private Task<int> CountAsync() => app.WithDb(db => db.Incidents.CountAsync());
}
