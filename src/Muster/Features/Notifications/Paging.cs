using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Features.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>Where an incident's escalation stands: the policy, when it started, the next firing to run.</summary>
public sealed record EscalationState(string PolicyId, DateTime StartedAt, int Index, DateTime? Reescalate = null);

/// <summary>
/// Starts and stops an incident's escalation. Every step and every message is a row of the work
/// table, written in the transaction that caused it, so a crash loses none and doubles none.
/// </summary>
public static class Paging
{
    public const string EscalateWork = "escalate";
    public const string DeliverWork = "notify";

    public static string EscalateKey(string incidentId) => $"{EscalateWork}:{incidentId}";

    public static string DeliverKey(string notificationId) => $"{DeliverWork}:{notificationId}";

    /// <summary>A new or reopened incident pages its service's escalation policy from the first step, now.</summary>
    public static async Task StartAsync(MusterDb db, Incident incident, DateTime now, CancellationToken ct = default)
    {
        var policyId = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.EscalationPolicyId).FirstOrDefaultAsync(ct);
        var policy = policyId is null ? null : await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId, ct);
        if (policy is null)
            return;
        // The first step pages in the same commit that opens the incident: its messages are queued
        // the moment the incident exists, with no escalation item in between.
        await EscalationWork.FireAsync(db, incident, OnCallLookup.Definition(policy), new EscalationState(policy.Id, now, 0), now, ct);
    }

    /// <summary>
    /// An acknowledgement (or any step past triggered) stops the escalation at once, with every page
    /// not yet sent. With re-escalation in the policy, an acknowledged incident nobody touches pages again.
    /// </summary>
    public static async Task StopAsync(MusterDb db, Incident incident, DateTime now, CancellationToken ct = default)
    {
        var key = EscalateKey(incident.Id);
        var item = db.WorkItems.Local.FirstOrDefault(w => w.Key == key) ?? await db.WorkItems.FirstOrDefaultAsync(w => w.Key == key, ct);
        var state = item?.Payload is { } payload ? JsonSerializer.Deserialize<EscalationState>(payload, OnCallLookup.Json) : null;
        await db.CancelAsync(key, ct);
        var queued = await db.Notifications.Where(n => n.IncidentId == incident.Id && n.Status == "queued" && (n.Kind == "page" || n.Kind == "reescalation")).ToListAsync(ct);
        foreach (var n in queued)
        {
            n.Status = "cancelled";
            n.Detail = "acknowledged before it was sent";
            await db.CancelAsync(DeliverKey(n.Id), ct);
        }
        if (incident.Status != IncidentStatus.Acknowledged)
            return;
        // After the last step there is no item to read the policy from: the service names it.
        if (state is null && await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.EscalationPolicyId).FirstOrDefaultAsync(ct) is { } policyId)
            state = new EscalationState(policyId, now, 0);
        if (state is null)
            return;
        var policy = await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == state.PolicyId, ct);
        if (policy is not null && EscalationPlanner.ReescalateAt(OnCallLookup.Definition(policy), now) is { } at)
            await db.ScheduleAsync(EscalateWork, key, at, Payload(state with { Reescalate = now }), now, ct);
    }

    public static string Payload(EscalationState state) => JsonSerializer.Serialize(state, OnCallLookup.Json);

    /// <summary>
    /// Adds a message to one contact method, and its delivery to the work table, in the caller's
    /// transaction: every page, reminder and report that leaves Muster starts here.
    /// </summary>
    public static Task<Notification> QueueAsync(MusterDb db, ContactMethod method, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, int? step = null, int? round = null, string? subject = null, string? subjectId = null) =>
        AddAsync(db, new Notification
        {
            IncidentId = incidentId,
            PersonId = method.PersonId,
            ContactMethodId = method.Id,
            ChannelId = method.ChannelId,
            Type = method.Type,
            Kind = kind,
            Step = step,
            Round = round,
            Subject = subject,
            SubjectId = subjectId,
            CreatedAt = now,
            DueAt = dueAt,
        }, now, ct);

    /// <summary>A post to a group channel (a robot): the matrix's channel audience, an announcement.</summary>
    public static Task<Notification> QueueAsync(MusterDb db, NotificationChannel channel, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, string? subjectId = null) =>
        AddAsync(db, new Notification { IncidentId = incidentId, ChannelId = channel.Id, Type = channel.Type, Kind = kind, SubjectId = subjectId, CreatedAt = now, DueAt = dueAt }, now, ct);

    /// <summary>
    /// A message to an address that is nobody's contact method, such as a customer SMS to a
    /// reporter's phone: <paramref name="type"/> is the contact kind (sms) that carries it.
    /// </summary>
    public static Task<Notification> QueueAsync(MusterDb db, string type, string address, string? incidentId, string kind, DateTime dueAt, DateTime now,
        CancellationToken ct, string? subjectId = null) =>
        AddAsync(db, new Notification { IncidentId = incidentId, Type = type, Address = address, Kind = kind, SubjectId = subjectId, CreatedAt = now, DueAt = dueAt }, now, ct);

    private static async Task<Notification> AddAsync(MusterDb db, Notification notification, DateTime now, CancellationToken ct)
    {
        db.Notifications.Add(notification);
        await db.ScheduleAsync(DeliverWork, DeliverKey(notification.Id), notification.DueAt, notification.Id, now, ct);
        return notification;
    }
}

