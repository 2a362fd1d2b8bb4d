using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>The plans pages: list, summary, the YAML editor with its errors, versions, diff and activation.</summary>
public sealed partial class PlanPageTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    private static FormUrlEncodedContent Form(string token, params (string, string)[] fields) =>
        new([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))]);

    [Fact]
    public async Task A_manager_edits_a_plan_sees_every_error_then_saves_compares_and_activates()
    {
        var page = app.Client(Role.Manager);
        var key = "page-" + Guid.NewGuid().ToString("N")[..6];
        var text = Features.Plans.PlanEndpoints.BuiltinSource("kiosk").Replace("key: kiosk", $"key: {key}", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await page.PostAsync("/api/v1/plans", new StringContent(text, Encoding.UTF8, "application/yaml"))).StatusCode);

        var list = await page.GetStringAsync("/plans");
        Assert.Contains($"href=\"/plans/{key}\"", list);
        var summary = await page.GetStringAsync($"/plans/{key}");
        Assert.Contains("Switch to the backup device or a temporary service point", summary);
        Assert.Contains("background:#c62828", summary);
        Assert.Contains("On-site staff", summary);

        var editor = await page.GetStringAsync($"/plans/{key}/edit");
        var token = Token().Match(editor).Groups[1].Value;
        var broken = text.Replace("role: onsite", "role: janitor", StringComparison.Ordinal).Replace("withinMinutes: 15", "withinMinutes: soon", StringComparison.Ordinal);
        var refused = await (await page.PostAsync($"/plans/{key}/edit", Form(token, ("_handler", "plan-save"), ("Form.Text", broken), ("Form.Activate", "true"), ("Form.Mode", "save")))).Content.ReadAsStringAsync();
        Assert.Contains("Nothing was stored.", refused);
        Assert.Matches(@"<code>\d+:\d+</code> withinMinutes is a whole number", refused);
        Assert.Equal(1, await app.WithDb(db => db.PlanVersions.CountAsync(v => db.Plans.Any(p => p.Id == v.PlanId && p.Key == key))));

        var changed = text.Replace("withinMinutes: 10\n        mitigation: true", "withinMinutes: 5\n        mitigation: true", StringComparison.Ordinal);
        Assert.NotEqual(text, changed);
        var saved = await page.PostAsync($"/plans/{key}/edit", Form(token, ("_handler", "plan-save"), ("Form.Text", changed), ("Form.Mode", "save")));
        Assert.DoesNotContain("Nothing was stored.", await saved.Content.ReadAsStringAsync());
        var (active, versions) = await app.WithDb(async db =>
        {
            var plan = await db.Plans.FirstAsync(p => p.Key == key);
            return (await db.PlanVersions.Where(v => v.Id == plan.ActiveVersionId).Select(v => v.Version).FirstAsync(), await db.PlanVersions.CountAsync(v => v.PlanId == plan.Id));
        });
        Assert.Equal((1, 2), (active, versions));

        var diff = await page.GetStringAsync($"/plans/{key}/diff?from=1&to=2");
        Assert.Matches(@"class=""diff-removed"">.*- .*withinMinutes: 10", diff);
        Assert.Matches(@"class=""diff-added"">.*(\+|&#x2B;) .*withinMinutes: 5", diff);

        var detail = await page.GetStringAsync($"/plans/{key}");
        await page.PostAsync($"/plans/{key}", Form(Token().Match(detail).Groups[1].Value, ("_handler", "activate-2")));
        Assert.Equal(2, (await (await page.GetAsync($"/api/v1/plans/{key}")).JsonAsync()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_viewer_reads_plans_but_cannot_edit_them()
    {
        var viewer = app.Client(Role.Viewer);
        var detail = await viewer.GetStringAsync("/plans/default");
        Assert.DoesNotContain("/plans/default/edit", detail);
        Assert.DoesNotContain(">Activate<", detail);
        var edit = await viewer.GetAsync("/plans/default/edit");
        Assert.DoesNotContain("Form.Text", await edit.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/plans/no-such-plan")).StatusCode);
    }
}
