using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Muster.Browser.Tests;

public sealed class IntegrationPagesTests(MusterServer server) : IClassFixture<MusterServer>
{
    [Fact]
    public async Task A_manager_adds_an_integration_its_alerts_show_on_the_service_the_incident_and_the_alerts_page()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.AdminEmail);
        await page.GotoAsync("/services");
        await page.Locator("tr", new() { HasText = MusterServer.ServiceName }).GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        var servicePath = new Uri(page.Url).AbsolutePath;
        await Assertions.Expect(page.Locator("section.integrations .empty")).ToContainTextAsync("No integrations yet");

        // Every source type can be chosen.
        await Assertions.Expect(page.Locator("select[name='Create.Type'] option")).ToHaveCountAsync(6);
        await page.Locator("select[name='Create.Type']").SelectOptionAsync("events");
        await page.Locator("input[name='Create.Name']").FillAsync("Kiosk monitor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add integration" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#integration-"));

        // The secret shows masked, and whole only when asked for.
        var integration = page.Locator("article.integration[data-type='events']");
        var secret = integration.GetByTestId("integration-secret");
        await Assertions.Expect(secret).ToBeHiddenAsync();
        await integration.Locator("summary", new() { HasText = "show" }).ClickAsync();
        await Assertions.Expect(secret).ToBeVisibleAsync();
        var key = await secret.InnerTextAsync();
        Assert.Matches("^[0-9a-f]{32}$", key);
        await Assertions.Expect(integration.GetByTestId("integration-url")).ToHaveTextAsync($"{server.Url}/v2/enqueue");
        await Assertions.Expect(integration.Locator("dd > code").Nth(1)).ToHaveTextAsync("••••••••" + key[^4..]);
        await integration.Locator("summary", new() { HasText = "curl" }).ClickAsync();
        await Assertions.Expect(integration.GetByTestId("integration-example")).ToContainTextAsync($"\"routing_key\":\"{key}\"");

        // An event sent as the example does arrives under the integration, and opens an incident.
        using var http = new HttpClient();
        var sent = await http.PostAsJsonAsync($"{server.Url}/v2/enqueue", new
        {
            routing_key = key,
            event_action = "trigger",
            dedup_key = "kiosk-7-offline",
            payload = new { summary = "Kiosk 7 is offline", source = "kiosk-7", severity = "critical" },
        });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var row = integration.Locator("table.alerts tr[data-status='firing']");
        for (var tries = 0; tries < 50 && await row.CountAsync() == 0; tries++)
        {
            await Task.Delay(200);
            await page.ReloadAsync();
        }
        await Assertions.Expect(row).ToContainTextAsync("Kiosk 7 is offline");
        await Assertions.Expect(page.Locator("section.integrations table.list").First).Not.ToContainTextAsync("—");
        await Screenshots.TakeAsync(page, "service-integrations");

        await row.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^INC-") }).ClickAsync();
        var alerts = page.Locator("section[aria-labelledby='alerts']");
        await Assertions.Expect(alerts.Locator("tr[data-status='firing']")).ToContainTextAsync("Kiosk 7 is offline");
        await Assertions.Expect(alerts).ToContainTextAsync("kiosk-7-offline");

        // Rotating stops the old secret at once; turning off stops the new one.
        await page.GotoAsync(servicePath);
        await integration.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await integration.Locator("summary", new() { HasText = "show" }).ClickAsync();
        var rotated = await secret.InnerTextAsync();
        Assert.NotEqual(key, rotated);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync($"{server.Url}/v2/enqueue", new
        {
            routing_key = key,
            event_action = "resolve",
            dedup_key = "kiosk-7-offline",
        })).StatusCode);
        await integration.GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
        await Assertions.Expect(integration).ToHaveAttributeAsync("data-enabled", "false");
        await Assertions.Expect(integration.GetByRole(AriaRole.Button, new() { Name = "Turn on" })).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync($"{server.Url}/v2/enqueue", new
        {
            routing_key = rotated,
            event_action = "resolve",
            dedup_key = "kiosk-7-offline",
        })).StatusCode);

        // A viewer searches alerts, and never sees a secret.
        var viewer = await server.NewPageAsync();
        await MusterServer.SignInAsync(viewer, MusterServer.ViewerEmail);
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        await Assertions.Expect(viewer.Locator("table.alerts tr[data-status='firing']")).ToContainTextAsync("Kiosk 7 is offline");
        await Screenshots.TakeAsync(viewer, "alerts");
        await viewer.Locator("select[name='status']").SelectOptionAsync("resolved");
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(viewer.Locator(".empty")).ToContainTextAsync("No alert matches");
        await viewer.GotoAsync("/alerts?dedupKey=kiosk-7-offline");
        await Assertions.Expect(viewer.Locator("table.alerts tbody tr")).ToHaveCountAsync(1);
        await viewer.GotoAsync(servicePath);
        Assert.DoesNotContain(rotated, await viewer.ContentAsync(), StringComparison.Ordinal);
    }
}
