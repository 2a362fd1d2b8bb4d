using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.People;
using Muster.Features.ApiKeys;
using Muster.Features.Intake;
using Muster.Features.Services;
using Muster.Infrastructure;
using Xunit.Abstractions;

namespace Muster.Browser.Tests;

/// <summary>
/// Debian's real Alertmanager as a client of the intake: its own pagerduty_configs (with url set to
/// Muster) and webhook_configs both deliver to a real Muster on Kestrel, whose writer and correlator
/// run as they do in production. No browser.
/// </summary>
public sealed class AlertmanagerClientTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string AlertmanagerPath = "/usr/bin/prometheus-alertmanager";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "muster-am-" + Guid.NewGuid().ToString("N"));
    private readonly string url = $"http://127.0.0.1:{MusterServer.FreePort()}";
    private readonly string alertmanagerUrl = $"http://127.0.0.1:{MusterServer.FreePort()}";
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication? app;
    private Process? alertmanager;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(dataDir, "muster"));
        app = MusterApp.Build(["--urls", url, "--data-dir", Path.Combine(dataDir, "muster"), "--environment", "Production", "--applicationName", "muster"]);
        await app.StartAsync();
    }

    [Fact]
    public async Task Alertmanager_pagerduty_and_webhook_receivers_open_one_incident_and_resolve_it()
    {
        Assert.True(File.Exists(AlertmanagerPath), $"{AlertmanagerPath} is missing: apt-get install -y prometheus-alertmanager");

        // A service, and a manager's API key to create its integrations through the public API.
        string serviceId;
        await using (var scope = app!.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var now = DateTime.UtcNow;
            serviceId = (await ServiceEndpoints.SaveAsync(db, null, new ServiceRequest("Checkout API", "Takes card payments"), null, now)).Id;
            var key = await ApiKeyEndpoints.CreateAsync(db, new ApiKeyRequest("alertmanager test", Roles.Manager), null, now);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        }
        var events = await CreateIntegrationAsync(serviceId, "events", "Alertmanager (PagerDuty receiver)");
        var hook = await CreateIntegrationAsync(serviceId, "alertmanager", "Alertmanager (webhook)");
        Assert.Equal($"{url}/v2/enqueue", events.Url);
        Assert.Equal($"{url}/hooks/alertmanager/{hook.Secret}", hook.Url);

        await StartAlertmanagerAsync($$$"""
            route:
              receiver: muster-events
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
              routes:
                - receiver: muster-events
                  continue: true
                - receiver: muster-webhook
            receivers:
              - name: muster-events
                pagerduty_configs:
                  - routing_key: '{{{events.Secret}}}'
                    url: '{{{events.Url}}}'
                    send_resolved: true
                    severity: '{{ .CommonLabels.severity }}'
                    class: '{{ .CommonLabels.alertname }}'
              - name: muster-webhook
                webhook_configs:
                  - url: '{{{hook.Url}}}'
                    send_resolved: true
            """);

        var startsAt = DateTime.UtcNow.AddMinutes(-1);
        await PostAlertAsync(startsAt, endsAt: null);

        // One incident for the service, holding one alert from each receiver, at level 1: critical is "down".
        var firing = await PollAsync("both alerts firing on one incident", async () =>
        {
            var alerts = await AlertsOfServiceAsync(serviceId);
            return alerts.Count == 2 && alerts.All(a => a.Status == "firing" && a.IncidentId is not null) ? alerts : null;
        });
        Assert.Single(firing.Select(a => a.IncidentId).Distinct());
        Assert.Equal(new[] { events.Id, hook.Id }.Order(), firing.Select(a => a.IntegrationId).Order());
        Assert.All(firing, a => Assert.Equal("critical", a.Severity));
        var incidentId = firing[0].IncidentId!;
        var viaApi = await http.GetFromJsonAsync<List<AlertView>>($"{url}/api/v1/incidents/{incidentId}/alerts", Web);
        Assert.Equal(firing.Select(a => a.Id).Order(), viaApi!.Select(a => a.Id).Order());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.ServiceId == serviceId);
            Assert.Equal(incidentId, incident.Id);
            Assert.Equal("L1", incident.SeverityLevel);
            Assert.Equal(IncidentStatus.Triggered, incident.Status);
            Assert.Equal("down", incident.Impact.Condition);
        }

        // The same alert with endsAt in the past: Alertmanager sends resolved to both receivers.
        await PostAlertAsync(startsAt, endsAt: DateTime.UtcNow.AddSeconds(-5));
        await PollAsync("both alerts and the incident resolved", async () =>
        {
            var alerts = await AlertsOfServiceAsync(serviceId);
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var status = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId).Select(i => i.Status).SingleAsync();
            return alerts.Count == 2 && alerts.All(a => a.Status == "resolved") && status == IncidentStatus.Resolved ? alerts : null;
        });
        var search = await http.GetFromJsonAsync<AlertPage>($"{url}/api/v1/alerts?integrationId={hook.Id}&status=resolved", Web);
        Assert.Equal(1, search!.Total);
    }

    private async Task<IntegrationView> CreateIntegrationAsync(string serviceId, string type, string name)
    {
        var response = await http.PostAsJsonAsync($"{url}/api/v1/services/{serviceId}/integrations", new { type, name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<IntegrationView>(Web))!;
    }

    private async Task<List<AlertView>> AlertsOfServiceAsync(string serviceId)
    {
        await using var scope = app!.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        return (await db.Alerts.AsNoTracking().Where(a => a.ServiceId == serviceId).ToListAsync()).Select(AlertEndpoints.View).ToList();
    }

    private async Task StartAlertmanagerAsync(string config)
    {
        var folder = Path.Combine(dataDir, "alertmanager");
        Directory.CreateDirectory(folder);
        var configFile = Path.Combine(folder, "alertmanager.yml");
        await File.WriteAllTextAsync(configFile, config);
        var start = new ProcessStartInfo(AlertmanagerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            $"--config.file={configFile}", $"--storage.path={folder}", $"--web.listen-address={alertmanagerUrl["http://".Length..]}",
            "--cluster.listen-address=", "--log.level=warn",
        })
            start.ArgumentList.Add(arg);
        alertmanager = Process.Start(start)!;
        alertmanager.OutputDataReceived += (_, e) => Log(e.Data);
        alertmanager.ErrorDataReceived += (_, e) => Log(e.Data);
        alertmanager.BeginOutputReadLine();
        alertmanager.BeginErrorReadLine();

        await PollAsync("Alertmanager ready", async () =>
        {
            Assert.False(alertmanager.HasExited, $"Alertmanager exited with {(alertmanager.HasExited ? alertmanager.ExitCode : 0)}; see the test output.");
            try
            {
                using var ready = await http.GetAsync($"{alertmanagerUrl}/-/ready");
                return ready.IsSuccessStatusCode ? "ready" : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        });
    }

    /// <summary>Posts the one test alert to Alertmanager's own API, as Prometheus would.</summary>
    private async Task PostAlertAsync(DateTime startsAt, DateTime? endsAt)
    {
        var alert = new Dictionary<string, object>
        {
            ["labels"] = new Dictionary<string, string> { ["alertname"] = "CheckoutFailing", ["severity"] = "critical", ["instance"] = "checkout-1:9100" },
            ["annotations"] = new Dictionary<string, string> { ["summary"] = "Checkout answers 500 to every payment" },
            ["startsAt"] = startsAt.ToString("O"),
            ["generatorURL"] = "http://prometheus.example/graph",
        };
        if (endsAt is { } ends)
            alert["endsAt"] = ends.ToString("O");
        // A client of its own: Alertmanager has no use for Muster's key.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.PostAsJsonAsync($"{alertmanagerUrl}/api/v2/alerts", new[] { alert });
        Assert.True(response.IsSuccessStatusCode, $"Alertmanager answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<T> PollAsync<T>(string what, Func<Task<T?>> probe) where T : class
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await probe() is { } done)
                return done;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"Waited {Patience.TotalSeconds} s for: {what}.");
            await Task.Delay(200);
        }
    }

    private void Log(string? line)
    {
        if (string.IsNullOrEmpty(line))
            return;
        try
        {
            output.WriteLine("alertmanager: " + line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended; its output is closed.
        }
    }

    public async Task DisposeAsync()
    {
        if (alertmanager is not null)
        {
            if (!alertmanager.HasExited)
            {
                alertmanager.Kill(entireProcessTree: true);
                await alertmanager.WaitForExitAsync();
            }
            alertmanager.Dispose();
        }
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

    public void Dispose() => http.Dispose();
}
