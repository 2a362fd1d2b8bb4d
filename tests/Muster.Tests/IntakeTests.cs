using System.Net;
using System.Text;
using System.Text.Json;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>The events API as PagerDuty clients expect it, the Alertmanager webhook, and correlation.</summary>
public sealed class IntakeTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private readonly HttpClient manager = app.Client(Role.Manager);
    private readonly HttpClient anonymous = app.Client(null);

    private async Task<(string ServiceId, JsonElement Integration)> IntegrationAsync(string type = "events")
    {
        var serviceId = await app.ServiceAsync($"intake {Guid.NewGuid()}");
        var created = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type, name = $"{type} source" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (serviceId, await created.JsonAsync());
    }

    private Task<HttpResponseMessage> SendAsync(object body) =>
        anonymous.PostAsync("/v2/enqueue", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    private static object Trigger(string key, string? dedup = null, string summary = "Payment success rate below 90%", string severity = "critical", string? @class = null) => new
    {
        routing_key = key,
        event_action = "trigger",
        dedup_key = dedup,
        payload = new { summary, source = "pay-gw-01", severity, @class, custom_details = new { rate = 0.87 } },
        client = "Monitoring",
        client_url = "https://monitoring.example.com",
        links = new[] { new { href = "https://example.com", text = "dashboard" } },
    };

    private async Task<JsonElement> AlertAsync(string dedupKey) =>
        (await (await manager.GetAsync($"/api/v1/alerts?dedupKey={dedupKey}")).JsonAsync()).GetProperty("items").EnumerateArray().Single();

    [Fact]
    public async Task An_integration_has_a_secret_and_the_url_to_give_the_source()
    {
        var (serviceId, integration) = await IntegrationAsync();
        Assert.Matches("^[0-9a-f]{32}$", integration.GetProperty("secret").GetString());
        Assert.EndsWith("/v2/enqueue", integration.GetProperty("url").GetString());
        var (_, hook) = await IntegrationAsync("alertmanager");
        Assert.EndsWith($"/hooks/alertmanager/{hook.GetProperty("secret").GetString()}", hook.GetProperty("url").GetString());
        var listed = await (await manager.GetAsync($"/api/v1/services/{serviceId}/integrations")).JsonAsync();
        Assert.Equal(integration.GetProperty("id").GetString(), listed[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_trigger_is_answered_like_pagerduty_and_becomes_an_incident_with_its_alert()
    {
        var (serviceId, integration) = await IntegrationAsync();
        var key = integration.GetProperty("secret").GetString()!;

        var response = await SendAsync(Trigger(key, "pay-rate-1"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal("success", answer.GetProperty("status").GetString());
        Assert.Equal("Event processed", answer.GetProperty("message").GetString());
        Assert.Equal("pay-rate-1", answer.GetProperty("dedup_key").GetString());

        Assert.True(await app.CorrelateAsync() >= 1);
        var alert = await AlertAsync("pay-rate-1");
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal(integration.GetProperty("id").GetString(), alert.GetProperty("integrationId").GetString());
        var incident = await (await manager.GetAsync($"/api/v1/incidents/{alert.GetProperty("incidentId").GetString()}")).JsonAsync();
        Assert.Equal(serviceId, incident.GetProperty("serviceId").GetString());
        Assert.Equal("Payment success rate below 90%", incident.GetProperty("title").GetString());
        Assert.Equal("L1", incident.GetProperty("severity").GetProperty("level").GetString());
        var alerts = await (await manager.GetAsync($"/api/v1/incidents/{incident.GetProperty("id").GetString()}/alerts")).JsonAsync();
        Assert.Equal("pay-rate-1", alerts[0].GetProperty("dedupKey").GetString());
    }

    [Fact]
    public async Task A_trigger_without_a_dedup_key_gets_one()
    {
        var (_, integration) = await IntegrationAsync();
        var answer = await (await SendAsync(Trigger(integration.GetProperty("secret").GetString()!))).JsonAsync();
        Assert.Matches("^[0-9a-f]{32}$", answer.GetProperty("dedup_key").GetString());
    }

    [Fact]
    public async Task The_same_dedup_key_is_the_same_alert_and_one_alert_name_groups_into_one_incident_within_30_minutes()
    {
        var (serviceId, integration) = await IntegrationAsync();
        var key = integration.GetProperty("secret").GetString()!;
        var tag = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(Trigger(key, $"{tag}-a", @class: "gateway-errors"));
        await SendAsync(Trigger(key, $"{tag}-a", @class: "gateway-errors"));
        await SendAsync(Trigger(key, $"{tag}-b", summary: "other host", @class: "gateway-errors"));
        await app.CorrelateAsync();

        var a = await AlertAsync($"{tag}-a");
        var b = await AlertAsync($"{tag}-b");
        Assert.Equal(2, a.GetProperty("eventCount").GetInt32());
        Assert.Equal(a.GetProperty("incidentId").GetString(), b.GetProperty("incidentId").GetString());

        app.Time.Advance(TimeSpan.FromMinutes(31));
        await SendAsync(Trigger(key, $"{tag}-c", @class: "gateway-errors"));
        await app.CorrelateAsync();
        Assert.NotEqual(a.GetProperty("incidentId").GetString(), (await AlertAsync($"{tag}-c")).GetProperty("incidentId").GetString());
        var incidents = await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync();
        Assert.Equal(2, incidents.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Acknowledge_and_resolve_events_move_the_incident_and_resolving_every_alert_resolves_it()
    {
        var (_, integration) = await IntegrationAsync();
        var key = integration.GetProperty("secret").GetString()!;
        var tag = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(Trigger(key, $"{tag}-1", @class: "disk"));
        await SendAsync(Trigger(key, $"{tag}-2", @class: "disk"));
        await SendAsync(new { routing_key = key, event_action = "acknowledge", dedup_key = $"{tag}-1" });
        await app.CorrelateAsync();
        var incidentId = (await AlertAsync($"{tag}-1")).GetProperty("incidentId").GetString();
        async Task<string?> Status() => (await (await manager.GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync()).GetProperty("status").GetString();
        Assert.Equal("acknowledged", await Status());

        await SendAsync(new { routing_key = key, event_action = "resolve", dedup_key = $"{tag}-1" });
        await app.CorrelateAsync();
        Assert.Equal("resolved", (await AlertAsync($"{tag}-1")).GetProperty("status").GetString());
        Assert.Equal("acknowledged", await Status());

        await SendAsync(new { routing_key = key, event_action = "resolve", dedup_key = $"{tag}-2" });
        await app.CorrelateAsync();
        Assert.Equal("resolved", await Status());
        var timeline = await (await manager.GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync();
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "alert_resolved");
        Assert.All(timeline.EnumerateArray().Skip(1).Where(e => !Domain.Incidents.TimelineKinds.Response.Contains(e.GetProperty("kind").GetString()!)),
            e => Assert.Equal("events source", e.GetProperty("actor").GetString()));
    }

    [Theory]
    [InlineData("""{"event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "critical"}}""", "'routing_key' is missing")]
    [InlineData("""{"routing_key": "k", "event_action": "explode"}""", "'event_action' is invalid")]
    [InlineData("""{"routing_key": "k", "event_action": "trigger"}""", "'payload' is missing")]
    [InlineData("""{"routing_key": "k", "event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "bad"}}""", "'payload.severity' is invalid")]
    [InlineData("""{"routing_key": "k", "event_action": "trigger", "payload": {"source": "h", "severity": "info"}}""", "'payload.summary' is missing")]
    [InlineData("""{"routing_key": "k", "event_action": "resolve"}""", "'dedup_key' is missing")]
    [InlineData("""{"routing_key": "k", "event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "info", "timestamp": "yesterday"}}""", "'payload.timestamp'")]
    [InlineData("""{"routing_key": """, "not valid JSON")]
    public async Task Invalid_events_are_400_in_pagerdutys_shape(string body, string error)
    {
        var response = await anonymous.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal("invalid event", answer.GetProperty("status").GetString());
        Assert.Contains(answer.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_disabled_or_rotated_key_is_404_saying_nothing_more()
    {
        var (_, integration) = await IntegrationAsync();
        var key = integration.GetProperty("secret").GetString()!;
        var id = integration.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Trigger("0123456789abcdef0123456789abcdef"))).StatusCode);

        await manager.PostJsonAsync($"/api/v1/integrations/{id}/disable", new { });
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Trigger(key))).StatusCode);
        await manager.PostJsonAsync($"/api/v1/integrations/{id}/enable", new { });
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(Trigger(key))).StatusCode);

        var rotated = await (await manager.PostJsonAsync($"/api/v1/integrations/{id}/rotate", new { })).JsonAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Trigger(key))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(Trigger(rotated.GetProperty("secret").GetString()!))).StatusCode);
    }

    [Fact]
    public async Task Alertmanager_webhook_alerts_fire_and_resolve_by_fingerprint()
    {
        var (_, integration) = await IntegrationAsync("alertmanager");
        var url = $"/hooks/alertmanager/{integration.GetProperty("secret").GetString()}";
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        string Payload(string status) => $$"""
            {"version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "status": "{{status}}", "receiver": "muster",
             "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
             "alerts": [{"status": "{{status}}", "labels": {"alertname": "HighErrorRate", "severity": "warning", "instance": "api-1"},
                         "annotations": {"summary": "5xx above 5% on api-1"}, "startsAt": "2026-03-10T01:59:00Z", "endsAt": "0001-01-01T00:00:00Z",
                         "generatorURL": "http://prom/graph", "fingerprint": "{{fingerprint}}"}]}
            """;

        var fired = await anonymous.PostAsync(url, new StringContent(Payload("firing"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, fired.StatusCode);
        await app.CorrelateAsync();
        var alert = await AlertAsync(fingerprint);
        Assert.Equal(("firing", "5xx above 5% on api-1", "api-1", "warning"),
            (alert.GetProperty("status").GetString(), alert.GetProperty("summary").GetString(), alert.GetProperty("source").GetString(), alert.GetProperty("severity").GetString()));

        await anonymous.PostAsync(url, new StringContent(Payload("resolved"), Encoding.UTF8, "application/json"));
        await app.CorrelateAsync();
        Assert.Equal("resolved", (await AlertAsync(fingerprint)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync("/hooks/alertmanager/nope", new StringContent(Payload("firing"), Encoding.UTF8, "application/json"))).StatusCode);
        var bad = await anonymous.PostAsync(url, new StringContent("""{"alerts": [{"status": "firing"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("alerts[0].labels", out _));
    }
}

public sealed class PrometheusIntakeTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private static StringContent Alerts(string name, DateTime? endsAt, string instance = "api-1") => new($$"""
        [{"labels": {"alertname": "{{name}}", "severity": "critical", "instance": "{{instance}}"},
          "annotations": {"summary": "{{name}} on {{instance}}"},
          "startsAt": "2026-03-10T01:00:00Z", {{(endsAt is { } e ? $"\"endsAt\": \"{e:O}\"," : "")}}
          "generatorURL": "http://prometheus:9090/graph"}]
        """, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Prometheus_sends_straight_in_and_an_alert_not_resent_before_endsAt_resolves()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("prometheus " + Guid.NewGuid());
        var integration = await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "prometheus", name = "prometheus" })).JsonAsync();
        Assert.EndsWith("/api/v2/alerts", integration.GetProperty("url").GetString());
        var prometheus = app.Client(null);
        prometheus.DefaultRequestHeaders.Authorization = new("Bearer", integration.GetProperty("secret").GetString());
        var name = "DiskFull" + Guid.NewGuid().ToString("N")[..6];

        Assert.Equal(HttpStatusCode.OK, (await prometheus.PostAsync("/api/v2/alerts", Alerts(name, app.Time.UtcNow.AddMinutes(4)))).StatusCode);
        await app.CorrelateAsync();
        var alert = (await (await manager.GetAsync($"/api/v1/alerts?integrationId={integration.GetProperty("id").GetString()}")).JsonAsync()).GetProperty("items")[0];
        Assert.Equal("firing", alert.GetProperty("status").GetString());

        // A re-send before endsAt keeps it firing past the first endsAt.
        app.Time.Advance(TimeSpan.FromMinutes(3));
        await prometheus.PostAsync("/api/v2/alerts", Alerts(name, app.Time.UtcNow.AddMinutes(4)));
        await app.CorrelateAsync();
        app.Time.Advance(TimeSpan.FromMinutes(2));
        await app.RunDueWorkAsync();
        await app.CorrelateAsync();
        Assert.Equal("firing", await StatusAsync(manager, alert));

        app.Time.Advance(TimeSpan.FromMinutes(3));
        await app.RunDueWorkAsync();
        await app.CorrelateAsync();
        Assert.Equal("resolved", await StatusAsync(manager, alert));
        var incident = await (await manager.GetAsync($"/api/v1/incidents/{alert.GetProperty("incidentId").GetString()}")).JsonAsync();
        Assert.Equal("resolved", incident.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Basic_auth_works_and_a_wrong_secret_or_body_is_refused()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("prometheus basic " + Guid.NewGuid());
        var secret = (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "prometheus", name = "p" })).JsonAsync())
            .GetProperty("secret").GetString();
        var basic = app.Client(null);
        basic.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"prometheus:{secret}")));
        Assert.Equal(HttpStatusCode.OK, (await basic.PostAsync("/api/v2/alerts", Alerts("Up", null))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await basic.PostAsync("/api/v2/alerts", new StringContent("""[{"annotations": {}}]""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var wrong = app.Client(null);
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync("/api/v2/alerts", Alerts("Up", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(null).PostAsync("/api/v2/alerts", Alerts("Up", null))).StatusCode);
    }

    private static async Task<string?> StatusAsync(HttpClient client, JsonElement alert) =>
        (await (await client.GetAsync($"/api/v1/alerts?dedupKey={alert.GetProperty("dedupKey").GetString()}")).JsonAsync()).GetProperty("items")[0].GetProperty("status").GetString();
}

public sealed class HeartbeatTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_missed_beat_opens_an_alert_and_the_next_beat_resolves_it()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("nightly settlement " + Guid.NewGuid());
        var integration = await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations",
            new { type = "heartbeat", name = "settlement job", intervalSeconds = 300, graceSeconds = 60 })).JsonAsync();
        var url = new Uri(integration.GetProperty("url").GetString()!).AbsolutePath;
        var id = integration.GetProperty("id").GetString();
        var job = app.Client(null);

        async Task<string?> AlertStatus()
        {
            var items = (await (await manager.GetAsync($"/api/v1/alerts?integrationId={id}")).JsonAsync()).GetProperty("items");
            return items.GetArrayLength() == 0 ? null : items[0].GetProperty("status").GetString();
        }

        Assert.Equal(HttpStatusCode.OK, (await job.GetAsync(url)).StatusCode);
        app.Time.Advance(TimeSpan.FromSeconds(350));
        await app.RunDueWorkAsync();
        await app.CorrelateAsync();
        Assert.Null(await AlertStatus());

        Assert.Equal(HttpStatusCode.OK, (await job.PostAsync(url, null)).StatusCode);
        app.Time.Advance(TimeSpan.FromSeconds(361));
        await app.RunDueWorkAsync();
        await app.CorrelateAsync();
        Assert.Equal("firing", await AlertStatus());

        await job.GetAsync(url);
        await app.CorrelateAsync();
        Assert.Equal("resolved", await AlertStatus());
        Assert.Equal(HttpStatusCode.NotFound, (await job.GetAsync("/hooks/heartbeat/nope")).StatusCode);
    }

    [Fact]
    public async Task A_heartbeat_needs_an_interval()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("no interval " + Guid.NewGuid());
        var response = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "heartbeat", name = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("intervalSeconds", out _));
    }
}

