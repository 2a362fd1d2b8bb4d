using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Muster.Browser.Tests;

public sealed class AdminPagesTests(MusterServer server) : IClassFixture<MusterServer>
{
    [Fact]
    public async Task An_administrator_adds_a_team_a_service_and_a_person_and_the_audit_log_shows_them()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.AdminEmail);

        await page.GotoAsync("/teams");
        await page.GetByLabel("Name").FillAsync("Lobby technicians");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add team" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.list")).ToContainTextAsync("Lobby technicians");

        await page.GotoAsync("/services");
        await page.GetByLabel("Name").FillAsync("Campus card readers");
        await page.GetByLabel("Team").SelectOptionAsync(new SelectOptionValue { Label = "Lobby technicians" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add service" }).ClickAsync();
        var row = page.Locator("tr", new() { HasText = "Campus card readers" });
        await Assertions.Expect(row).ToContainTextAsync("Lobby technicians");

        await page.GetByLabel("Name").FillAsync("Campus card readers");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add service" }).ClickAsync();
        var name = page.Locator("label", new() { Has = page.Locator("input[name='Form.Name']") });
        await Assertions.Expect(name.Locator(".field-error")).ToContainTextAsync("exists already");

        await page.GotoAsync("/services");
        await row.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await page.GetByLabel("Description").FillAsync("Readers, top-up machines and door access");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/services$"));
        await Assertions.Expect(row).ToContainTextAsync("top-up machines");

        await page.GotoAsync("/people");
        await page.GetByLabel("Email").FillAsync("li.lei@example.com");
        await page.Locator("input[name='Form.DisplayName']").FillAsync("李雷");
        await page.Locator("select[name='Form.TeamId']").SelectOptionAsync(new SelectOptionValue { Label = "Lobby technicians" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        var person = page.Locator("tr", new() { HasText = "li.lei@example.com" });
        await Assertions.Expect(person).ToContainTextAsync("李雷");
        await Assertions.Expect(person).ToContainTextAsync("no password");

        await person.Locator("select[name='Edit.Role']").SelectOptionAsync("manager");
        await person.Locator("input[name='Edit.Active']").UncheckAsync();
        await person.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(person).ToHaveClassAsync("inactive");
        await Assertions.Expect(person.Locator("select[name='Edit.Role']")).ToHaveValueAsync("manager");

        await page.GotoAsync("/admin/audit");
        await Assertions.Expect(page.Locator("table.audit")).ToContainTextAsync("person.updated");
        await Assertions.Expect(page.Locator("table.audit")).ToContainTextAsync("service.created");
        await Assertions.Expect(page.Locator("table.audit")).ToContainTextAsync("team.created");
    }
}
