using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Features.Intake;

/// <summary>
/// A drop-in for PagerDuty's Events API v2: the same body, the same answers, so an existing client
/// (Alertmanager's pagerduty_configs among them) works by changing only the URL.
/// </summary>
public static class EventsApi
{
    public const int MaxBody = 512 * 1024;
    private static readonly string[] Actions = ["trigger", "acknowledge", "resolve"];
    private static readonly string[] Severities = ["critical", "error", "warning", "info"];

    public static void MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/enqueue", EnqueueAsync).AllowAnonymous().WithTags("Intake")
            .WithSummary("PagerDuty Events API v2: routing_key is the integration's secret.");
        app.MapPost("/api/v1/events", EnqueueAsync).AllowAnonymous().WithTags("Intake")
            .WithSummary("The same as /v2/enqueue.");
    }

    private static async Task<IResult> EnqueueAsync(HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody)
            return Invalid(StatusCodes.Status413PayloadTooLarge, "Event object is too large", $"The body is larger than {MaxBody / 1024} KiB.");
        var (body, error) = await IntakeGate.ReadJsonAsync(request, ct);
        if (error is not null)
            return Invalid(StatusCodes.Status400BadRequest, "Event object is invalid", error);
        if (body.ValueKind != JsonValueKind.Object)
            return Invalid(StatusCodes.Status400BadRequest, "Event object is invalid", "The body must be a JSON object.");

        var errors = new List<string>();
        var routingKey = body.Text("routing_key");
        var action = body.Text("event_action");
        var dedupKey = body.Text("dedup_key");
        if (string.IsNullOrEmpty(routingKey))
            errors.Add("'routing_key' is missing or blank");
        if (action is null || !Actions.Contains(action))
            errors.Add("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
        if (dedupKey is { Length: > 255 })
            errors.Add("'dedup_key' is too long (max 255 characters)");
        if (action is "acknowledge" or "resolve" && string.IsNullOrEmpty(dedupKey))
            errors.Add("'dedup_key' is missing or blank (required for acknowledge and resolve)");

        string? summary = null, source = null, severity = null, group = null;
        if (action == "trigger")
        {
            if (!body.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
            {
                errors.Add("'payload' is missing or is not an object");
            }
            else
            {
                summary = payload.Text("summary");
                source = payload.Text("source");
                severity = payload.Text("severity");
                group = payload.Text("class") ?? summary;
                if (string.IsNullOrWhiteSpace(summary)) errors.Add("'payload.summary' is missing or blank");
                else if (summary.Length > 1024) errors.Add("'payload.summary' is too long (max 1024 characters)");
                if (string.IsNullOrWhiteSpace(source)) errors.Add("'payload.source' is missing or blank");
                if (severity is null || !Severities.Contains(severity)) errors.Add("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
                if (payload.Text("timestamp") is { } stamp && !DateTimeOffset.TryParse(stamp, out _)) errors.Add("'payload.timestamp' is not an ISO 8601 date and time");
            }
        }
        if (errors.Count > 0)
            return Invalid(StatusCodes.Status400BadRequest, "Event object is invalid", [.. errors]);

        var integration = await integrations.FindAsync(routingKey, "events", ct);
        if (integration is null)
            return Invalid(StatusCodes.Status404NotFound, "Not found", "The routing key is unknown or disabled.");

        dedupKey ??= Guid.NewGuid().ToString("N");
        var accepted = new AlertEvent
        {
            IntegrationId = integration.Id,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
            Action = action!,
            DedupKey = dedupKey,
            Summary = summary,
            Source = source,
            Severity = severity,
            GroupKey = group,
            Payload = action == "trigger" ? body.GetProperty("payload").GetRawText() : null,
        };
        return await IntakeGate.CommitAsync(writer, integration, accepted.ReceivedAt, [accepted], () =>
            TypedResults.Json(new { status = "success", message = "Event processed", dedup_key = dedupKey }, statusCode: StatusCodes.Status202Accepted),
            (status, retryAfter) => Invalid(status, status == StatusCodes.Status429TooManyRequests ? "Too many events" : "Events could not be stored",
                $"Retry after {retryAfter} s."));
    }

    private static IResult Invalid(int status, string message, params string[] errors) =>
        TypedResults.Json(new { status = "invalid event", message, errors }, statusCode: status);
}
