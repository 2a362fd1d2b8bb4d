using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Zabbix's webhook media type posts the JSON its script builds; Muster documents the body
/// (docs/intake.md): the problem's event id keys the alert, and a recovery resolves it.
/// </summary>
public static class ZabbixHook
{
    public static void MapZabbixHook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/zabbix/{secret}", ReceiveAsync).AllowAnonymous().WithTags("Intake")
            .WithSummary("Zabbix webhook media type: {event_id, status: PROBLEM|RESOLVED, severity 0-5, host, trigger, message?}.");
    }

    private static async Task<IResult> ReceiveAsync(string secret, HttpRequest request, IntakeIntegrations integrations, IntakeWriter writer, TimeProvider time, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(secret, "zabbix", ct);
        if (integration is null)
            return TypedResults.NotFound();
        var (body, error) = await IntakeGate.ReadJsonAsync(request, ct);
        if (error is not null)
            return Problems.Invalid("body", error);
        var errors = new Problems.Errors();
        var eventId = body.Text("event_id", numbers: true);
        var status = body.Text("status", numbers: true)?.ToUpperInvariant();
        var trigger = body.Text("trigger", numbers: true);
        var severity = body.Text("severity", numbers: true);
        errors.Check(!string.IsNullOrWhiteSpace(eventId), "event_id", "event_id is required: the problem's {EVENT.ID}.")
            .Check(status is "PROBLEM" or "RESOLVED" or "1" or "0", "status", "status is PROBLEM or RESOLVED ({EVENT.VALUE} 1 or 0 also works).")
            .Check(!string.IsNullOrWhiteSpace(trigger), "trigger", "trigger is required: {TRIGGER.NAME}.")
            .Check(severity is null or "0" or "1" or "2" or "3" or "4" or "5", "severity", "severity is {EVENT.NSEVERITY}, 0 to 5.");
        if (errors.Any)
            return errors.Result();

        var host = body.Text("host", numbers: true);
        var summary = host is null ? trigger! : $"{trigger} on {host}";
        var accepted = new AlertEvent
        {
            IntegrationId = integration.Id,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
            Action = status is "PROBLEM" or "1" ? "trigger" : "resolve",
            DedupKey = eventId!,
            Summary = summary.Length > 1024 ? summary[..1024] : summary,
            Source = host,
            // Zabbix: 5 disaster and 4 high are critical, 3 average an error, 2 a warning, 1 and 0 information.
            Severity = severity switch { "5" or "4" => "critical", "3" => "error", "2" => "warning", _ => "info" },
            GroupKey = trigger,
            Payload = body.GetRawText(),
        };
        return await IntakeGate.CommitAsync(writer, integration, accepted.ReceivedAt, [accepted], () => TypedResults.Ok(new { status = "success", dedup_key = accepted.DedupKey }),
            (code, retryAfter) => TypedResults.Problem(title: "Muster cannot take this event now.", detail: $"Retry after {retryAfter} s.", statusCode: code));
    }
}
