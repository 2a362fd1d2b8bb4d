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

    public static string EscalateKey(string incidentId) => $"{EscalateWork}:{incidentId}";

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
            await db.CancelAsync(Outbox.DeliverKey(n.Id), ct);
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
}

/// <summary>
/// Runs due firings of escalations, a thousand in one transaction: finds who each step names at
/// this instant, queues their messages by their personal rules, writes who was paged on the
/// timeline, and schedules the next firing, until the policy (with its repeats) is exhausted or
/// someone acknowledges. A batch writes its rows with bulk statements (BulkWrites), and the runner removes
/// the finished items in the same commit, so a crash cannot page a step twice.
/// </summary>
public sealed class EscalationWork(TimeProvider time) : IBatchWorkHandler
{
    public string Kind => Paging.EscalateWork;

    private DateTime now;
    private Dictionary<string, Incident> incidents = [];
    private Dictionary<string, DateTime> versions = [];
    private Dictionary<string, EscalationPolicyDefinition> definitions = [];
    private Pager? pager;

    /// <summary>What running one escalation item does: its messages, and the next firing (none: the escalation is over).</summary>
    private sealed record Outcome(IReadOnlyList<Notification> Messages, (DateTime At, EscalationState State)? Next);

    private static (EscalationState State, string IncidentId) Read(WorkItem item) =>
        (JsonSerializer.Deserialize<EscalationState>(item.Payload!, OnCallLookup.Json)!, item.Key[(Paging.EscalateWork.Length + 1)..]);

    /// <summary>
    /// The incidents (and the version of each, checked again at the commit), the policies, who every
    /// step names at <paramref name="at"/>, and all those people and their contact methods in two queries.
    /// </summary>
    public async Task PrepareAsync(MusterDb db, IReadOnlyList<WorkItem> items, DateTime at, CancellationToken ct)
    {
        now = at;
        var due = items.Select(Read).ToList();
        var incidentIds = due.Select(d => d.IncidentId).ToList();
        var policyIds = due.Select(d => d.State.PolicyId).Distinct().ToList();
        incidents = await db.Incidents.AsNoTracking().Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        versions = incidents.Values.ToDictionary(i => i.Id, i => i.UpdatedAt);
        definitions = (await db.EscalationPolicies.AsNoTracking().Where(p => policyIds.Contains(p.Id)).ToListAsync(ct))
            .ToDictionary(p => p.Id, OnCallLookup.Definition);
        pager = new Pager(db, now);
        foreach (var (state, incidentId) in due)
            if (state.Reescalate is null && incidents.TryGetValue(incidentId, out var incident) && incident.Status == IncidentStatus.Triggered
                && definitions.TryGetValue(state.PolicyId, out var definition) && StepOf(definition, state) is { } step)
                await pager.TargetsAsync(step.Targets, ct);
        await pager.LoadPeopleAsync(ct);
    }

    public async Task<BatchOutcome> HandleAsync(MusterDb db, IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var pages = pager ?? new Pager(db, now);
        now = time.GetUtcNow().UtcDateTime;
        var runs = new List<(WorkItem Item, Incident Incident, Outcome Outcome)>();
        foreach (var item in items)
        {
            var (state, incidentId) = Read(item);
            if (!incidents.TryGetValue(incidentId, out var incident) || !definitions.TryGetValue(state.PolicyId, out var definition))
                continue;
            if (state.Reescalate is null && incident.Status != IncidentStatus.Triggered)
                continue;
            runs.Add((item, incident, await RunAsync(db, pages, incident, definition, state, now, ct)));
        }
        // An incident that pages must still be as it was read. The check moves its version on, so an
        // acknowledgement racing this commit fails its own check rather than missing these pages.
        var unchanged = await TouchAsync(db, runs.Where(r => r.Incident.Timeline.Count > 0).Select(r => (r.Incident.Id, versions[r.Incident.Id])).ToList(), now, ct);
        var messages = new List<Notification>();
        var entries = new List<TimelineEntry>();
        var next = new List<WorkItem>();
        var again = new List<WorkItem>();
        foreach (var (item, incident, outcome) in runs)
        {
            if (incident.Timeline.Count > 0 && !unchanged.Contains(incident.Id))
            {
                again.Add(item);
                continue;
            }
            messages.AddRange(outcome.Messages);
            entries.AddRange(incident.Timeline);
            if (outcome.Next is { } firing)
                next.Add(new WorkItem { Kind = Kind, Key = item.Key, DueAt = firing.At, Payload = Paging.Payload(firing.State), CreatedAt = now });
        }
        await db.InsertManyAsync(messages, ct);
        await db.InsertManyAsync(messages.Select(m => Outbox.Delivery(m, now)).ToList(), ct);
        await db.InsertManyAsync(entries, ct);
        return new BatchOutcome(next, again);
    }

