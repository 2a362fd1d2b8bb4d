using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.People;
using Muster.Features.Services;
using Muster.Infrastructure;

namespace Muster.Browser.Tests;

/// <summary>
/// The real app on Kestrel at 127.0.0.1 with its own data folder, an administrator and a service,
/// and Debian's Chromium driven by Playwright; shared by the tests of one class.
/// </summary>
public sealed class MusterServer : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "correct-horse-battery";
    public const string ResponderEmail = "duty@example.com";
    public const string ViewerEmail = "viewer@example.com";
    public const string ServiceName = "Payment kiosks";

    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "muster-browser-" + Guid.NewGuid().ToString("N"));
    private WebApplication? app;
    private IPlaywright? playwright;

    public string Url { get; } = $"http://127.0.0.1:{FreePort()}";

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The running app's services, for tests that set up data the UI does not make.</summary>
    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(dataDir);
        // The application is named after the app, not the test host, so that its static assets' manifest is found.
        app = MusterApp.Build(["--urls", Url, "--data-dir", dataDir, "--environment", "Production", "--applicationName", "muster"]);
        await app.StartAsync();

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var now = DateTime.UtcNow;
            await PeopleEndpoints.CreateAsync(db, new PersonRequest(AdminEmail, "Ada Admin", Roles.Admin, "en", Password: AdminPassword), null, now);
            await PeopleEndpoints.CreateAsync(db, new PersonRequest(ResponderEmail, "Dan Duty", Roles.Responder, "en", Password: AdminPassword), null, now);
            await PeopleEndpoints.CreateAsync(db, new PersonRequest(ViewerEmail, "Vera Viewer", Roles.Viewer, "en", Password: AdminPassword), null, now);
            await ServiceEndpoints.SaveAsync(db, null, new ServiceRequest(ServiceName, "Self-service payment kiosks in the lobby"), null, now);
        }

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync(string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = locale, BaseURL = Url });
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string email, string password = AdminPassword)
    {
        await page.GotoAsync("/login");
        await page.Locator("input[name='Form.Email']").FillAsync(email);
        await page.Locator("input[name='Form.Password']").FillAsync(password);
        await page.Locator("form[method='post'] button[type='submit']").ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.CloseAsync();
        playwright?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp folder left behind is harmless.
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
