using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Alertmanager's own receiving API, so Prometheus (alerting.alertmanagers) can send straight to
/// Muster. The bearer token, or the basic-auth password, is a prometheus integration's secret.
/// Prometheus re-sends firing alerts on every evaluation; one whose endsAt passes without a
/// re-send resolves, as in Alertmanager.
/// </summary>
public static class PrometheusApi
{
    public const string ExpiryWork = "alert-expiry";

    public static void MapPrometheusApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v2/alerts", ReceiveAsync).AllowAnonymous().WithTags("Intake")
            .WithSummary("Alertmanager API v2 alerts, as Prometheus sends them; authenticated by a prometheus integration's secret.");
    }

    private static async Task<IResult> ReceiveAsync(HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct)
    {
        var secret = Secret(request.Headers.Authorization.ToString());
        var integration = await integrations.FindAsync(secret, "prometheus", ct);
        if (integration is null)
            return TypedResults.Json("authorization is missing or its secret is unknown or disabled", statusCode: StatusCodes.Status401Unauthorized);
        var (body, error) = await IntakeGate.ReadJsonAsync(request, ct);
        if (error is not null)
            return TypedResults.BadRequest(error);
        if (body.ValueKind != JsonValueKind.Array)
            return TypedResults.BadRequest("the body must be an array of alerts, each with labels");

        var now = time.GetUtcNow().UtcDateTime;
        var events = new List<AlertEvent>();
        var index = 0;
        foreach (var alert in body.EnumerateArray())
        {
            if (alert.ValueKind != JsonValueKind.Object || !alert.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object
                || !labels.EnumerateObject().Any())
                return TypedResults.BadRequest($"[{index}].labels: each alert needs a labels object with at least one label");
            var endsAt = Time(alert, "endsAt");
            if (alert.TryGetProperty("endsAt", out var rawEnd) && rawEnd.ValueKind == JsonValueKind.String && endsAt is null)
                return TypedResults.BadRequest($"[{index}].endsAt: not an RFC 3339 date and time");
            var name = labels.Text("alertname") ?? "alert";
            var annotations = alert.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
            var summary = (annotations.ValueKind == JsonValueKind.Object ? annotations.Text("summary") ?? annotations.Text("description") : null) ?? name;
            var resolved = endsAt is { } end && end <= now;
            events.Add(new AlertEvent
            {
                IntegrationId = integration.Id,
                ReceivedAt = now,
                Action = resolved ? "resolve" : "trigger",
                DedupKey = AlertmanagerHook.Fingerprint(labels),
                Summary = summary.Length > 1024 ? summary[..1024] : summary,
                Source = labels.Text("instance") ?? labels.Text("job"),
                Severity = AlertmanagerHook.Severity(labels.Text("severity")),
                GroupKey = name,
                Payload = alert.GetRawText(),
            });
            index++;
        }
        return await IntakeGate.CommitAsync(writer, integration, now, events, () => TypedResults.Ok(),
            (status, retryAfter) => TypedResults.Json($"busy: retry after {retryAfter} s", statusCode: status));
    }

    /// <summary>When a firing Prometheus alert resolves by itself unless re-sent: its endsAt, as in Alertmanager.</summary>
    public static DateTime? EndsAt(string? payload)
    {
        if (payload is null)
            return null;
        using var document = JsonDocument.Parse(payload);
        return Time(document.RootElement, "endsAt");
    }

    private static string? Secret(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header[7..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            return pair.Split(':', 2) is [_, var password] ? password : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DateTime? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
        && parsed.Year > 1 ? parsed.UtcDateTime : null;
}

/// <summary>A Prometheus alert whose endsAt passed without a re-send resolves, through the inbox like any event.</summary>
public sealed class AlertExpiryWork(MusterDb db, Correlator correlator, TimeProvider time) : IWorkHandler
{
    public string Kind => PrometheusApi.ExpiryWork;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var alert = await db.Alerts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == item.Payload, ct);
        if (alert is not { Status: "firing" or "suppressed" })
            return;
        db.AlertEvents.Add(new AlertEvent
        {
            IntegrationId = alert.IntegrationId,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
            Action = "resolve",
            DedupKey = alert.DedupKey,
            Summary = "endsAt passed without a re-send",
        });
        await db.SaveChangesAsync(ct);
        correlator.Notify();
    }
}