public sealed class GrafanaAndZabbixTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private async Task<string> SecretAsync(string type)
    {
        var serviceId = await app.ServiceAsync($"{type} {Guid.NewGuid()}");
        return (await (await app.Client(Role.Manager).PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type, name = type })).JsonAsync())
            .GetProperty("secret").GetString()!;
    }

    private async Task<JsonElement> AlertAsync(string dedupKey) =>
        (await (await app.Client(Role.Viewer).GetAsync($"/api/v1/alerts?dedupKey={dedupKey}")).JsonAsync()).GetProperty("items")[0];

    [Fact]
    public async Task Grafana_alerts_fire_and_resolve()
    {
        var url = $"/hooks/grafana/{await SecretAsync("grafana")}";
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        string Payload(string status) => $$"""
            {"receiver": "muster", "status": "{{status}}", "orgId": 1, "version": "1", "title": "[FIRING:1] CardReaderOffline",
             "alerts": [{"status": "{{status}}", "labels": {"alertname": "CardReaderOffline", "severity": "critical", "instance": "reader-7"},
                         "annotations": {"summary": "食堂 3 号刷卡机离线"}, "startsAt": "2026-03-10T01:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                         "fingerprint": "{{fingerprint}}", "dashboardURL": "", "panelURL": "", "values": {"A": 0} }] }
            """;
        var client = app.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(url, new StringContent(Payload("firing"), Encoding.UTF8, "application/json"))).StatusCode);
        await app.CorrelateAsync();
        var alert = await AlertAsync(fingerprint);
        Assert.Equal(("firing", "食堂 3 号刷卡机离线", "critical"), (alert.GetProperty("status").GetString(), alert.GetProperty("summary").GetString(), alert.GetProperty("severity").GetString()));
        await client.PostAsync(url, new StringContent(Payload("resolved"), Encoding.UTF8, "application/json"));
        await app.CorrelateAsync();
        Assert.Equal("resolved", (await AlertAsync(fingerprint)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Zabbix_problems_and_recoveries_follow_the_documented_body()
    {
        var url = $"/hooks/zabbix/{await SecretAsync("zabbix")}";
        var eventId = Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var client = app.Client(null);
        var problem = await client.PostAsync(url, new StringContent($$"""{"event_id": "{{eventId}}", "status": "PROBLEM", "severity": "4", "host": "sorter-2", "trigger": "Sorting line stopped"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, problem.StatusCode);
        await app.CorrelateAsync();
        var alert = await AlertAsync(eventId);
        Assert.Equal(("firing", "Sorting line stopped on sorter-2", "critical"), (alert.GetProperty("status").GetString(), alert.GetProperty("summary").GetString(), alert.GetProperty("severity").GetString()));

        await client.PostAsync(url, new StringContent($$"""{"event_id": {{eventId}}, "status": "RESOLVED", "severity": 4, "host": "sorter-2", "trigger": "Sorting line stopped"}""", Encoding.UTF8, "application/json"));
        await app.CorrelateAsync();
        Assert.Equal("resolved", (await AlertAsync(eventId)).GetProperty("status").GetString());

        var bad = await client.PostAsync(url, new StringContent("""{"status": "MAYBE", "severity": "9"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("event_id", out _) && errors.TryGetProperty("status", out _) && errors.TryGetProperty("trigger", out _) && errors.TryGetProperty("severity", out _));
    }
}

public sealed class FlappingTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_flapping_alert_reopens_its_incident_twice_then_leaves_it_open_for_a_person()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("flapping " + Guid.NewGuid());
        var key = (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "m" })).JsonAsync())
            .GetProperty("secret").GetString();
        var client = app.Client(null);
        async Task Send(string action)
        {
            object body = action == "trigger"
                ? new { routing_key = key, event_action = action, dedup_key = "flap", payload = new { summary = "link flapping", source = "sw-1", severity = "error" } }
                : new { routing_key = key, event_action = action, dedup_key = "flap" };
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync("/v2/enqueue", body)).StatusCode);
            await app.CorrelateAsync();
            app.Time.Advance(TimeSpan.FromMinutes(1));
        }

        for (var i = 0; i < 4; i++)
        {
            await Send("trigger");
            await Send("resolve");
        }

        var incidents = await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync();
        Assert.Equal(1, incidents.GetProperty("total").GetInt32());
        var incident = incidents.GetProperty("items")[0];
        // Nobody acknowledged it, so each reopen took it back to triggered, where the flapping left it.
        Assert.Equal("triggered", await StatusAfterAsync(manager, incident));
        var kinds = (await (await manager.GetAsync($"/api/v1/incidents/{incident.GetProperty("id").GetString()}/timeline")).JsonAsync())
            .EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(Features.Intake.Correlator.MaxAutoReopens, kinds.Count(k => k == "reopened"));
        Assert.Contains("note", kinds);
    }

    private static async Task<string?> StatusAfterAsync(HttpClient client, JsonElement incident) =>
        (await (await client.GetAsync($"/api/v1/incidents/{incident.GetProperty("id").GetString()}")).JsonAsync()).GetProperty("status").GetString();
}

