using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>Prometheus Alertmanager's webhook (payload version 4) and Grafana's, which shares its shape: each alert keyed by its fingerprint.</summary>
public static class AlertmanagerHook
{
    public static void MapAlertmanagerHook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/alertmanager/{secret}", (string secret, HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct) =>
                ReceiveAsync("alertmanager", secret, request, integrations, writer, time, ct))
            .AllowAnonymous().WithTags("Intake")
            .WithSummary("Alertmanager webhook_configs: firing alerts trigger, resolved ones resolve.");
        // Grafana's alerting webhook sends the same alert list (labels, annotations, status, fingerprint).
        app.MapPost("/hooks/grafana/{secret}", (string secret, HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct) =>
                ReceiveAsync("grafana", secret, request, integrations, writer, time, ct))
            .AllowAnonymous().WithTags("Intake")
            .WithSummary("Grafana alerting webhook contact point: firing alerts trigger, resolved ones resolve.");
    }

    private static async Task<IResult> ReceiveAsync(string type, string secret, HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(secret, type, ct);
        if (integration is null)
            return TypedResults.NotFound();
        var (body, error) = await IntakeGate.ReadJsonAsync(request, ct);
        if (error is not null)
            return Problems.Invalid("body", error);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
            return Problems.Invalid("alerts", "alerts is missing: send the webhook payload (Alertmanager version 4, or Grafana's), with an 'alerts' array.");

        var now = time.GetUtcNow().UtcDateTime;
        var events = new List<AlertEvent>();
        var index = 0;
        foreach (var alert in alerts.EnumerateArray())
        {
            if (alert.ValueKind != JsonValueKind.Object || !alert.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object)
                return Problems.Invalid($"alerts[{index}].labels", "Each alert needs a 'labels' object.");
            var status = alert.Text("status");
            if (status is not ("firing" or "resolved"))
                return Problems.Invalid($"alerts[{index}].status", "status is firing or resolved.");
            var name = labels.Text("alertname") ?? "alert";
            var annotations = alert.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
            var summary = (annotations.ValueKind == JsonValueKind.Object ? annotations.Text("summary") ?? annotations.Text("description") : null) ?? name;
            events.Add(new AlertEvent
            {
                IntegrationId = integration.Id,
                ReceivedAt = now,
                Action = status == "firing" ? "trigger" : "resolve",
                DedupKey = alert.Text("fingerprint") ?? Fingerprint(labels),
                Summary = summary.Length > 1024 ? summary[..1024] : summary,
                Source = labels.Text("instance") ?? labels.Text("job"),
                Severity = Severity(labels.Text("severity")),
                GroupKey = name,
                Payload = alert.GetRawText(),
            });
            index++;
        }
        return await IntakeGate.CommitAsync(writer, integration, now, events, () => TypedResults.Ok(new { status = "success", accepted = events.Count }),
            (status, retryAfter) => TypedResults.Problem(title: "Muster cannot take these alerts now.", detail: $"Retry after {retryAfter} s.", statusCode: status));
    }

    /// <summary>A stable key from the label set, where the sender gave no fingerprint.</summary>
    public static string Fingerprint(JsonElement labels)
    {
        var text = string.Join("\n", labels.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={p.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    public static string Severity(string? label) => label?.ToLowerInvariant() switch
    {
        "critical" or "page" or "p1" => "critical",
        "error" or "major" or "high" => "error",
        "info" or "none" => "info",
        _ => "warning",
    };
}