    /// <summary>Moves each incident's version on where it is still the one given; returns those incidents.</summary>
    private static async Task<HashSet<string>> TouchAsync(MusterDb db, IReadOnlyList<(string Id, DateTime Version)> read, DateTime now, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            // The runner's transaction has written already, so it holds SQLite's one write lock:
            // no writer can come between reading the versions and moving them on.
            var ids = read.Select(r => r.Id).ToList();
            var current = await db.Incidents.Where(i => ids.Contains(i.Id)).Select(i => new { i.Id, i.UpdatedAt }).ToDictionaryAsync(i => i.Id, i => i.UpdatedAt, ct);
            var same = read.Where(r => current.TryGetValue(r.Id, out var version) && version == r.Version).ToList();
            // Each version moves forward even where it already stands at or past now (a change in this
            // microsecond): one statement for each new version, nearly always one for the batch.
            foreach (var group in same.GroupBy(r => Incident.NextVersion(r.Version, now)))
            {
                var members = group.Select(r => r.Id).ToList();
                await db.Incidents.Where(i => members.Contains(i.Id)).ExecuteUpdateAsync(s => s.SetProperty(i => i.UpdatedAt, group.Key), ct);
            }
            return [.. same.Select(r => r.Id)];
        }
        var unchanged = new HashSet<string>();
        foreach (var chunk in read.Chunk(10_000))
        {
            var values = string.Join(", ", chunk.Select((_, i) => $"({{{3 * i}}}, {{{3 * i + 1}}}, {{{3 * i + 2}}})"));
            var sql = $$"""
                WITH v("Id", "Version", "Next") AS (VALUES {{values}})
                UPDATE "Incidents" SET "UpdatedAt" = v."Next" FROM v WHERE "Incidents"."Id" = v."Id" AND "Incidents"."UpdatedAt" = v."Version"
                RETURNING "Incidents"."Id" AS "Value"
                """;
            // Each version moves forward even where it already stands at or past now (a change in this microsecond).
            object[] parameters = [.. chunk.SelectMany(r => new object[] { r.Id, r.Version, Incident.NextVersion(r.Version, now) })];
            unchanged.UnionWith(await db.Database.SqlQueryRaw<string>(sql, parameters).ToListAsync(ct));
        }
        return unchanged;
    }

    private static EscalationStep? StepOf(EscalationPolicyDefinition definition, EscalationState state)
    {
        var plan = EscalationPlanner.Plan(definition, state.StartedAt);
        return state.Index < plan.Firings.Count ? definition.Steps[plan.Firings[state.Index].Step - 1] : null;
    }

    /// <summary>
    /// Runs the firing <paramref name="state"/> points at, in the caller's unit of work, and schedules
    /// the next one, or removes the escalation's item after the last. The caller saves.
    /// </summary>
    public static async Task FireAsync(MusterDb db, Incident incident, EscalationPolicyDefinition definition, EscalationState state, DateTime now, CancellationToken ct)
    {
        var outcome = await RunAsync(db, new Pager(db, now), incident, definition, state, now, ct);
        foreach (var message in outcome.Messages)
            Outbox.Enqueue(db, message, now);
        var key = Paging.EscalateKey(incident.Id);
        if (outcome.Next is { } next)
            await db.ScheduleAsync(Paging.EscalateWork, key, next.At, Paging.Payload(next.State), now, ct);
        else
            await db.CancelAsync(key, ct);
    }

    /// <summary>One escalation item: a firing of the policy, or a look at an acknowledged incident nobody has touched.</summary>
    private static async Task<Outcome> RunAsync(MusterDb db, Pager pager, Incident incident, EscalationPolicyDefinition definition, EscalationState state,
        DateTime now, CancellationToken ct)
    {
        if (state.Reescalate is { } acknowledgedAt)
            return await ReescalateAsync(db, pager, incident, definition, state, acknowledgedAt, now, ct);
        var plan = EscalationPlanner.Plan(definition, state.StartedAt);
        if (state.Index >= plan.Firings.Count)
            return new Outcome([], null);
        var firing = plan.Firings[state.Index];
        var messages = await PageAsync(pager, incident, definition.Steps[firing.Step - 1], firing.Step, firing.Repetition, "page", now, ct);
        if (state.Index + 1 >= plan.Firings.Count)
            return new Outcome(messages, null);
        var next = plan.Firings[state.Index + 1];
        return new Outcome(messages, (next.At < now ? now : next.At, state with { Index = state.Index + 1 }));
    }

    /// <summary>Acknowledged and untouched since: page the first step again, and look again later.</summary>
    private static async Task<Outcome> ReescalateAsync(MusterDb db, Pager pager, Incident incident, EscalationPolicyDefinition definition, EscalationState state,
        DateTime acknowledgedAt, DateTime now, CancellationToken ct)
    {
        if (incident.Status != IncidentStatus.Acknowledged || definition.Steps.Count == 0)
            return new Outcome([], null);
        var lastTouch = await db.TimelineEntries.Where(e => e.IncidentId == incident.Id && e.ActorId != null && e.At > acknowledgedAt)
            .OrderByDescending(e => e.At).Select(e => (DateTime?)e.At).FirstOrDefaultAsync(ct);
        var since = lastTouch ?? acknowledgedAt;
        if (EscalationPlanner.ReescalateAt(definition, since) is not { } due)
            return new Outcome([], null);
        if (due > now)
            return new Outcome([], (due, state with { Reescalate = since }));
        var messages = await PageAsync(pager, incident, definition.Steps[0], 1, 0, "reescalation", now, ct);
        return new Outcome(messages, (EscalationPlanner.ReescalateAt(definition, now)!.Value, state with { Reescalate = now }));
    }

    /// <summary>The messages to everyone a step names, by each person's rules; the incident records who was paged.</summary>
    private static async Task<List<Notification>> PageAsync(Pager pager, Incident incident, EscalationStep step, int stepNumber, int round, string kind, DateTime now,
        CancellationToken ct)
    {
        var targets = await pager.TargetsAsync(step.Targets, ct);
        await pager.LoadPeopleAsync(ct);
        var messages = new List<Notification>();
        var paged = new List<string>();
        foreach (var target in targets)
        {
            var (person, own) = pager.Person(target.PersonId);
            if (person is null)
                continue;
            foreach (var planned in NotificationPlanner.Plan(PersonalRules(person, own), now))
                if (own.FirstOrDefault(m => m.Id == planned.MethodId) is { } method)
                    messages.Add(Outbox.Message(method, incident.Id, kind, planned.At, now, stepNumber, round));
            paged.Add(own.Count == 0 ? $"{person.DisplayName} (no contact method)" : person.DisplayName);
        }
        incident.RecordPaged(stepNumber, string.Join(", ", paged), now);
        return messages;
    }

    /// <summary>A person's own rules; without any, every contact method at once.</summary>
    public static IReadOnlyList<NotificationRule> PersonalRules(Person person, IReadOnlyList<ContactMethod> methods)
    {
        var rules = person.NotificationRules is { } json ? JsonSerializer.Deserialize<List<NotificationRule>>(json, OnCallLookup.Json) : null;
        return rules is { Count: > 0 } ? rules : [new NotificationRule { DelayMinutes = 0, MethodIds = methods.Select(m => m.Id).ToList() }];
    }
}

