using Microsoft.Playwright;

namespace Muster.Browser.Tests;

public sealed class OnCallPagesTests(MusterServer server) : IClassFixture<MusterServer>
{
    [Fact]
    public async Task A_responder_adds_contact_methods_sets_when_each_is_used_and_the_pages_of_on_call_open()
    {
        var page = await server.NewPageAsync();
        await MusterServer.SignInAsync(page, MusterServer.ResponderEmail);

        await page.Locator("a.who").ClickAsync();
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("My notifications");
        await Assertions.Expect(page.Locator(".empty")).ToContainTextAsync("No contact methods yet");

        // A phone number that is not one is named next to the field, and nothing is added.
        await page.Locator("select[name='NewMethod.Type']").SelectOptionAsync("sms");
        await page.Locator("input[name='NewMethod.Address']").FillAsync("call me");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("mobile number");

        await page.Locator("select[name='NewMethod.Type']").SelectOptionAsync("sms");
        await page.Locator("input[name='NewMethod.Address']").FillAsync("13812345678");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        await page.Locator("select[name='NewMethod.Type']").SelectOptionAsync("email");
        await page.Locator("input[name='NewMethod.Address']").FillAsync("duty.phone@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        var methods = page.GetByTestId("contact-methods");
        await Assertions.Expect(methods).ToContainTextAsync("13812345678");
        await Assertions.Expect(methods).ToContainTextAsync("duty.phone@example.com");

        // Email at once, SMS after 5 minutes.
        var rules = page.Locator("section", new() { Has = page.Locator("h2#rules") });
        var now = rules.Locator("fieldset").Nth(0);
        var later = rules.Locator("fieldset").Nth(1);
        await now.Locator("label", new() { HasText = "13812345678" }).Locator("input").UncheckAsync();
        await later.Locator("label", new() { HasText = "13812345678" }).Locator("input").CheckAsync();
        await rules.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(now.Locator("label", new() { HasText = "duty.phone@example.com" }).Locator("input")).ToBeCheckedAsync();
        await Assertions.Expect(now.Locator("label", new() { HasText = "13812345678" }).Locator("input")).Not.ToBeCheckedAsync();
        await Assertions.Expect(later.Locator("label", new() { HasText = "13812345678" }).Locator("input")).ToBeCheckedAsync();

        foreach (var (path, heading) in new[] { ("/schedules", "On-call schedules"), ("/escalation-policies", "Escalation policies") })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync(heading);
        }
    }

    [Fact]
    public async Task A_manager_builds_a_day_and_night_schedule_in_the_editor_on_a_phone_without_json()
    {
        var page = await server.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await MusterServer.SignInAsync(page, MusterServer.AdminEmail);
        // Schedules are under the Prepare menu, which opens without a script.
        var prepare = page.Locator("header.top details.menu", new() { Has = page.Locator("summary", new() { HasText = "Prepare" }) });
        await prepare.Locator("summary").ClickAsync();
        await prepare.GetByRole(AriaRole.Link, new() { Name = "On call" }).ClickAsync();
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("On-call schedules");
        await Assertions.Expect(page.Locator("header.top details.menu summary.active")).ToHaveTextAsync("Prepare");
        var name = "Kiosk duty " + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("input[name='NewSchedule.Name']").FillAsync(name);
        await page.Locator("select[name='NewSchedule.Members']").SelectOptionAsync(new[] { new SelectOptionValue { Label = "Dan Duty" } });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the schedule" }).ClickAsync();
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync(name);

        // A night layer on top: added without saving, then filled in and saved with Enter.
        var editor = page.GetByTestId("schedule-editor");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Add a layer" }).ClickAsync();
        var night = page.GetByTestId("layer").Nth(1);
        await Assertions.Expect(night.Locator(":scope > legend")).ToHaveTextAsync("Layer 2");
        await night.Locator("input[name='Layer[1].Name']").FillAsync("Nights");
        await night.Locator("ol.members select").First.SelectOptionAsync(new[] { new SelectOptionValue { Label = "Ada Admin" } });
        await night.Locator("input[name='Layer[1].R[0].From']").FillAsync("18:00");
        await night.Locator("input[name='Layer[1].R[0].To']").FillAsync("08:00");
        await night.Locator("input[name='Layer[1].Name']").PressAsync("Enter");

        // Saved: the next days show Ada on nights and Dan by day, and the page fits the phone.
        await Assertions.Expect(page.GetByTestId("layer")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("layer").Nth(1).Locator("input[name='Layer[1].Name']")).ToHaveValueAsync("Nights");
        var days = page.Locator("ol.days");
        await Assertions.Expect(days).ToContainTextAsync("Ada Admin");
        await Assertions.Expect(days).ToContainTextAsync("Dan Duty");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the editor is wider than the phone");
        await Screenshots.TakeAsync(page, "schedule-editor");
    }
}
