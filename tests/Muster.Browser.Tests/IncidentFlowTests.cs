using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Muster.Browser.Tests;

public sealed partial class IncidentFlowTests(MusterServer server) : IClassFixture<MusterServer>
{
    [Fact]
    public async Task A_responder_declares_a_level_1_incident_sees_its_clocks_and_acknowledges_it()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.ResponderEmail);

        await page.GotoAsync("/incidents/new");
        await page.GetByLabel("Title").FillAsync("Kiosks reject every card payment");
        await page.GetByLabel("Service").SelectOptionAsync(new SelectOptionValue { Label = MusterServer.ServiceName });
        await page.GetByLabel("Affected users").FillAsync("12000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Declare", Exact = true }).ClickAsync();

        await page.WaitForURLAsync(IncidentUrl());
        var header = page.Locator(".incident-head");
        await Assertions.Expect(header.Locator("h1")).ToHaveTextAsync("Kiosks reject every card payment");
        await Assertions.Expect(header.Locator(".level")).ToHaveTextAsync("Level 1");
        await Assertions.Expect(header.Locator(".level")).ToHaveAttributeAsync("style", new Regex("background:#c62828"));
        await Assertions.Expect(header.Locator(".status")).ToHaveTextAsync("triggered");

        var clocks = page.Locator("table.clocks tbody tr");
        await Assertions.Expect(clocks).ToHaveCountAsync(5);
        var acknowledge = page.Locator("tr[data-stage='acknowledge']");
        await Assertions.Expect(acknowledge).ToContainTextAsync("running");
        await Assertions.Expect(acknowledge).ToContainTextAsync("left");
        await Assertions.Expect(acknowledge.Locator("time")).ToHaveTextAsync(DeadlineText());

        await Screenshots.TakeAsync(page, "incident-declared");
        await page.Locator("form.step:has(button[data-step='acknowledge']) input[name='Step.Note']").FillAsync("On my way to the lobby");
        await page.Locator("button[data-step='acknowledge']").ClickAsync();

        await page.WaitForURLAsync(IncidentUrl());
        await Assertions.Expect(header.Locator(".status")).ToHaveTextAsync("acknowledged");
        await Assertions.Expect(page.Locator("tr[data-stage='acknowledge']")).ToContainTextAsync("met");
        var latest = page.Locator("ol.timeline li").First;
        await Assertions.Expect(latest).ToContainTextAsync("Status triggered → acknowledged");
        await Assertions.Expect(latest).ToContainTextAsync("On my way to the lobby");
        await Assertions.Expect(latest).ToContainTextAsync("Dan Duty");
        await Assertions.Expect(page.Locator("button[data-step='acknowledge']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("button[data-step='verify']")).ToHaveCountAsync(0);

        await page.GotoAsync("/");
        var row = page.Locator("table.list tbody tr", new() { HasText = "Kiosks reject every card payment" });
        await Assertions.Expect(row.Locator(".level")).ToHaveTextAsync("Level 1");
        await Assertions.Expect(row).ToContainTextAsync("acknowledged");
        await Screenshots.TakeAsync(page, "incident-list");
    }

    [Fact]
    public async Task Facts_raise_the_level_a_hand_changes_it_with_a_reason_and_a_resolved_incident_can_be_reopened()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.ResponderEmail);

        await page.GotoAsync("/incidents/new");
        await page.GetByLabel("Title").FillAsync("Receipts do not print");
        await page.GetByLabel("Service").SelectOptionAsync(new SelectOptionValue { Label = MusterServer.ServiceName });
        await page.GetByRole(AriaRole.Button, new() { Name = "Declare", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(IncidentUrl());
        var badge = page.Locator(".incident-head .level");
        await Assertions.Expect(badge).ToHaveTextAsync("Level 3");

        await page.Locator("input[name='Impact.AffectedUsers']").FillAsync("5000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save impact" }).ClickAsync();
        await Assertions.Expect(badge).ToHaveTextAsync("Level 2");
        await Assertions.Expect(page.Locator("ol.timeline")).ToContainTextAsync("Level raised by the plan: Level 3 → Level 2");
        await Assertions.Expect(page.Locator("input[name='Impact.AffectedUsers']")).ToHaveValueAsync("5000");
        await Assertions.Expect(page.Locator(".suggestion")).ToHaveCountAsync(0);

        await page.Locator("select[name='LevelForm.Level']").SelectOptionAsync("L1");
        await page.Locator("textarea[name='LevelForm.Reason']").FillAsync("The whole city's kiosks are behind this one");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change level" }).ClickAsync();
        await Assertions.Expect(badge).ToHaveTextAsync("Level 1");
        await Assertions.Expect(page.Locator(".suggestion")).ToHaveTextAsync("The plan's rules suggest Level 2.");
        await Assertions.Expect(page.Locator("ol.timeline li", new() { HasText = "The whole city's kiosks are behind this one" })).ToHaveCountAsync(1);

        await page.Locator("button[data-step='resolve']").ClickAsync();
        await Assertions.Expect(page.Locator(".incident-head .status")).ToHaveTextAsync("resolved");
        await Assertions.Expect(page.Locator("button[data-step='verify']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("button[data-step='reopen']")).ToHaveCountAsync(1);

        await page.Locator("button[data-step='reopen']").ClickAsync();
        await Assertions.Expect(page.Locator(".incident-head .status")).ToHaveTextAsync("triggered");
        await Assertions.Expect(page.Locator("ol.timeline li").First).ToContainTextAsync("Reopened");
    }

    [Fact]
    public async Task The_declare_form_shows_what_is_wrong_next_to_the_field()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.ResponderEmail);

        await page.GotoAsync("/incidents/new");
        await page.GetByLabel("Title").FillAsync("Hotline unreachable");
        await page.GetByLabel("Service").SelectOptionAsync(new SelectOptionValue { Label = MusterServer.ServiceName });
        await page.GetByLabel("Fault started").FillAsync("2099-01-01T10:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Declare", Exact = true }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/incidents/new$"));
        var field = page.Locator("label", new() { Has = page.Locator("input[name='Form.StartedAt']") });
        await Assertions.Expect(field.Locator(".field-error")).ToContainTextAsync("cannot be in the future");
        await Assertions.Expect(page.GetByLabel("Title")).ToHaveValueAsync("Hotline unreachable");
        await Screenshots.TakeAsync(page, "declare-error");
    }

    [Fact]
    public async Task A_viewer_reads_incidents_but_gets_no_buttons_and_no_declare_page()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.ViewerEmail);

        await Assertions.Expect(page.Locator("header.top nav")).Not.ToContainTextAsync("Declare");
        await page.GotoAsync("/incidents/new");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/denied"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Not allowed");
    }

    [Fact]
    public async Task An_administrator_opens_every_page()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.AdminEmail);

        foreach (var (path, heading) in new[]
        {
            ("/", "Incidents"), ("/incidents/new", "Declare an incident"), ("/services", "Services"), ("/teams", "Teams"),
            ("/people", "People"), ("/admin/apikeys", "API keys"), ("/admin/audit", "Audit log"),
        })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync(heading);
        }

        var missing = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("Page not found");
    }

    [Fact]
    public async Task An_administrator_makes_an_api_key_and_sees_it_once()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.AdminEmail);

        await page.GotoAsync("/admin/apikeys");
        await page.GetByLabel("Name").FillAsync("Zabbix");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='new-key']")).ToHaveTextAsync(new Regex("^mst_[0-9a-f]{40}$"));

        await page.GotoAsync("/admin/apikeys");
        await Assertions.Expect(page.Locator("[data-testid='new-key']")).ToHaveCountAsync(0);
        await page.Locator("tr", new() { HasText = "Zabbix" }).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Zabbix" })).ToContainTextAsync("Revoked");
    }

    [Fact]
    public async Task The_sign_in_page_speaks_chinese_to_a_chinese_browser_and_switches_to_english()
    {
        var page = await server.NewPageAsync("zh-CN");
        await page.GotoAsync("/login");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("登录");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");

        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
    }

    /// <summary>The acknowledge deadline as the page writes it: the organisation's zone and its offset.</summary>
    private static Regex DeadlineText() => DeadlinePattern();

    private static Regex IncidentUrl() => IncidentUrlPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+08:00$")]
    private static partial Regex DeadlinePattern();

    [GeneratedRegex("/incidents/INC-\\d+$")]
    private static partial Regex IncidentUrlPattern();
}