/// <summary>
/// Who escalation steps reach at one instant, looked up once for many firings: a batch asks for every
/// step's targets first, then loads all the people named and their contact methods in two queries.
/// </summary>
public sealed class Pager(MusterDb db, DateTime now)
{
    private readonly Dictionary<string, IReadOnlyList<OnCallPerson>> targets = [];
    private readonly Dictionary<string, (Person? Person, IReadOnlyList<ContactMethod> Methods)> people = [];
    private readonly HashSet<string> wanted = [];

    /// <summary>The people a step's targets name now; each distinct list of targets is looked up once.</summary>
    public async Task<IReadOnlyList<OnCallPerson>> TargetsAsync(IReadOnlyList<EscalationTarget> step, CancellationToken ct)
    {
        var key = string.Join('|', step.Select(t => $"{t.Type}:{t.Id}"));
        if (!targets.TryGetValue(key, out var found))
        {
            found = await OnCallLookup.TargetsAsync(db, step, now, ct);
            targets[key] = found;
            foreach (var person in found)
                if (!people.ContainsKey(person.PersonId))
                    wanted.Add(person.PersonId);
        }
        return found;
    }

    /// <summary>Loads the people asked for since the last load (active ones) and their working contact methods.</summary>
    public async Task LoadPeopleAsync(CancellationToken ct)
    {
        if (wanted.Count == 0)
            return;
        var ids = wanted.ToList();
        wanted.Clear();
        var found = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id) && p.Active).ToDictionaryAsync(p => p.Id, ct);
        var methods = (await db.ContactMethods.AsNoTracking().Where(m => ids.Contains(m.PersonId) && m.StoppedAt == null).ToListAsync(ct)).ToLookup(m => m.PersonId);
        foreach (var id in ids)
            people[id] = (found.GetValueOrDefault(id), methods[id].ToList());
    }

    /// <summary>A person loaded by <see cref="LoadPeopleAsync"/>: null when inactive or gone.</summary>
    public (Person? Person, IReadOnlyList<ContactMethod> Methods) Person(string id) => people.TryGetValue(id, out var found) ? found : (null, []);
}
