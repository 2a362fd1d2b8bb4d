using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Heartbeats: a kiosk, a card reader or a batch job calls its URL every interval. When a beat is
/// later than interval + grace, an alert opens (through the inbox, like any event); the next beat
/// resolves it.
/// </summary>
public static class HeartbeatHook
{
    public const string Work = "heartbeat";
    public const string DedupKey = "heartbeat";

    public static void MapHeartbeatHook(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/hooks/heartbeat/{secret}", ["GET", "POST"], BeatAsync).AllowAnonymous().WithTags("Intake")
            .WithSummary("A beat: GET or POST, no body needed. A missed beat opens an alert; the next beat resolves it.");
    }

    private static async Task<IResult> BeatAsync(string secret, MusterDb db, Correlator correlator, TimeProvider time, CancellationToken ct)
    {
        var integration = await db.Integrations.FirstOrDefaultAsync(i => i.Secret == secret && i.Enabled && i.Type == "heartbeat", ct);
        if (integration is null)
            return TypedResults.NotFound();
        var now = time.GetUtcNow().UtcDateTime;
        integration.LastEventAt = now;
        await db.ScheduleAsync(Work, $"{Work}:{integration.Id}", DueAt(integration, now), integration.Id, now, ct);
        var missing = await db.Alerts.AnyAsync(a => a.IntegrationId == integration.Id && a.DedupKey == DedupKey && a.Status == "firing", ct);
        if (missing)
            db.AlertEvents.Add(new AlertEvent { IntegrationId = integration.Id, ReceivedAt = now, Action = "resolve", DedupKey = DedupKey, Summary = "beat received" });
        await db.SaveChangesAsync(ct);
        if (missing)
            correlator.Notify();
        return TypedResults.Ok(new { status = "ok", next = DueAt(integration, now) });
    }

    public static DateTime DueAt(Integration integration, DateTime lastBeat) =>
        lastBeat.AddSeconds((integration.IntervalSeconds ?? 60) + (integration.GraceSeconds ?? 0));
}

/// <summary>Fires when a heartbeat is overdue: the beat endpoint moves this row forward with every beat.</summary>
public sealed class HeartbeatWork(MusterDb db, Correlator correlator, TimeProvider time) : IWorkHandler
{
    public string Kind => HeartbeatHook.Work;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.Id == item.Payload && i.Enabled, ct);
        var now = time.GetUtcNow().UtcDateTime;
        if (integration is null || HeartbeatHook.DueAt(integration, integration.LastEventAt ?? integration.CreatedAt) > now)
            return;
        var last = integration.LastEventAt is { } at ? at.ToString("u") : "never";
        db.AlertEvents.Add(new AlertEvent
        {
            IntegrationId = integration.Id,
            ReceivedAt = now,
            Action = "trigger",
            DedupKey = HeartbeatHook.DedupKey,
            Summary = $"No heartbeat from {integration.Name} (last: {last})",
            Source = integration.Name,
            Severity = "error",
            GroupKey = $"heartbeat:{integration.Id}",
        });
        await db.SaveChangesAsync(ct);
        correlator.Notify();
    }
}
