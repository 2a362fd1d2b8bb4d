using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.People;
using Muster.Features.Notifications;
using Muster.Features.People;
using Muster.Features.Services;
using Muster.Infrastructure;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>How the base of links is chosen from the setting and the listen addresses, without a server.</summary>
public sealed class PublicUrlChoiceTests
{
    [Theory]
    [InlineData("http://127.0.0.1:36543", "http://127.0.0.1:36543")]
    [InlineData("http://127.0.0.1:36543;http://[::1]:36543", "http://127.0.0.1:36543")]
    [InlineData("https://muster.example.com:443;http://127.0.0.1:5080", "https://muster.example.com")]
    [InlineData("http://localhost:80", "http://localhost")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("http://127.0.0.1:8080/muster/", "http://127.0.0.1:8080/muster")]
    [InlineData("http://unix:/run/muster.sock;http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    public void The_first_listen_address_is_the_base(string urls, string expected)
    {
        var choice = PublicUrl.Choose(null, urls.Split(';'), "duty-box");
        Assert.Equal(expected, choice?.Url);
        Assert.Null(choice?.Wildcard);
    }

    [Theory]
    [InlineData("http://+:80", "http://duty-box")]
    [InlineData("http://*:8080", "http://duty-box:8080")]
    [InlineData("http://0.0.0.0:8080", "http://duty-box:8080")]
    [InlineData("https://[::]:8443", "https://duty-box:8443")]
    public void A_wildcard_host_becomes_the_machine_name_and_is_flagged(string urls, string expected)
    {
        var choice = PublicUrl.Choose(null, [urls], "duty-box");
        Assert.Equal(expected, choice?.Url);
        Assert.Equal(urls, choice?.Wildcard);
    }

    [Fact]
    public void The_setting_wins_over_every_address()
    {
        var choice = PublicUrl.Choose("https://muster.example.com/", ["http://127.0.0.1:36543"], "duty-box");
        Assert.Equal("https://muster.example.com", choice?.Url);
    }

    [Fact]
    public void A_port_not_chosen_yet_or_no_address_is_no_choice()
    {
        Assert.Null(PublicUrl.Choose(null, ["http://127.0.0.1:0"], "duty-box"));
        Assert.Null(PublicUrl.Choose(null, [], "duty-box"));
    }

    [Theory]
    [InlineData("muster.example.com")]
    [InlineData("localhost:5080")]
    [InlineData("/muster")]
    [InlineData("ftp://muster.example.com")]
    [InlineData("https://muster.example.com/?team=duty")]
    [InlineData("https://muster.example.com/#top")]
    public void A_setting_that_cannot_start_a_link_is_a_problem(string value) => Assert.NotNull(PublicUrl.Problem(value));

    [Theory]
    [InlineData("https://muster.example.com")]
    [InlineData("http://10.0.0.5:8080/muster/")]
    public void A_setting_that_can_start_a_link_is_no_problem(string value) => Assert.Null(PublicUrl.Problem(value));
}

/// <summary>
/// Muster on a real Kestrel at 127.0.0.1 on a port of the test's own, without Muster__PublicUrl: the
/// links it sends point back at that port, and an email's acknowledge link acknowledges.
/// </summary>
public sealed partial class PublicUrlTests : IAsyncLifetime, IDisposable
{
    private readonly TestDatabase database = new();
    private readonly SmtpServer smtp = new();
    private WebApplication? app;

    public async Task InitializeAsync() => await smtp.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        await smtp.DisposeAsync();
    }

    // xUnit calls this after DisposeAsync, so the app has stopped using the database.
    public void Dispose() => database.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private WebApplication Build(string urls, params string[] more) => MusterApp.Build([
        "--urls", urls, "--data-dir", database.DataDir, "--database", database.Provider, "--connection", database.ConnectionString,
        "--environment", "Testing", "--applicationName", "muster", "--Logging:LogLevel:Default=Warning", .. more]);

    private async Task<WebApplication> StartAsync(string urls, params string[] more)
    {
        app = Build(urls, more);
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Without_the_setting_links_start_with_the_first_of_several_urls()
    {
        var (first, second) = (FreePort(), FreePort());
        var started = await StartAsync($"http://127.0.0.1:{first};http://127.0.0.1:{second}");
        Assert.True(string.IsNullOrEmpty(started.Services.GetRequiredService<IOptions<MusterOptions>>().Value.PublicUrl));
        Assert.Equal($"http://127.0.0.1:{first}", started.Services.GetRequiredService<PublicUrl>().Base);
    }

    [Fact]
    public async Task A_port_chosen_at_start_is_the_port_in_links()
    {
        var started = await StartAsync("http://127.0.0.1:0");
        var listening = started.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var links = started.Services.GetRequiredService<PublicUrl>();
        Assert.NotEqual(0, new Uri(links.Base).Port);
        Assert.Equal(listening, links.Base);
    }

    [Fact]
    public async Task The_setting_overrides_the_urls()
    {
        var started = await StartAsync($"http://127.0.0.1:{FreePort()}", "--public-url", "https://muster.example.com/");
        Assert.Equal("https://muster.example.com/r/abc", started.Services.GetRequiredService<PublicUrl>().To("/r/abc"));
    }

    [Theory]
    [InlineData("muster.example.com")]
    [InlineData("https://muster.example.com/?team=duty")]
    [InlineData("https://muster.example.com/#top")]
    public async Task A_setting_that_cannot_start_a_link_stops_the_start_naming_it(string value)
    {
        var built = Build($"http://127.0.0.1:{FreePort()}", $"--Muster:PublicUrl={value}");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => built.StartAsync());
        Assert.Contains("Muster__PublicUrl", error.Message);
        Assert.Contains(value, error.Message);
        await built.DisposeAsync();
    }

    [Fact]
    public async Task Aspnetcore_urls_is_where_muster_listens_and_what_links_start_with()
    {
        // A process of its own: the variable is the process's, and appsettings.json must not outrank it.
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "muster.dll"), "--data-dir", Path.Combine(database.DataDir, "process") })
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Muster__Database__Provider"] = "sqlite";
        start.Environment.Remove("Muster__Database__ConnectionString");
        start.Environment.Remove("Muster__PublicUrl");
        using var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            var said = new List<string>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !said.Any(l => l.Contains("Links that leave Muster start with", StringComparison.Ordinal)))
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(deadline - DateTime.UtcNow);
                if (line is null)
                    break;
                said.Add(line);
            }
            Assert.Contains(said, l => l.Contains($"Links that leave Muster start with http://127.0.0.1:{port}.", StringComparison.Ordinal));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.True((await http.GetAsync("/healthz")).IsSuccessStatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"https?://\S+?/a/[A-Za-z0-9._-]+")]
    private static partial Regex ActionLink();

    [Fact]
    public async Task An_emailed_acknowledge_link_points_at_musters_own_port_and_acknowledges()
    {
        var port = FreePort();
        var started = await StartAsync($"http://127.0.0.1:{port}",
            "--Muster:Smtp:Host=127.0.0.1", $"--Muster:Smtp:Port={smtp.Port.ToString(CultureInfo.InvariantCulture)}", "--Muster:Smtp:From=duty@muster.test");
        var mail = $"wang.{Guid.NewGuid():N}@example.com";
        string secret;
        await using (var scope = started.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var now = DateTime.UtcNow;
            var wang = await PeopleEndpoints.CreateAsync(db, new PersonRequest($"wang.{Guid.NewGuid():N}@muster.test", "Wang Fang", Roles.Responder, "en"), null, now);
            await NotificationEndpoints.AddContactMethodAsync(db, wang.Id, new ContactMethodRequest("email", mail), null, now);
            var service = await ServiceEndpoints.SaveAsync(db, null, new ServiceRequest("Payment gateway"), null, now);
            var policy = new EscalationPolicy
            {
                Name = "Wang first",
                Definition = JsonSerializer.Serialize(new { steps = new[] { new { delayMinutes = 5, targets = new[] { new { type = "person", id = wang.Id } } } } }),
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.EscalationPolicies.Add(policy);
            (await db.Services.FirstAsync(s => s.Id == service.Id)).EscalationPolicyId = policy.Id;
            var integration = new Integration { ServiceId = service.Id, Type = "events", Name = "monitor", Secret = Features.Intake.IntegrationEndpoints.NewSecret(), CreatedAt = now };
            db.Integrations.Add(integration);
            await db.SaveChangesAsync();
            secret = integration.Secret;
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var sent = await http.PostAsJsonAsync("/v2/enqueue", new
        {
            routing_key = secret,
            event_action = "trigger",
            dedup_key = Guid.NewGuid().ToString("N"),
            payload = new { summary = "Payment success rate below 90%", source = "pay-gw-01", severity = "critical" },
        });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);

        // The correlator, the escalation and the delivery run on their own, in real time.
        var message = await smtp.SingleMessageAsync(m => m.To.ToString().Contains(mail, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var links = ActionLink().Matches(message.TextBody ?? "").Select(m => m.Value).Distinct().ToList();
        Assert.Equal(2, links.Count);
        var ack = new Uri(Assert.Single(links, l => l.Contains(".ack.", StringComparison.Ordinal)));
        Assert.Equal($"127.0.0.1:{port}", ack.Authority);
        Assert.All(links, l => Assert.Equal($"127.0.0.1:{port}", new Uri(l).Authority));

        // Opening the link shows a button and acknowledges nothing; the button's POST acknowledges.
        using var phone = new HttpClient();
        var page = await phone.GetAsync(ack);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync());
        Assert.Equal(IncidentStatus.Triggered, await StatusAsync(started));
        var posted = await phone.PostAsync(ack, null);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(IncidentStatus.Acknowledged, await StatusAsync(started));
    }

    private static async Task<IncidentStatus> StatusAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MusterDb>().Incidents.Select(i => i.Status).SingleAsync();
    }
}