public sealed class RateLimitTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_source_over_its_limit_gets_429_with_retry_after_and_others_go_on()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("limited " + Guid.NewGuid());
        async Task<string> Key(int? limit) => (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations",
            new { type = "events", name = $"limit {limit}", rateLimitPerMinute = limit })).JsonAsync()).GetProperty("secret").GetString()!;
        var limited = await Key(3);
        var free = await Key(null);
        var client = app.Client(null);
        object Event(string key) => new { routing_key = key, event_action = "trigger", payload = new { summary = "s", source = "h", severity = "info" } };

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
            answers.Add(await client.PostJsonAsync("/v2/enqueue", Event(limited)));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 3), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode));
        Assert.True(answers[3].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("invalid event", (await answers[3].JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync("/v2/enqueue", Event(free))).StatusCode);

        app.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync("/v2/enqueue", Event(limited))).StatusCode);

        var bad = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "x", rateLimitPerMinute = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}

public sealed class SeverityMappingTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_plan_maps_an_alerts_severity_to_impact_facts_and_a_least_level()
    {
        var manager = app.Client(Role.Manager);
        var plan = Features.Plans.PlanEndpoints.Builtin("default") with
        {
            Key = "mapped-" + Guid.NewGuid().ToString("N")[..6],
            AlertSeverities = new Dictionary<string, Domain.Plans.AlertSeverityMapping>
            {
                ["warning"] = new(new Domain.Plans.ImpactFacts { AffectedUsers = 5_000 }),
                ["info"] = new(null, "L2"),
            },
        };
        var created = await manager.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(plan, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var planId = (await created.JsonAsync()).GetProperty("planId").GetString();
        var service = await (await manager.PostJsonAsync("/api/v1/services", new { name = "mapped " + Guid.NewGuid(), planId })).JsonAsync();
        var key = (await (await manager.PostJsonAsync($"/api/v1/services/{service.GetProperty("id").GetString()}/integrations", new { type = "events", name = "m" })).JsonAsync())
            .GetProperty("secret").GetString();
        var client = app.Client(null);

        async Task<JsonElement> Open(string severity)
        {
            var dedup = Guid.NewGuid().ToString("N");
            await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "trigger", dedup_key = dedup, payload = new { summary = severity + dedup, source = "h", severity } });
            await app.CorrelateAsync();
            var alert = (await (await manager.GetAsync($"/api/v1/alerts?dedupKey={dedup}")).JsonAsync()).GetProperty("items")[0];
            return await (await manager.GetAsync($"/api/v1/incidents/{alert.GetProperty("incidentId").GetString()}")).JsonAsync();
        }

        var warning = await Open("warning");
        Assert.Equal(5_000, warning.GetProperty("impact").GetProperty("affectedUsers").GetInt32());
        Assert.Equal("L2", warning.GetProperty("severity").GetProperty("level").GetString());
        var info = await Open("info");
        Assert.Equal("L2", info.GetProperty("severity").GetProperty("level").GetString());
        // Not mapped by this plan: critical falls back to a complete outage.
        Assert.Equal("L1", (await Open("critical")).GetProperty("severity").GetProperty("level").GetString());

        var bad = plan with { Key = "bad-" + Guid.NewGuid().ToString("N")[..6], AlertSeverities = new Dictionary<string, Domain.Plans.AlertSeverityMapping> { ["fatal"] = new(null, "L9") } };
        var refused = await manager.PostAsync("/api/v1/plans", new StringContent(JsonSerializer.Serialize(bad, Infrastructure.PlanCatalog.Json), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("alertSeverities.fatal", out _) && errors.TryGetProperty("alertSeverities.fatal.level", out _));
    }
}

