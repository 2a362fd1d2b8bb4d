using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Plans as YAML through the API: store, validate, export, activate; an invalid plan stores nothing.</summary>
public sealed class PlanApiTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient manager = app.Client(Role.Manager);

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    private static string Plan(string key, string extra = "") => $"""
        # Our own comment, kept in the export.
        key: {key}
        name: {"{"}zh-CN: 测试预案, en: Test plan{"}"}
        levels:
          - {"{"}key: L1, rank: 1, name: {"{"}zh-CN: 一级, en: Level 1{"}"}, color: '#c62828'{"}"}
          - {"{"}key: L2, rank: 2, name: {"{"}zh-CN: 二级, en: Level 2{"}"}, color: '#ef6c00'{"}"}
        roles:
          - key: commander
            name: {"{"}zh-CN: 指挥长, en: Commander{"}"}
        {extra}
        """;

    private static string Key() => "api-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_yaml_plan_is_stored_activated_and_exported_as_written()
    {
        var key = Key();
        var text = Plan(key);

        var created = await manager.PostAsync("/api/v1/plans", Yaml(text));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal("commander", body.GetProperty("definition").GetProperty("roles")[0].GetProperty("key").GetString());
        var export = await manager.GetAsync($"/api/v1/plans/{key}/versions/1/export");
        Assert.Equal("application/yaml", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal(text, await export.Content.ReadAsStringAsync());
        Assert.Equal(text, await manager.GetStringAsync($"/api/v1/plans/{key}/export"));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/plans/{key}/versions/1");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml"));
        Assert.Equal(text, await (await manager.SendAsync(request)).Content.ReadAsStringAsync());
        Assert.Equal(1, (await (await manager.GetAsync($"/api/v1/plans/{key}/versions/1")).JsonAsync()).GetProperty("version").GetInt32());

        Assert.True(await app.WithDb(db => db.AuditEntries.AnyAsync(a => a.EntityType == "plan" && a.Action == "plan.version_created" && a.After!.Contains(key))));
    }

    [Fact]
    public async Task An_invalid_yaml_plan_stores_nothing_and_gives_each_error_its_line_and_column()
    {
        var key = Key();
        var response = await manager.PostAsync("/api/v1/plans", Yaml(Plan(key, """
            checklists:
              - levels: [L3]
                steps:
                  - {key: a, title: {zh-CN: 甲, en: A}, role: comms}
            """)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("checklists[0].levels[0]", out _));
        var locations = problem.GetProperty("locations").EnumerateArray().Select(l =>
            (l.GetProperty("path").GetString(), l.GetProperty("line").GetInt32(), l.GetProperty("column").GetInt32())).ToList();
        Assert.Equal([("checklists[0].levels[0]", 11, 14), ("checklists[0].steps[0].role", 13, 44)], locations);
        Assert.False(await app.WithDb(db => db.Plans.AnyAsync(p => p.Key == key)));
    }

    [Fact]
    public async Task Validate_is_a_dry_run_for_yaml_and_json()
    {
        var key = Key();
        var ok = await (await manager.PostAsync("/api/v1/plans/validate", Yaml(Plan(key)))).JsonAsync();
        Assert.True(ok.GetProperty("valid").GetBoolean());
        Assert.Equal(0, ok.GetProperty("errors").GetArrayLength());

        var bad = await (await app.Client(Role.Viewer).PostAsync("/api/v1/plans/validate",
            new StringContent("""{"key": "x", "name": {"zh-CN": "x", "en": "x"}, "levels": [], "colour": 1}""", Encoding.UTF8, "application/json"))).JsonAsync();
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.Equal(["levels", "colour"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()));
        var error = bad.GetProperty("errors")[1];
        Assert.Equal(("colour", 1, 63), (error.GetProperty("path").GetString(), error.GetProperty("line").GetInt32(), error.GetProperty("column").GetInt32()));
        Assert.StartsWith("'colour' is not a field of a plan", error.GetProperty("message").GetString());
        Assert.False(await app.WithDb(db => db.Plans.AnyAsync(p => p.Key == key)));
    }

    [Fact]
    public async Task A_version_stored_without_activation_is_activated_later_and_audited()
    {
        var key = Key();
        Assert.Equal(HttpStatusCode.Created, (await manager.PostAsync("/api/v1/plans", Yaml(Plan(key)))).StatusCode);
        var second = await manager.PostAsync("/api/v1/plans?activate=false", Yaml(Plan(key, "review: {requiredFor: [L1], withinDays: 3}")));
        Assert.False((await second.JsonAsync()).GetProperty("active").GetBoolean());
        Assert.Equal(1, (await (await manager.GetAsync($"/api/v1/plans/{key}")).JsonAsync()).GetProperty("version").GetInt32());

        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(Role.Responder).PostAsync($"/api/v1/plans/{key}/versions/2/activate", null)).StatusCode);
        var activated = await manager.PostAsync($"/api/v1/plans/{key}/versions/2/activate", null);

        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        Assert.Equal(2, (await (await manager.GetAsync($"/api/v1/plans/{key}")).JsonAsync()).GetProperty("version").GetInt32());
        Assert.Equal(3, (await (await manager.GetAsync($"/api/v1/plans/{key}")).JsonAsync()).GetProperty("definition").GetProperty("review").GetProperty("withinDays").GetInt32());
        var planId = await app.WithDb(db => db.Plans.Where(p => p.Key == key).Select(p => p.Id).FirstAsync());
        Assert.True(await app.WithDb(db => db.AuditEntries.AnyAsync(a => a.EntityId == planId && a.Action == "plan.activated")));
    }

    [Fact]
    public async Task A_plan_posted_as_json_is_exported_as_yaml_that_reads_back()
    {
        var key = Key();
        var plan = Features.Plans.PlanEndpoints.Builtin("epay") with { Key = key };
        var created = await manager.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(plan, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var yaml = await manager.GetStringAsync($"/api/v1/plans/{key}/export");

        Assert.StartsWith($"key: {key}\n", yaml);
        var check = await (await manager.PostAsync("/api/v1/plans/validate", Yaml(yaml))).JsonAsync();
        Assert.True(check.GetProperty("valid").GetBoolean(), check.ToString());
        Assert.Equal(key, check.GetProperty("key").GetString());
    }
}
