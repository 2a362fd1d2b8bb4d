using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Notifications.Channels;
using Muster.Features.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>
/// Pages (an escalation step's, a re-escalation's, the notification matrix's): the level, service,
/// the acknowledge deadline from the plan, and the acknowledge, resolve and open links, with the
/// pages that gathered during the throttle's minute listed in the one that goes.
/// </summary>
public sealed class PageMessages(MusterDb db, PlanCatalog plans, TimeProvider time, WorkSignal signal, IOptions<MusterOptions> options, IStringLocalizer<SharedResource> text) : IMessageKind
{
    public const string PageKind = "page";
    public const string ReescalationKind = "reescalation";

    public IReadOnlyList<string> Kinds { get; } = [PageKind, ReescalationKind, Matrix.Kind];

    public bool Pages => true;

    // Read once for a batch of pages (PrepareAsync): ten thousand pages due at once should not each
    // read the signing key and their service's name.
    private byte[]? preparedKey;
    private Dictionary<string, string>? serviceNames;
    private readonly HashSet<(string, string, int?, int?)> notReached = [];

    public async Task PrepareAsync(IReadOnlyList<MessageContext> messages, CancellationToken ct)
    {
        preparedKey = await ActionLinks.KeyAsync(db, ct);
        var ids = messages.Select(m => m.Incident?.ServiceId).OfType<string>().Distinct().ToList();
        serviceNames = await db.Services.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
    }

    public async Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var (notification, incident) = (context.Notification, context.Incident);
        if (incident is null)
            return Rendered.Cancel("the incident no longer exists");
        // An acknowledgement stops the step's pages; the matrix's messages inform, and go anyway.
        if (notification.Kind == PageKind && incident.Status != IncidentStatus.Triggered)
            return Rendered.Cancel("acknowledged before it was sent");
        Recipient? mentions = null;
        if (notification.PersonId is null && notification.ChannelId is not null)
        {
            // A post to a group robot @mentions whoever is on call for the service.
            var onCall = (await OnCallLookup.ForServiceAsync(db, incident.ServiceId, context.Now, ct)).Select(p => p.PersonId).ToList();
            var phones = await db.People.AsNoTracking().Where(p => onCall.Contains(p.Id) && p.Phone != null).Select(p => p.Phone!).ToListAsync(ct);
            mentions = new Recipient(MentionPhones: phones);
        }
        var key = preparedKey ?? await ActionLinks.KeyAsync(db, ct);
        var expires = context.Now + ActionLinks.Lifetime;
        var baseUrl = context.BaseUrl;
        var culture = context.Culture;
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var level = plan.FindLevel(incident.SeverityLevel)?.Name.In(culture.Name) ?? incident.SeverityLevel;
        var service = serviceNames?.GetValueOrDefault(incident.ServiceId)
            ?? await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
        var ackMinutes = plan.TargetsFor(incident.SeverityLevel).Acknowledge;
        var deadline = ackMinutes is { } minutes
            ? TimeZoneInfo.ConvertTimeFromUtc(incident.DeclaredAt.AddMinutes(minutes), options.Value.Zone).ToString("HH:mm", CultureInfo.InvariantCulture)
            : null;
        var ackUrl = $"{baseUrl}/a/{ActionLinks.Create(key, notification.Id, "ack", expires)}";
        var resolveUrl = $"{baseUrl}/a/{ActionLinks.Create(key, notification.Id, "resolve", expires)}";
        var incidentUrl = $"{baseUrl}/incidents/{incident.Id}";
        var drill = incident.Drill ? text["notify.drill"] + " " : "";
        var again = notification.Kind == ReescalationKind ? text["notify.reescalation"] + " " : "";
        var title = $"{drill}{again}[{level}] {service}: {incident.Title}";
        var lines = new List<string> { $"{drill}{incident.Reference} {incident.Title}", text["notify.level_service", level, service] };
        if (deadline is not null)
            lines.Add(text["notify.ack_by", deadline]);
        lines.Add(text["notify.ack_link", ackUrl]);
        lines.Add(text["notify.resolve_link", resolveUrl]);
        lines.Add(text["notify.open_link", incidentUrl]);
        if (context.Bundled.Count > 0)
        {
            var ids = context.Bundled.Select(b => b.IncidentId).ToList();
            var more = await db.Incidents.AsNoTracking().Where(i => ids.Contains(i.Id)).Select(i => i.Number).ToListAsync(ct);
            lines.Add(text["notify.bundled", context.Bundled.Count, string.Join(", ", more.Select(n => $"INC-{n}"))]);
        }
        var shortText = $"{drill}[{level}] {service} {incident.Reference}: {incident.Title}";
        if (shortText.Length > 70)
            shortText = shortText[..69] + "…";
        var parameters = new Dictionary<string, string>
        {
            ["level"] = level,
            ["service"] = service,
            ["title"] = incident.Title,
            ["number"] = incident.Reference,
            ["deadline"] = deadline ?? "",
            ["url"] = ackUrl,
        };
        return new Rendered(new OutgoingMessage(notification.Kind, title, string.Join('\n', lines), shortText, ackUrl, resolveUrl, incidentUrl, parameters,
            culture.Name, incident.Drill, notification.Id), Recipient: mentions);
    }

    /// <summary>
    /// When every message of a step to a person has failed, the person is not reached: the timeline
    /// says so, and the escalation moves on now rather than at the step's delay.
    /// </summary>
    public async Task DoneAsync(Notification notification, CancellationToken ct)
    {
        if (notification is not { Kind: PageKind, Status: "failed", IncidentId: { } incidentId, PersonId: { } personId })
            return;
        // Several of the person's messages may fail in one batch, each already recorded failed when
        // this runs: the person is not reached once.
        if (!notReached.Add((incidentId, personId, notification.Step, notification.Round)))
            return;
        var others = await db.Notifications.AnyAsync(n => n.IncidentId == incidentId && n.PersonId == personId && n.Step == notification.Step
            && n.Round == notification.Round && n.Id != notification.Id && n.Status != "failed" && n.Status != "cancelled", ct);
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == personId, ct);
        if (others || person is null)
            return;
        var now = time.GetUtcNow().UtcDateTime;
        var tracked = await db.Incidents.FirstAsync(i => i.Id == incidentId, ct);
        tracked.RecordNotReached(person.DisplayName, notification.Detail ?? "", now);
        var escalation = await db.WorkItems.FirstOrDefaultAsync(w => w.Key == Paging.EscalateKey(incidentId), ct);
        if (escalation is not null && escalation.DueAt > now && tracked.Status == IncidentStatus.Triggered)
        {
            escalation.DueAt = now;
            signal.Notify();
        }
    }
}

/// <summary>A test message to one contact method: sent at once, past the throttle, naming the person.</summary>
public sealed class TestMessage(IStringLocalizer<SharedResource> text) : IMessageKind
{
    public const string Kind = "test";

    public IReadOnlyList<string> Kinds { get; } = [Kind];

    public bool Throttled => false;

    public Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var name = context.Person?.DisplayName ?? "";
        var body = text["notify.test_body", name];
        return Task.FromResult(new Rendered(new OutgoingMessage(Kind, text["notify.test_title"], body, body, null, null, context.BaseUrl,
            new Dictionary<string, string> { ["name"] = name }, context.Culture.Name, false, context.Notification.Id)));
    }
}