public sealed class MaintenanceTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task Alerts_in_a_maintenance_window_are_suppressed_recorded_and_page_nobody()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("maintained " + Guid.NewGuid());
        var key = (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "m" })).JsonAsync())
            .GetProperty("secret").GetString();
        var window = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/maintenance",
            new { endsAt = app.Time.UtcNow.AddHours(1), reason = "card reader firmware upgrade" });
        Assert.Equal(HttpStatusCode.Created, window.StatusCode);
        Assert.True((await window.JsonAsync()).GetProperty("active").GetBoolean());
        var client = app.Client(null);
        async Task<JsonElement> Trigger(string dedup)
        {
            await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "trigger", dedup_key = dedup, payload = new { summary = "reader offline", source = "r1", severity = "critical" } });
            await app.CorrelateAsync();
            return (await (await manager.GetAsync($"/api/v1/alerts?dedupKey={dedup}")).JsonAsync()).GetProperty("items")[0];
        }

        var during = await Trigger("during-" + Guid.NewGuid());
        Assert.Equal("suppressed", during.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, during.GetProperty("incidentId").ValueKind);
        Assert.Equal(0, (await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}")).JsonAsync()).GetProperty("total").GetInt32());

        var page = await manager.GetStringAsync($"/services/{serviceId}");
        Assert.Contains("card reader firmware upgrade", page);

        app.Time.Advance(TimeSpan.FromHours(2));
        var after = await Trigger("after-" + Guid.NewGuid());
        Assert.Equal("firing", after.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, after.GetProperty("incidentId").ValueKind);
    }

    [Fact]
    public async Task A_window_needs_an_end_in_the_future_and_a_reason()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("bad window " + Guid.NewGuid());
        var response = await manager.PostJsonAsync($"/api/v1/services/{serviceId}/maintenance", new { endsAt = app.Time.UtcNow.AddHours(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("endsAt", out _) && errors.TryGetProperty("reason", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(Role.Responder).PostJsonAsync($"/api/v1/services/{serviceId}/maintenance",
            new { endsAt = app.Time.UtcNow.AddHours(1), reason = "x" })).StatusCode);
    }
}

