using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Features.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

/// <summary>
/// Turns committed events into alerts and incidents, in the order they arrived: the same dedup key
/// is the same alert; a new alert joins the open incident of its service with the same group key
/// (an alert name) declared within the window, or declares one.
/// </summary>
public sealed class Correlator(IServiceScopeFactory scopes, TimeProvider time, SqliteWriteGate gate, ILogger<Correlator> logger) : BackgroundService
{
    public static readonly TimeSpan GroupWindow = TimeSpan.FromMinutes(30);

    private readonly SemaphoreSlim signal = new(0, 1);

    public void Notify()
    {
        if (signal.CurrentCount == 0)
        {
            try { signal.Release(); }
            catch (SemaphoreFullException) { }
        }
    }

    public override void Dispose()
    {
        signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await CorrelateAsync(stoppingToken) == 0)
                    await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Correlation failed; it tries again in a second.");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Processes the events waiting in the inbox; returns how many.</summary>
    public async Task<int> CorrelateAsync(CancellationToken ct = default)
    {
        List<long> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            ids = await db.AlertEvents.Where(e => e.ProcessedAt == null).OrderBy(e => e.Id).Select(e => e.Id).Take(200).ToListAsync(ct);
        }
        var done = 0;
        foreach (var batch in ids.Chunk(BatchSize))
        {
            int applied;
            try
            {
                applied = await ProcessAsync(batch, ct);
            }
            catch (Exception e) when (batch.Length > 1 && e is not OperationCanceledException)
            {
                // One event the batch cannot take: go one by one, so the others still get through
                // and the failing one is retried alone.
                logger.LogWarning(e, "A batch of {Count} events failed; processing them one at a time.", batch.Length);
                applied = 0;
                foreach (var id in batch)
                    applied += await ProcessAsync([id], ct);
            }
            done += applied;
            if (applied < batch.Length)
                break;
        }
        return done;
    }

    /// <summary>How many events share one transaction: one disk sync for the lot, not one each.</summary>
    public const int BatchSize = 100;

    private async Task<int> ProcessAsync(IReadOnlyList<long> eventIds, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var gated = !db.IsPostgres;
        if (gated)
            await gate.WaitAsync(ct);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // One correlator at a time across processes keeps events in order.
            if (db.IsPostgres && !await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(7262002) AS \"Value\"").SingleAsync(ct))
                return 0;
            foreach (var eventId in eventIds)
            {
                await ApplyAsync(scope, db, eventId, ct);
                // Saved inside the transaction, so the next event's queries see this one's alert and incident.
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return eventIds.Count;
        }
        finally
        {
            if (gated)
                gate.Release();
        }
    }

    private async Task ApplyAsync(AsyncServiceScope scope, MusterDb db, long eventId, CancellationToken ct)
    {
        var actions = scope.ServiceProvider.GetRequiredService<IncidentActions>();
        var plans = scope.ServiceProvider.GetRequiredService<PlanCatalog>();
        var e = await db.AlertEvents.FirstAsync(x => x.Id == eventId, ct);
        if (e.ProcessedAt is not null)
            return;
        var now = time.GetUtcNow().UtcDateTime;
        e.ProcessedAt = now;
        var integration = await db.Integrations.FirstOrDefaultAsync(i => i.Id == e.IntegrationId, ct);
        if (integration is not null)
        {
            if (integration.LastEventAt is null || e.ReceivedAt > integration.LastEventAt)
                integration.LastEventAt = e.ReceivedAt;
            var by = new Actor($"integration:{integration.Id}", integration.Name);
            var alert = await db.Alerts.FirstOrDefaultAsync(a => a.IntegrationId == e.IntegrationId && a.DedupKey == e.DedupKey, ct);
            var incident = alert?.IncidentId is { } incidentId ? await LoadAsync(db, incidentId, ct) : null;
            switch (e.Action)
            {
                case "trigger":
                    incident = await TriggerAsync(db, actions, plans, integration, e, alert, incident, by, now, ct);
                    if (incident is not null && integration.Type == Reports.ReportIntake.IntegrationType && Reports.ReportIntake.ReportIdOf(e.Payload) is { } reportId
                        && await db.Reports.FirstOrDefaultAsync(r => r.Id == reportId, ct) is { } report)
                    {
                        report.IncidentId = incident.Id;
                        await CountIntakeAsync(db, plans, incident, by, e.ReceivedAt, now, ct);
                    }
                    if (integration.Type == "prometheus" && PrometheusApi.EndsAt(e.Payload) is { } endsAt)
                    {
                        var firing = db.Alerts.Local.First(a => a.DedupKey == e.DedupKey && a.IntegrationId == integration.Id);
                        await db.ScheduleAsync(PrometheusApi.ExpiryWork, $"{PrometheusApi.ExpiryWork}:{firing.Id}", endsAt, firing.Id, now, ct);
                    }
                    break;
                case "acknowledge" when incident is { Status: IncidentStatus.Triggered }:
                    incident.MoveTo(IncidentStatus.Acknowledged, by, now, e.Summary);
                    break;
                case "resolve" when alert is { Status: "suppressed" }:
                    alert.Status = "resolved";
                    alert.ResolvedAt = e.ReceivedAt;
                    alert.EventCount++;
                    break;
                case "resolve" when alert is { Status: "firing" }:
                    alert.Status = "resolved";
                    alert.ResolvedAt = e.ReceivedAt;
                    alert.EventCount++;
                    if (incident is { IsOpen: true })
                    {
                        incident.NoteAlertResolved(alert.DedupKey, alert.Summary, by, now);
                        var othersFiring = await db.Alerts.AnyAsync(a => a.IncidentId == incident.Id && a.Id != alert.Id && a.Status == "firing", ct);
                        if (othersFiring)
                            break;
                        if (await db.Services.AnyAsync(s => s.Id == incident.ServiceId && s.KeepOpenWhenAlertsResolve, ct))
                            incident.NoteAlertResolved(alert.DedupKey, "every alert resolved; this service leaves the incident for a person to resolve", by, now);
                        else if (IsFlapping(incident, by))
                            incident.AddNote($"Alerts keep firing and resolving ({MaxAutoReopens} reopens): left open for a person to resolve.", by, now);
                        else
                            incident.MoveTo(IncidentStatus.Resolved, by, now, "every alert resolved");
                    }
                    break;
            }
            if (incident is not null)
                await actions.SyncClocksAsync(incident, await plans.GetAsync(db, incident.PlanVersionId, ct), now, ct);
        }
    }

    private static async Task<Incident?> TriggerAsync(MusterDb db, IncidentActions actions, PlanCatalog plans, Integration integration, AlertEvent e,
        Alert? alert, Incident? incident, Actor by, DateTime now, CancellationToken ct)
    {
        if (alert is null)
        {
            alert = new Alert
            {
                IntegrationId = integration.Id,
                ServiceId = integration.ServiceId,
                DedupKey = e.DedupKey,
                FirstSeenAt = e.ReceivedAt,
            };
            db.Alerts.Add(alert);
        }
        alert.Status = "firing";
        alert.ResolvedAt = null;
        alert.LastSeenAt = e.ReceivedAt;
        alert.EventCount++;
        alert.Summary = e.Summary ?? alert.Summary;
        alert.Source = e.Source ?? alert.Source;
        alert.Severity = e.Severity ?? alert.Severity;
        alert.GroupKey = e.GroupKey ?? alert.Summary;
        alert.Details = e.Payload ?? alert.Details;
        if (incident is { IsOpen: true })
            return incident;
        var deviceId = integration.Type == Reports.ReportIntake.IntegrationType ? Reports.ReportIntake.DeviceIdOf(e.Payload) : null;
        if (await MaintenanceEndpoints.InMaintenanceAsync(db, integration.ServiceId, e.ReceivedAt, deviceId, alert.Source, ct))
        {
            // Recorded and visible, but nobody is paged and no incident opens.
            alert.Status = "suppressed";
            alert.IncidentId = null;
            return null;
        }
        // The same alert firing again soon after its incident resolved is that incident coming back.
        if (incident is { ResolvedAt: { } resolvedAt } && now - resolvedAt < GroupWindow)
        {
            incident.Reopen(by, now, $"{alert.Summary} fired again");
            return incident;
        }

        var since = now - GroupWindow;
        var groupKey = alert.GroupKey;
        var openId = await db.Alerts
            .Where(a => a.ServiceId == integration.ServiceId && a.GroupKey == groupKey && a.IncidentId != null)
            .Join(db.Incidents, a => a.IncidentId, i => i.Id, (a, i) => i)
            .Where(i => IncidentStatuses.Open.Contains(i.Status) && i.DeclaredAt >= since)
            .OrderByDescending(i => i.DeclaredAt).Select(i => i.Id).FirstOrDefaultAsync(ct);
        incident = openId is null ? null : await LoadAsync(db, openId, ct);
        incident ??= await StormAsync(db, actions, integration.ServiceId, by, now, ct);
        if (incident is null)
        {
            var service = await db.Services.AsNoTracking().FirstAsync(s => s.Id == integration.ServiceId, ct);
            var (_, plan) = await plans.ActiveForAsync(db, service, ct);
            var mapping = plan.AlertSeverities.GetValueOrDefault(alert.Severity ?? "");
            var title = alert.Summary.Length > Incident.MaxTitleLength ? alert.Summary[..Incident.MaxTitleLength] : alert.Summary;
            incident = await actions.CreateAsync(service, title, null, mapping?.Impact ?? ImpactOf(alert.Severity), null, drill: false, by, ct);
            if (mapping?.Level is { } least && plan.FindLevel(least) is { } floor && floor.Rank < incident.SeverityRank)
                incident.SetSeverity(floor, $"the plan puts {alert.Severity} alerts at {floor.Key} at least", by, now);
        }
        alert.IncidentId = incident.Id;
        incident.AttachAlert(alert.DedupKey, alert.Summary, by, now);
        return incident;
    }

    /// <summary>
    /// Moves the facts Muster counts (reports, the devices they name, complaint growth over the
    /// same hour's normal on the service) so that the plan's rules can raise the level by themselves.
    /// </summary>
    private static async Task CountIntakeAsync(MusterDb db, PlanCatalog plans, Incident incident, Actor by, DateTime receivedAt, DateTime now, CancellationToken ct)
    {
        // The report's link to this incident is saved first, inside the batch's transaction, so it is counted.
        await db.SaveChangesAsync(ct);
        var devices = await db.Reports.Where(r => r.IncidentId == incident.Id).Select(r => r.DeviceId).ToListAsync(ct);
        var since = receivedAt - TimeSpan.FromDays(IntakeCount.NormalDays + 1);
        var received = await db.Reports.Where(r => r.ServiceId == incident.ServiceId && r.ReceivedAt >= since && r.ReceivedAt <= receivedAt)
            .Select(r => r.ReceivedAt).ToListAsync(ct);
        var count = new IntakeCount(devices.Count, devices.Where(d => d is not null).Distinct().Count(), IntakeCount.ComplaintGrowth(received, receivedAt));
        incident.CountIntake(count, await plans.GetAsync(db, incident.PlanVersionId, ct), by, now);
    }

    /// <summary>
    /// An incident with only the timeline entries the correlator reads (breaches written, automatic
    /// reopens): a storm or a long incident gathers hundreds of entries, and loading them all for
    /// every alert made correlation quadratic. New entries are still appended and saved.
    /// </summary>
    private static Task<Incident> LoadAsync(MusterDb db, string id, CancellationToken ct) =>
        db.Incidents
            .Include(i => i.Timeline.Where(e => e.Kind == TimelineKinds.SlaBreached || e.Kind == TimelineKinds.Reopened))
            .FirstAsync(i => i.Id == id, ct);

    /// <summary>More new incidents than this in a minute on one service is a storm.</summary>
    public const int StormThreshold = 10;

    /// <summary>
    /// In a storm, new alerts on the service join one storm incident (declared when the storm begins,
    /// its timeline listing every alert) instead of paging for each.
    /// </summary>
    private static async Task<Incident?> StormAsync(MusterDb db, IncidentActions actions, string serviceId, Actor by, DateTime now, CancellationToken ct)
    {
        var stormId = await db.TimelineEntries.Where(e => e.Kind == TimelineKinds.Storm && e.At >= now - GroupWindow)
            .Join(db.Incidents, e => e.IncidentId, i => i.Id, (e, i) => i)
            .Where(i => i.ServiceId == serviceId && IncidentStatuses.Open.Contains(i.Status))
            .Select(i => i.Id).FirstOrDefaultAsync(ct);
        if (stormId is not null)
            return await LoadAsync(db, stormId, ct);
        var lastMinute = now.AddMinutes(-1);
        // Each event commits before the next, so the database holds every incident declared so far.
        var recent = await db.Incidents.CountAsync(i => i.ServiceId == serviceId && i.DeclaredAt >= lastMinute, ct);
        if (recent < StormThreshold)
            return null;
        var service = await db.Services.AsNoTracking().FirstAsync(s => s.Id == serviceId, ct);
        var storm = await actions.CreateAsync(service, $"Alert storm on {service.Name}: more than {StormThreshold} new incidents a minute", null,
            new ImpactFacts { Condition = "partial" }, null, drill: false, by, ct);
        storm.MarkStorm(recent, by, now);
        return storm;
    }

    /// <summary>After this many automatic reopens, resolving the alerts no longer resolves the incident.</summary>
    public const int MaxAutoReopens = 2;

    private static bool IsFlapping(Incident incident, Actor by) =>
        incident.Timeline.Count(e => e.Kind == TimelineKinds.Reopened && e.ActorId == by.Id) >= MaxAutoReopens;

    /// <summary>For a plan that does not map alert severities: critical is a complete outage, error a lost function.</summary>
    public static ImpactFacts ImpactOf(string? severity) => severity switch
    {
        "critical" => new ImpactFacts { Condition = "down" },
        "error" => new ImpactFacts { Condition = "partial" },
        _ => new ImpactFacts { Condition = "minor" },
    };
}