/// <summary>
/// Runs one firing of an escalation: finds who the step names at this instant, queues their
/// messages by their personal rules, writes who was paged on the timeline, and schedules the next
/// firing, until the policy (with its repeats) is exhausted or someone acknowledges.
/// </summary>
public sealed class EscalationWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public string Kind => Paging.EscalateWork;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var state = JsonSerializer.Deserialize<EscalationState>(item.Payload!, OnCallLookup.Json)!;
        var incidentId = item.Key[(Paging.EscalateWork.Length + 1)..];
        var now = time.GetUtcNow().UtcDateTime;
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == incidentId, ct);
        var policy = await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == state.PolicyId, ct);
        if (incident is null || policy is null)
            return;
        var definition = OnCallLookup.Definition(policy);
        if (state.Reescalate is { } acknowledgedAt)
        {
            await ReescalateAsync(incident, definition, state, acknowledgedAt, now, ct);
            return;
        }
        if (incident.Status != IncidentStatus.Triggered)
            return;

        await FireAsync(db, incident, definition, state, now, ct);
        await db.SaveChangesAsync(ct);
        signal.Notify();
    }

    /// <summary>
    /// Runs the firing <paramref name="state"/> points at and schedules the next one, or removes the
    /// escalation's item after the last (in the same commit as its pages: a crash between them and
    /// the runner's delete would otherwise page that step again). The caller saves.
    /// </summary>
    public static async Task FireAsync(MusterDb db, Incident incident, EscalationPolicyDefinition definition, EscalationState state, DateTime now, CancellationToken ct)
    {
        var key = Paging.EscalateKey(incident.Id);
        var plan = EscalationPlanner.Plan(definition, state.StartedAt);
        if (state.Index >= plan.Firings.Count)
        {
            await db.CancelAsync(key, ct);
            return;
        }
        var firing = plan.Firings[state.Index];
        await PageAsync(db, incident, definition.Steps[firing.Step - 1], firing.Step, firing.Repetition, "page", now, ct);
        if (state.Index + 1 < plan.Firings.Count)
        {
            var next = plan.Firings[state.Index + 1];
            await db.ScheduleAsync(Paging.EscalateWork, key, next.At < now ? now : next.At, Paging.Payload(state with { Index = state.Index + 1 }), now, ct);
        }
        else
        {
            await db.CancelAsync(key, ct);
        }
    }

    /// <summary>Acknowledged and untouched since: page the first step again, and look again later.</summary>
    private async Task ReescalateAsync(Incident incident, EscalationPolicyDefinition definition, EscalationState state, DateTime acknowledgedAt, DateTime now, CancellationToken ct)
    {
        if (incident.Status != IncidentStatus.Acknowledged || definition.Steps.Count == 0)
            return;
        var lastTouch = await db.TimelineEntries.Where(e => e.IncidentId == incident.Id && e.ActorId != null && e.At > acknowledgedAt)
            .OrderByDescending(e => e.At).Select(e => (DateTime?)e.At).FirstOrDefaultAsync(ct);
        var since = lastTouch ?? acknowledgedAt;
        if (EscalationPlanner.ReescalateAt(definition, since) is not { } due)
            return;
        if (due > now)
        {
            await db.ScheduleAsync(Paging.EscalateWork, Paging.EscalateKey(incident.Id), due, Paging.Payload(state with { Reescalate = since }), now, ct);
        }
        else
        {
            await PageAsync(db, incident, definition.Steps[0], 1, 0, "reescalation", now, ct);
            await db.ScheduleAsync(Paging.EscalateWork, Paging.EscalateKey(incident.Id), EscalationPlanner.ReescalateAt(definition, now)!.Value,
                Paging.Payload(state with { Reescalate = now }), now, ct);
        }
        await db.SaveChangesAsync(ct);
        signal.Notify();
    }

    private static async Task PageAsync(MusterDb db, Incident incident, EscalationStep step, int stepNumber, int round, string kind, DateTime now, CancellationToken ct)
    {
        var targets = await OnCallLookup.TargetsAsync(db, step.Targets, now, ct);
        var ids = targets.Select(t => t.PersonId).ToList();
        var people = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id) && p.Active).ToListAsync(ct);
        var methods = await db.ContactMethods.AsNoTracking().Where(m => ids.Contains(m.PersonId) && m.StoppedAt == null).ToListAsync(ct);
        var paged = new List<string>();
        foreach (var person in people.OrderBy(p => ids.IndexOf(p.Id)))
        {
            var own = methods.Where(m => m.PersonId == person.Id).ToList();
            var rules = PersonalRules(person, own);
            foreach (var planned in NotificationPlanner.Plan(rules, now))
            {
                var method = own.FirstOrDefault(m => m.Id == planned.MethodId);
                if (method is null)
                    continue;
                await Paging.QueueAsync(db, method, incident.Id, kind, planned.At, now, ct, stepNumber, round);
            }
            paged.Add(own.Count == 0 ? $"{person.DisplayName} (no contact method)" : person.DisplayName);
        }
        incident.RecordPaged(stepNumber, string.Join(", ", paged), now);
    }

    /// <summary>A person's own rules; without any, every contact method at once.</summary>
    public static IReadOnlyList<NotificationRule> PersonalRules(Person person, IReadOnlyList<ContactMethod> methods)
    {
        var rules = person.NotificationRules is { } json ? JsonSerializer.Deserialize<List<NotificationRule>>(json, OnCallLookup.Json) : null;
        return rules is { Count: > 0 } ? rules : [new NotificationRule { DelayMinutes = 0, MethodIds = methods.Select(m => m.Id).ToList() }];
    }
}