public sealed class StormTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task More_than_ten_new_incidents_a_minute_on_a_service_become_one_storm_incident()
    {
        var manager = app.Client(Role.Manager);
        var serviceId = await app.ServiceAsync("storm " + Guid.NewGuid());
        var key = (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "events", name = "m" })).JsonAsync())
            .GetProperty("secret").GetString();
        var client = app.Client(null);
        for (var i = 0; i < 25; i++)
            await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "trigger", dedup_key = $"k{i}", payload = new { summary = $"kiosk {i} offline", source = $"k{i}", severity = "error", @class = $"kiosk-{i}" } });
        await app.CorrelateAsync();

        var incidents = (await (await manager.GetAsync($"/api/v1/incidents?serviceId={serviceId}&pageSize=100")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Features.Intake.Correlator.StormThreshold + 1, incidents.Count);
        var storm = Assert.Single(incidents, i => i.GetProperty("title").GetString()!.StartsWith("Alert storm", StringComparison.Ordinal));
        var alerts = await (await manager.GetAsync($"/api/v1/incidents/{storm.GetProperty("id").GetString()}/alerts")).JsonAsync();
        Assert.Equal(25 - Features.Intake.Correlator.StormThreshold, alerts.GetArrayLength());
        var timeline = await (await manager.GetAsync($"/api/v1/incidents/{storm.GetProperty("id").GetString()}/timeline")).JsonAsync();
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "storm");

        // A minute later the storm has passed its first minute, but its incident still gathers the service's new alerts while open.
        app.Time.Advance(TimeSpan.FromMinutes(2));
        await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "trigger", dedup_key = "late", payload = new { summary = "kiosk late offline", source = "x", severity = "error", @class = "late" } });
        await app.CorrelateAsync();
        var late = (await (await manager.GetAsync("/api/v1/alerts?dedupKey=late")).JsonAsync()).GetProperty("items")[0];
        Assert.Equal(storm.GetProperty("id").GetString(), late.GetProperty("incidentId").GetString());
    }
}

