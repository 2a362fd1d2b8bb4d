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
public sealed class Correlator(IServiceScopeFactory scopes, TimeProvider time, SqliteWriteGate gate, WorkSignal work, IntakeJournal journal,
    ILogger<Correlator> logger) : BackgroundService
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
        turn.Dispose();
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

    /// <summary>Processes the events waiting in the inbox and the journal; returns how many.</summary>
    public async Task<int> CorrelateAsync(CancellationToken ct = default)
    {
        // One pass at a time in this process: the journal's cursor is this process's own, and a pass
        // started beside another (a test, a second wake-up) would read the same events again.
        await turn.WaitAsync(ct);
        try
        {
            var done = await CorrelateInboxAsync(ct);
            if (journal.Enabled)
                done += await CorrelateJournalAsync(ct);
            return done;
        }
        finally
        {
            turn.Release();
        }
    }

    private readonly SemaphoreSlim turn = new(1, 1);

    /// <summary>
    /// Events written to <c>AlertEvents</c> in the main database: all of them on PostgreSQL, and on
    /// SQLite those that are one commit with a change of their own (a report, a heartbeat's expiry).
    /// </summary>
    private async Task<int> CorrelateInboxAsync(CancellationToken ct)
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
                applied = await ProcessAsync(async (db, ct) =>
                    await db.AlertEvents.Where(e => batch.Contains(e.Id) && e.ProcessedAt == null).OrderBy(e => e.Id).ToListAsync(ct), null, ct) ? batch.Length : 0;
            }
            catch (Exception e) when (batch.Length > 1 && e is not OperationCanceledException)
            {
                // One event the batch cannot take: go one by one, so the others still get through
                // and the failing one is retried alone.
                logger.LogWarning(e, "A batch of {Count} events failed; processing them one at a time.", batch.Length);
                applied = 0;
                foreach (var id in batch)
                    applied += await ProcessAsync(async (db, ct) => await db.AlertEvents.Where(e => e.Id == id && e.ProcessedAt == null).ToListAsync(ct), null, ct) ? 1 : 0;
            }
            done += applied;
            if (applied < batch.Length)
                break;
        }
        return done;
    }

    private long? cursor;

    /// <summary>
    /// Events in the intake journal after the cursor, in batches; each batch moves the cursor in the
    /// same commit as its alerts and incidents, so a crash repeats none and loses none.
    /// </summary>
    private async Task<int> CorrelateJournalAsync(CancellationToken ct)
    {
        if (cursor is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            var stored = await db.Settings.AsNoTracking().Where(s => s.Key == IntakeJournal.CursorKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
            var at = long.TryParse(stored, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            if (at > journal.LastSeq())
            {
                logger.LogWarning("The intake journal {Path} is newer than the database's cursor ({Cursor}): reading it from its start.", journal.Path, at);
                at = 0;
            }
            cursor = at;
            journal.Done(at);
        }
        var done = 0;
        for (var round = 0; round < 8; round++)
        {
            var events = journal.Read(cursor.Value, JournalBatchSize);
            if (events.Count == 0)
                break;
            int applied;
            try
            {
                applied = await ProcessJournalAsync(events, ct);
            }
            catch (Exception e) when (events.Count > 1 && e is not OperationCanceledException)
            {
                logger.LogWarning(e, "A batch of {Count} events failed; processing them one at a time.", events.Count);
                applied = 0;
                foreach (var one in events)
                {
                    if (await ProcessJournalAsync([one], ct) == 0)
                        break;
                    applied++;
                }
            }
            done += applied;
            if (applied < events.Count)
                break;
        }
        return done;
    }

    private async Task<int> ProcessJournalAsync(IReadOnlyList<(long Seq, AlertEvent Event)> events, CancellationToken ct)
    {
        var last = events[^1].Seq;
        var applied = await ProcessAsync((_, _) => Task.FromResult(events.Select(e => e.Event).ToList()), async (db, ct) =>
        {
            var setting = await db.Settings.FirstOrDefaultAsync(s => s.Key == IntakeJournal.CursorKey, ct);
            if (setting is null)
                db.Settings.Add(new Setting { Key = IntakeJournal.CursorKey, Value = last.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            else
                setting.Value = last.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, ct);
        if (!applied)
            return 0;
        cursor = last;
        journal.Done(last);
        return events.Count;
    }

    /// <summary>How many events share one transaction: one disk sync for the lot, not one each.</summary>
    public const int BatchSize = 100;

    /// <summary>Journal events per transaction: under a flood the correlator reads what piled up while it worked.</summary>
    public const int JournalBatchSize = 250;

    /// <summary>Applies the events loaded in one transaction; false when another process holds the correlator's lock.</summary>
    private async Task<bool> ProcessAsync(Func<MusterDb, CancellationToken, Task<List<AlertEvent>>> load, Func<MusterDb, CancellationToken, Task>? beforeSave,
        CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var gated = !db.IsPostgres;
        // A batch tracks a few thousand entities by its end, and every look at a DbSet's Local
        // (the work items, tasks and roles queued so far) would scan them all for changes: look
        // once, before the save. A batch of 100 new incidents spent most of its time there.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        if (gated)
            await gate.WaitAsync(ct);
        db.HoldsWriteGate = gated;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // One correlator at a time across processes keeps events in order.
            if (db.IsPostgres && !await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(7262002) AS \"Value\"").SingleAsync(ct))
                return false;
            var events = await load(db, ct);
            var batch = new Batch(db, scope.ServiceProvider.GetRequiredService<IncidentActions>(), scope.ServiceProvider.GetRequiredService<PlanCatalog>(),
                time.GetUtcNow().UtcDateTime);
            await batch.LoadAsync(events, ct);
            foreach (var e in events)
                await batch.ApplyAsync(e, ct);
            await batch.SyncClocksAsync(ct);
            if (beforeSave is not null)
                await beforeSave(db, ct);
            // One save for the batch: the batch keeps in memory what later events need to see.
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            // New incidents page at once: wake the work runner rather than leave it to its poll.
            work.Notify();
            return true;
        }
        finally
        {
            if (gated)
                gate.Release();
        }
    }

    private sealed class Batch(MusterDb db, IncidentActions actions, PlanCatalog plans, DateTime now)
    {
        private readonly Dictionary<string, Integration> integrations = [];
        private readonly Dictionary<(string IntegrationId, string DedupKey), Alert> alerts = [];
        private readonly Dictionary<string, Incident> incidents = [];
        private readonly Dictionary<(string ServiceId, string GroupKey), Incident?> groups = [];
        private readonly Dictionary<string, ServiceState> services = [];
        private readonly HashSet<Incident> touched = [];
        private readonly Dictionary<string, (DateTime DueAt, string AlertId)> expiries = [];

        private sealed class ServiceState
        {
            public required List<MaintenanceWindow> Windows { get; init; }
            public Service? Service { get; set; }
            public bool StormLooked { get; set; }
            public Incident? Storm { get; set; }
            public int? DeclaredInLastMinute { get; set; }
        }

        public async Task LoadAsync(IReadOnlyList<AlertEvent> events, CancellationToken ct)
        {
            var integrationIds = events.Select(e => e.IntegrationId).Distinct().ToList();
            foreach (var integration in await db.Integrations.Where(i => integrationIds.Contains(i.Id)).ToListAsync(ct))
                integrations[integration.Id] = integration;
            var keys = events.Select(e => e.DedupKey).Distinct().ToList();
            foreach (var alert in await db.Alerts.Where(a => integrationIds.Contains(a.IntegrationId) && keys.Contains(a.DedupKey)).ToListAsync(ct))
                alerts[(alert.IntegrationId, alert.DedupKey)] = alert;
            // The incidents of the alerts the batch already knows, in one read rather than one each:
            // under Prometheus's re-sends most events are alerts that fire again.
            var incidentIds = alerts.Values.Where(a => a.IncidentId is not null).Select(a => a.IncidentId!).Distinct().ToList();
            foreach (var chunk in incidentIds.Chunk(500))
            {
                foreach (var incident in await WithReadTimeline(db.Incidents).Where(i => chunk.Contains(i.Id)).ToListAsync(ct))
                    incidents[incident.Id] = incident;
            }
            var serviceIds = integrations.Values.Select(i => i.ServiceId).Distinct().ToList();
            var earliest = events.Count == 0 ? now : events.Min(e => e.ReceivedAt);
            var windows = await db.MaintenanceWindows.AsNoTracking().Where(m => serviceIds.Contains(m.ServiceId) && m.EndsAt > earliest).ToListAsync(ct);
            foreach (var serviceId in serviceIds)
                services[serviceId] = new ServiceState { Windows = windows.Where(w => w.ServiceId == serviceId).ToList() };
        }

        public async Task ApplyAsync(AlertEvent e, CancellationToken ct)
        {
            e.ProcessedAt = now;
            if (!integrations.TryGetValue(e.IntegrationId, out var integration))
                return;
            if (integration.LastEventAt is null || e.ReceivedAt > integration.LastEventAt)
                integration.LastEventAt = e.ReceivedAt;
            var by = new Actor($"integration:{integration.Id}", integration.Name);
            var alert = alerts.GetValueOrDefault((e.IntegrationId, e.DedupKey));
            var incident = alert?.IncidentId is { } incidentId ? await IncidentAsync(incidentId, ct) : null;
            var original = incident;
            var before = incident?.Status;
            var entries = incident?.Timeline.Count;
            switch (e.Action)
            {
                case "trigger":
                    incident = await TriggerAsync(integration, e, alert, incident, by, ct);
                    if (incident is not null && integration.Type == Reports.ReportIntake.IntegrationType && Reports.ReportIntake.ReportIdOf(e.Payload) is { } reportId
                        && await db.Reports.FirstOrDefaultAsync(r => r.Id == reportId, ct) is { } report)
                    {
                        report.IncidentId = incident.Id;
                        await CountIntakeAsync(incident, by, e.ReceivedAt, ct);
                    }
                    if (integration.Type == "prometheus" && PrometheusApi.EndsAt(e.Payload) is { } endsAt)
                    {
                        var firing = alerts[(integration.Id, e.DedupKey)];
                        expiries[$"{PrometheusApi.ExpiryWork}:{firing.Id}"] = (endsAt, firing.Id);
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
                        await ResolveAsync(incident, alert, by, ct);
                    break;
            }
            // A re-sent alert that changes nothing of its open incident (Prometheus re-sends every
            // firing alert each evaluation) leaves the incident, its clocks and its paging alone.
            if (incident is not null && (incident != original || incident.Status != before || incident.Timeline.Count != entries))
            {
                touched.Add(incident);
                // New incidents started paging when declared; an acknowledged, resolved or reopened one moves here.
                if (before is { } was)
                    await actions.SyncPagingAsync(incident, was, now, ct);
            }
        }

        private async Task ResolveAsync(Incident incident, Alert alert, Actor by, CancellationToken ct)
        {
            incident.NoteAlertResolved(alert.DedupKey, alert.Summary, by, now);
            // Firing in the database and still firing here (this batch may have resolved some), or new and firing in this batch.
            var stored = await db.Alerts.Where(a => a.IncidentId == incident.Id && a.Id != alert.Id && a.Status == "firing").ToListAsync(ct);
            if (stored.Any(a => a.Status == "firing") || alerts.Values.Any(a => a != alert && a.IncidentId == incident.Id && a.Status == "firing"))
                return;
            if (await db.Services.AnyAsync(s => s.Id == incident.ServiceId && s.KeepOpenWhenAlertsResolve, ct))
                incident.NoteAlertResolved(alert.DedupKey, "every alert resolved; this service leaves the incident for a person to resolve", by, now);
            else if (IsFlapping(incident, by))
                incident.AddNote($"Alerts keep firing and resolving ({MaxAutoReopens} reopens): left open for a person to resolve.", by, now);
            else
                incident.MoveTo(IncidentStatus.Resolved, by, now, "every alert resolved");
        }

        private async Task<Incident?> TriggerAsync(Integration integration, AlertEvent e, Alert? alert, Incident? incident, Actor by, CancellationToken ct)
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
                alerts[(integration.Id, e.DedupKey)] = alert;
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
            var state = services[integration.ServiceId];
            var deviceId = integration.Type == Reports.ReportIntake.IntegrationType ? Reports.ReportIntake.DeviceIdOf(e.Payload) : null;
            if (await InMaintenanceAsync(state, integration.ServiceId, e.ReceivedAt, deviceId, alert.Source, ct))
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

            var group = (integration.ServiceId, alert.GroupKey);
            incident = await GroupAsync(group, ct);
            incident ??= await StormAsync(state, integration.ServiceId, by, ct);
            if (incident is null)
            {
                var service = state.Service ??= await db.Services.AsNoTracking().FirstAsync(s => s.Id == integration.ServiceId, ct);
                var (_, plan) = await plans.ActiveForAsync(db, service, ct);
                var mapping = plan.AlertSeverities.GetValueOrDefault(alert.Severity ?? "");
                var title = alert.Summary.Length > Incident.MaxTitleLength ? alert.Summary[..Incident.MaxTitleLength] : alert.Summary;
                incident = await actions.CreateAsync(service, title, null, mapping?.Impact ?? ImpactOf(alert.Severity), null, drill: false, by, ct: ct);
                if (mapping?.Level is { } least && plan.FindLevel(least) is { } floor && floor.Rank < incident.SeverityRank)
                {
                    incident.SetSeverity(floor, $"the plan puts {alert.Severity} alerts at {floor.Key} at least", by, now);
                    await Notifications.Matrix.SendAsync(db, incident, plan, now, ct);
                }
                incidents[incident.Id] = incident;
                state.DeclaredInLastMinute = (state.DeclaredInLastMinute ?? await DeclaredInLastMinuteAsync(integration.ServiceId, ct)) + 1;
            }
            groups[group] = incident;
            alert.IncidentId = incident.Id;
            incident.AttachAlert(alert.DedupKey, alert.Summary, by, now);
            return incident;
        }

        /// <summary>The open incident of the service with this group key declared within the window.</summary>
        private async Task<Incident?> GroupAsync((string ServiceId, string GroupKey) group, CancellationToken ct)
        {
            var since = now - GroupWindow;
            if (groups.TryGetValue(group, out var known))
                return known is { IsOpen: true } && known.DeclaredAt >= since ? known : null;
            var openId = await db.Alerts
                .Where(a => a.ServiceId == group.ServiceId && a.GroupKey == group.GroupKey && a.IncidentId != null)
                .Join(db.Incidents, a => a.IncidentId, i => i.Id, (a, i) => i)
                .Where(i => IncidentStatuses.Open.Contains(i.Status) && i.DeclaredAt >= since)
                .OrderByDescending(i => i.DeclaredAt).Select(i => i.Id).FirstOrDefaultAsync(ct);
            var incident = openId is null ? null : await IncidentAsync(openId, ct);
            groups[group] = incident;
            return incident is { IsOpen: true } ? incident : null;
        }

        /// <summary>
        /// In a storm, new alerts on the service join one storm incident (declared when the storm begins,
        /// its timeline listing every alert) instead of paging for each.
        /// </summary>
        private async Task<Incident?> StormAsync(ServiceState state, string serviceId, Actor by, CancellationToken ct)
        {
            if (!state.StormLooked)
            {
                state.StormLooked = true;
                var stormId = await db.TimelineEntries.Where(e => e.Kind == TimelineKinds.Storm && e.At >= now - GroupWindow)
                    .Join(db.Incidents, e => e.IncidentId, i => i.Id, (e, i) => i)
                    .Where(i => i.ServiceId == serviceId && IncidentStatuses.Open.Contains(i.Status))
                    .Select(i => i.Id).FirstOrDefaultAsync(ct);
                state.Storm = stormId is null ? null : await IncidentAsync(stormId, ct);
            }
            if (state.Storm is { IsOpen: true } storm)
                return storm;
            var recent = state.DeclaredInLastMinute ??= await DeclaredInLastMinuteAsync(serviceId, ct);
            if (recent < StormThreshold)
                return null;
            var service = state.Service ??= await db.Services.AsNoTracking().FirstAsync(s => s.Id == serviceId, ct);
            storm = await actions.CreateAsync(service, $"Alert storm on {service.Name}: more than {StormThreshold} new incidents a minute", null,
                new ImpactFacts { Condition = "partial" }, null, drill: false, by, ct: ct);
            storm.MarkStorm(recent, by, now);
            incidents[storm.Id] = storm;
            state.Storm = storm;
            state.DeclaredInLastMinute = recent + 1;
            return storm;
        }

        // Counted once per service and batch; the batch adds what it declares. A batch spans well under a minute.
        private Task<int> DeclaredInLastMinuteAsync(string serviceId, CancellationToken ct)
        {
            var lastMinute = now.AddMinutes(-1);
            return db.Incidents.CountAsync(i => i.ServiceId == serviceId && i.DeclaredAt >= lastMinute, ct);
        }

        private async Task<bool> InMaintenanceAsync(ServiceState state, string serviceId, DateTime at, string? deviceId, string? source, CancellationToken ct)
        {
            var active = state.Windows.Where(w => w.StartsAt <= at && w.EndsAt > at).Select(w => w.DeviceId).ToList();
            if (active.Count == 0)
                return false;
            if (active.Contains(null) || (deviceId is not null && active.Contains(deviceId)))
                return true;
            return source is not null && await db.Devices.AnyAsync(d => d.Code == source && d.ServiceId == serviceId && active.Contains(d.Id), ct);
        }

        /// <summary>
        /// Moves the facts Muster counts (reports, the devices they name, complaint growth over the
        /// same hour's normal on the service) so that the plan's rules can raise the level by themselves.
        /// </summary>
        private async Task CountIntakeAsync(Incident incident, Actor by, DateTime receivedAt, CancellationToken ct)
        {
            // Reports are few: the batch so far is saved (inside its transaction) so this report's link is counted.
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            var devices = await db.Reports.Where(r => r.IncidentId == incident.Id).Select(r => r.DeviceId).ToListAsync(ct);
            var since = receivedAt - TimeSpan.FromDays(IntakeCount.NormalDays + 1);
            var received = await db.Reports.Where(r => r.ServiceId == incident.ServiceId && r.ReceivedAt >= since && r.ReceivedAt <= receivedAt)
                .Select(r => r.ReceivedAt).ToListAsync(ct);
            var count = new IntakeCount(devices.Count, devices.Where(d => d is not null).Distinct().Count(), IntakeCount.ComplaintGrowth(received, receivedAt));
            var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
            var rank = incident.SeverityRank;
            incident.CountIntake(count, plan, by, now);
            if (incident.SeverityRank < rank)
                await Notifications.Matrix.SendAsync(db, incident, plan, now, ct);
        }

        /// <summary>
        /// An incident with only the timeline entries the correlator reads (breaches written, automatic
        /// reopens): a storm or a long incident gathers hundreds of entries, and loading them all for
        /// every alert made correlation quadratic. New entries are still appended and saved.
        /// </summary>
        private async Task<Incident> IncidentAsync(string id, CancellationToken ct)
        {
            if (incidents.TryGetValue(id, out var known))
                return known;
            var incident = await WithReadTimeline(db.Incidents).FirstAsync(i => i.Id == id, ct);
            incidents[id] = incident;
            return incident;
        }

        private static IQueryable<Incident> WithReadTimeline(IQueryable<Incident> query) =>
            query.Include(i => i.Timeline.Where(e => e.Kind == TimelineKinds.SlaBreached || e.Kind == TimelineKinds.Reopened));

        /// <summary>
        /// Clocks once per incident the batch touched, as they stand after all its events; and each
        /// Prometheus alert's expiry at its latest endsAt, read and written for the batch at once.
        /// </summary>
        public async Task SyncClocksAsync(CancellationToken ct)
        {
            foreach (var incident in touched)
                await actions.SyncClocksAsync(incident, await plans.GetAsync(db, incident.PlanVersionId, ct), now, ct);
            await db.ScheduleManyAsync(PrometheusApi.ExpiryWork, expiries.Select(e => (e.Key, e.Value.DueAt, (string?)e.Value.AlertId)).ToList(), now, ct);
        }
    }

    /// <summary>More new incidents than this in a minute on one service is a storm.</summary>
    public const int StormThreshold = 10;

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
