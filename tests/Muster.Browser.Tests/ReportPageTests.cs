using Microsoft.Playwright;

namespace Muster.Browser.Tests;

public sealed class ReportPageTests(MusterServer server) : IClassFixture<MusterServer>
{
    [Fact]
    public async Task A_manager_adds_a_device_and_someone_reports_it_from_a_phone_without_an_account()
    {
        var admin = await server.NewPageAsync();
        await MusterServer.SignInAsync(admin, MusterServer.AdminEmail);
        await admin.GotoAsync("/devices");
        await admin.Locator("input[name='Form.Code']").FillAsync("K-7");
        await admin.Locator("input[name='Form.Name']").FillAsync("Lobby kiosk");
        await admin.Locator("select[name='Form.Type']").SelectOptionAsync("kiosk");
        await admin.Locator("input[name='Form.Building']").FillAsync("Building A");
        await admin.Locator("input[name='Form.Floor']").FillAsync("1F");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add device" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("device-qr").Locator("svg")).ToBeVisibleAsync();
        var reportUrl = await admin.GetByTestId("device-qr").Locator("figcaption a").InnerTextAsync();
        await Screenshots.TakeAsync(admin, "device");

        // A phone, in Chinese, with no cookies: as after scanning the label.
        await using var phone = await server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "zh-CN",
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            JavaScriptEnabled = false,
        });
        var page = await phone.NewPageAsync();
        await page.GotoAsync(reportUrl);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("报告故障");
        await Assertions.Expect(page.Locator(".device")).ToContainTextAsync("Building A · 1F");
        await Assertions.Expect(page.GetByTestId("privacy")).ToContainTextAsync("30 天后删除");
        await Screenshots.TakeAsync(page, "report-page");
        await page.GetByLabel("不打印小票").CheckAsync();
        await page.Locator("input[name='Form.Phone']").FillAsync("13812345678");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("report-thanks")).ToContainTextAsync("感谢");

        // The report shows on the device page, and joins an incident once the correlator has run.
        await admin.ReloadAsync();
        await Assertions.Expect(admin.GetByTestId("device-reports")).ToContainTextAsync("No receipt");
        await Assertions.Expect(admin.GetByTestId("device-reports")).ToContainTextAsync("13812345678");
        var incidentLink = admin.GetByTestId("device-reports").GetByRole(AriaRole.Link, new() { Name = "Incident" });
        for (var tries = 0; tries < 20 && await incidentLink.CountAsync() == 0; tries++)
        {
            await Task.Delay(500);
            await admin.ReloadAsync();
        }
        await incidentLink.ClickAsync();
        await Assertions.Expect(admin.Locator("h1")).ToContainTextAsync("K-7 Lobby kiosk");
    }
}