public sealed class KeepOpenTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_service_can_leave_incidents_open_when_their_alerts_resolve()
    {
        var manager = app.Client(Role.Manager);
        var service = await (await manager.PostJsonAsync("/api/v1/services", new { name = "keep open " + Guid.NewGuid(), keepOpenWhenAlertsResolve = true })).JsonAsync();
        Assert.True(service.GetProperty("keepOpenWhenAlertsResolve").GetBoolean());
        var key = (await (await manager.PostJsonAsync($"/api/v1/services/{service.GetProperty("id").GetString()}/integrations", new { type = "events", name = "m" })).JsonAsync())
            .GetProperty("secret").GetString();
        var client = app.Client(null);
        await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "trigger", dedup_key = "ko", payload = new { summary = "queue stuck", source = "q", severity = "error" } });
        await client.PostJsonAsync("/v2/enqueue", new { routing_key = key, event_action = "resolve", dedup_key = "ko" });
        await app.CorrelateAsync();

        var alert = (await (await manager.GetAsync("/api/v1/alerts?dedupKey=ko")).JsonAsync()).GetProperty("items")[0];
        Assert.Equal("resolved", alert.GetProperty("status").GetString());
        var incident = await (await manager.GetAsync($"/api/v1/incidents/{alert.GetProperty("incidentId").GetString()}")).JsonAsync();
        Assert.Equal("triggered", incident.GetProperty("status").GetString());
    }
}
