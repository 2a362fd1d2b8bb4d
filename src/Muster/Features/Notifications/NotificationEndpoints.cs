using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Domain.People;
using Muster.Features.Incidents;
using Muster.Features.Notifications.Channels;
using Muster.Features.OnCall;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

public sealed record ContactMethodRequest(string? Type, string? Address, string? Label = null, string? ChannelId = null);

public sealed record ContactMethodView(string Id, string PersonId, string Type, string Address, string? Label, string? ChannelId, DateTime? StoppedAt, string? StoppedReason);

public sealed record ChannelRequest(string? Type, string? Name, JsonElement? Settings, bool Enabled = true);

public sealed record ChannelView(string Id, string Type, string Name, bool Enabled, DateTime CreatedAt);

public sealed record NotificationView(string Id, string? IncidentId, string? PersonId, string? PersonName, string Type, string Kind, int? Step, int? Round,
    string Status, int Attempts, string? Detail, DateTime CreatedAt, DateTime DueAt, DateTime? SentAt);

/// <summary>Contact methods, personal rules, channels, the delivery log, and the links in messages.</summary>
public static class NotificationEndpoints
{
    public static void MapNotifications(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Notifications");
        api.MapGet("/people/{personId}/contact-methods", async (string personId, ClaimsPrincipal user, MusterDb db, CancellationToken ct) =>
            {
                await OwnAsync(db, user, personId, ct);
                return TypedResults.Ok(await ContactMethodsAsync(db, personId, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("A person's contact methods (themselves, or a manager).");
        api.MapPost("/people/{personId}/contact-methods", async (string personId, ContactMethodRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await OwnAsync(db, user, personId, ct);
                var method = await AddContactMethodAsync(db, personId, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/contact-methods/{method.Id}", View(method));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Add {type: email|sms|voice|dingtalk|wecom|feishu|slack|teams|webhook, address, label?, channelId?}.");
        api.MapDelete("/contact-methods/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var method = await db.ContactMethods.FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw RequestException.NotFound("contact method", id);
                await OwnAsync(db, user, method.PersonId, ct);
                db.ContactMethods.Remove(method);
                db.Record(user, "contact_method.deleted", "person", method.PersonId, View(method), null, time.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Remove a contact method.");
        api.MapPost("/contact-methods/{id}/test", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, WorkSignal signal, CancellationToken ct) =>
            {
                var method = await db.ContactMethods.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw RequestException.NotFound("contact method", id);
                await OwnAsync(db, user, method.PersonId, ct);
                var notification = await SendTestAsync(db, method, time.GetUtcNow().UtcDateTime, ct);
                signal.Notify();
                return TypedResults.Accepted($"/api/v1/notifications/{notification.Id}", await NotificationAsync(db, notification.Id, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Send a test message now; GET the notification to see how it went.");
        api.MapPut("/people/{personId}/notification-rules", async (string personId, List<NotificationRule> rules, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await OwnAsync(db, user, personId, ct);
                await SetRulesAsync(db, personId, rules, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Ok(rules);
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Replace a person's rules: [{delayMinutes, methodIds}], e.g. DingTalk and SMS at once, voice after 5 minutes.");
        api.MapGet("/notifications/{id}", async (string id, MusterDb db, CancellationToken ct) =>
                await NotificationAsync(db, id, ct) is { } view ? Results.Ok(view) : throw RequestException.NotFound("notification", id))
            .RequireAuthorization(Policies.Viewer).WithSummary("One message: queued, sent, failed and why.");
        api.MapGet("/incidents/{id}/notifications", async (string id, MusterDb db, CancellationToken ct) => TypedResults.Ok(await LogAsync(db, id, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("The delivery log of an incident: every message, to whom, how it went.");

        api.MapGet("/channels", async (MusterDb db, CancellationToken ct) =>
                TypedResults.Ok(await db.NotificationChannels.AsNoTracking().OrderBy(c => c.Name).Select(c => new ChannelView(c.Id, c.Type, c.Name, c.Enabled, c.CreatedAt)).ToListAsync(ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Configured channels (settings are never shown back).");
        api.MapPost("/channels", async (ChannelRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var channel = await AddChannelAsync(db, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/channels/{channel.Id}", new ChannelView(channel.Id, channel.Type, channel.Name, channel.Enabled, channel.CreatedAt));
            })
            .RequireAuthorization(Policies.Admin).WithSummary("Add a channel: {type, name, settings}; see docs/notifications.md for each type's settings.");
        api.MapDelete("/channels/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var channel = await db.NotificationChannels.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw RequestException.NotFound("channel", id);
                db.NotificationChannels.Remove(channel);
                db.Record(user, "channel.deleted", "channel", id, new { channel.Type, channel.Name }, null, time.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Admin).WithSummary("Remove a channel.");

        // The links in messages. GET only shows a button, so that link previews in chat apps and mail
        // scanners acknowledge nothing; the button POSTs to the same URL, whose token is the credential.
        app.MapGet("/a/{token}", async (string token, MusterDb db, TimeProvider time, IStringLocalizer<SharedResource> text, CancellationToken ct) =>
                await ActionPageAsync(db, token, time.GetUtcNow().UtcDateTime, text, post: false, null, ct))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/a/{token}", async (string token, MusterDb db, TimeProvider time, IncidentActions actions, IStringLocalizer<SharedResource> text, CancellationToken ct) =>
                await ActionPageAsync(db, token, time.GetUtcNow().UtcDateTime, text, post: true, actions, ct))
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>A person's contact methods are theirs and their managers' business; an unknown person is a 404 to everyone.</summary>
    private static async Task OwnAsync(MusterDb db, ClaimsPrincipal user, string personId, CancellationToken ct)
    {
        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
            throw RequestException.NotFound("person", personId);
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) != personId && !user.IsAtLeast(Role.Manager))
            throw new RequestException(StatusCodes.Status403Forbidden, "Only the person or a manager can see or change a person's contact methods.",
                new Dictionary<string, string[]> { ["personId"] = ["Sign in as this person, or as a manager."] });
    }

    public static ContactMethodView View(ContactMethod m) => new(m.Id, m.PersonId, m.Type, m.Address, m.Label, m.ChannelId, m.StoppedAt, m.StoppedReason);

    public static async Task<List<ContactMethodView>> ContactMethodsAsync(MusterDb db, string personId, CancellationToken ct = default) =>
        (await db.ContactMethods.AsNoTracking().Where(m => m.PersonId == personId).OrderBy(m => m.CreatedAt).ToListAsync(ct)).Select(View).ToList();

    public static async Task<ContactMethod> AddContactMethodAsync(MusterDb db, string personId, ContactMethodRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var address = request.Address?.Trim() ?? "";
        var errors = new Problems.Errors()
            .Check(request.Type is not null && ContactTypes.All.Contains(request.Type), "type", $"type is one of: {string.Join(", ", ContactTypes.All)}.")
            .Text(address, "address", 300)
            .Text(request.Label, "label", 100, required: false);
        if (address.Length > 0)
        {
            errors.Check(request.Type != "email" || System.Net.Mail.MailAddress.TryCreate(address, out _), "address", "address must be an email address such as wang@example.com.")
                .Check(request.Type is not ("sms" or "voice") || Reports.ReportIntake.IsPhone(address), "address", "address must be a mobile number such as 13812345678 or +8613812345678.");
        }
        errors.ThrowIfAny();
        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
            throw RequestException.NotFound("person", personId);
        if (request.ChannelId is { } channelId && !await db.NotificationChannels.AnyAsync(c => c.Id == channelId, ct))
            throw RequestException.Invalid("channelId", $"There is no channel '{channelId}'; use an id from GET /api/v1/channels, or leave it out.");
        var method = new ContactMethod { PersonId = personId, Type = request.Type!, Address = address, Label = request.Label?.Trim(), ChannelId = request.ChannelId, CreatedAt = now };
        db.ContactMethods.Add(method);
        db.Record(user, "contact_method.created", "person", personId, null, View(method), now);
        await db.SaveChangesAsync(ct);
        return method;
    }

    public static async Task<Notification> SendTestAsync(MusterDb db, ContactMethod method, DateTime now, CancellationToken ct = default)
    {
        var notification = new Notification
        {
            PersonId = method.PersonId,
            ContactMethodId = method.Id,
            ChannelId = method.ChannelId,
            Type = method.Type,
            Kind = "test",
            CreatedAt = now,
            DueAt = now,
        };
        Outbox.Enqueue(db, notification, now);
        await db.SaveChangesAsync(ct);
        return notification;
    }

    public static async Task SetRulesAsync(MusterDb db, string personId, List<NotificationRule> rules, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == personId, ct) ?? throw RequestException.NotFound("person", personId);
        var methods = await db.ContactMethods.Where(m => m.PersonId == personId).Select(m => m.Id).ToListAsync(ct);
        var issues = NotificationPlanner.Validate(rules, methods.Contains);
        if (issues.Count > 0)
            throw new RequestException(StatusCodes.Status400BadRequest, "The rules have errors.",
                issues.GroupBy(i => i.Path).ToDictionary(g => g.Key, g => g.Select(i => i.Message).ToArray()));
        var before = person.NotificationRules;
        person.NotificationRules = JsonSerializer.Serialize(rules, OnCallLookup.Json);
        db.Record(user, "person.notification_rules", "person", personId, before, person.NotificationRules, now);
        await db.SaveChangesAsync(ct);
    }

    public static async Task<NotificationChannel> AddChannelAsync(MusterDb db, ChannelRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Check(request.Type is not null && NotificationChannels.Types.Contains(request.Type) && request.Type != "email", "type",
                $"type is one of: {string.Join(", ", NotificationChannels.Types.Where(t => t != "email"))} (email is set up with Muster__Smtp__Host).")
            .Text(request.Name, "name", 100)
            .Check(request.Settings is { ValueKind: JsonValueKind.Object }, "settings", "settings is an object with the channel's credentials: see docs/notifications.md.");
        errors.ThrowIfAny();
        var settings = request.Settings!.Value.GetRawText();
        var problems = NotificationChannels.Validate(request.Type!, settings);
        if (problems.Count > 0)
            throw new RequestException(StatusCodes.Status400BadRequest, "The channel's settings are incomplete.", new Dictionary<string, string[]> { ["settings"] = [.. problems] });
        var channel = new NotificationChannel { Type = request.Type!, Name = request.Name!.Trim(), Settings = settings, Enabled = request.Enabled, CreatedAt = now };
        db.NotificationChannels.Add(channel);
        db.Record(user, "channel.created", "channel", channel.Id, null, new { channel.Type, channel.Name }, now);
        await db.SaveChangesAsync(ct);
        return channel;
    }

    public static async Task<List<NotificationView>> LogAsync(MusterDb db, string incidentId, CancellationToken ct = default) =>
        await db.Notifications.AsNoTracking().Where(n => n.IncidentId == incidentId).OrderBy(n => n.CreatedAt).ThenBy(n => n.DueAt)
            .GroupJoin(db.People, n => n.PersonId, p => p.Id, (n, p) => new { n, p })
            .SelectMany(x => x.p.DefaultIfEmpty(), (x, p) => new NotificationView(x.n.Id, x.n.IncidentId, x.n.PersonId, p == null ? null : p.DisplayName, x.n.Type, x.n.Kind,
                x.n.Step, x.n.Round, x.n.Status, x.n.Attempts, x.n.Detail, x.n.CreatedAt, x.n.DueAt, x.n.SentAt))
            .ToListAsync(ct);

    private static async Task<NotificationView?> NotificationAsync(MusterDb db, string id, CancellationToken ct) =>
        await db.Notifications.AsNoTracking().Where(n => n.Id == id)
            .Select(n => new NotificationView(n.Id, n.IncidentId, n.PersonId, db.People.Where(p => p.Id == n.PersonId).Select(p => p.DisplayName).FirstOrDefault(),
                n.Type, n.Kind, n.Step, n.Round, n.Status, n.Attempts, n.Detail, n.CreatedAt, n.DueAt, n.SentAt))
            .FirstOrDefaultAsync(ct);

    /// <summary>A small page for a phone: what the incident is and one button; the POST does it and says so.</summary>
    private static async Task<IResult> ActionPageAsync(MusterDb db, string token, DateTime now, IStringLocalizer<SharedResource> text, bool post,
        IncidentActions? actions, CancellationToken ct)
    {
        var claim = ActionLinks.Read(await ActionLinks.KeyAsync(db, ct), token, now);
        var notification = claim is null ? null : await db.Notifications.AsNoTracking().FirstOrDefaultAsync(n => n.Id == claim.NotificationId, ct);
        var person = notification?.PersonId is null ? null : await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == notification.PersonId, ct);
        var incident = notification?.IncidentId is null ? null : await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == notification.IncidentId, ct);
        var culture = CultureInfo.GetCultureInfo(person?.Language is "en" ? "en" : "zh-CN");
        CultureInfo.CurrentUICulture = culture;
        if (claim is null || incident is null || person is null)
            return Page(culture, text["action.invalid_title"], $"<p>{Html(text["action.invalid"])}</p>", StatusCodes.Status404NotFound);
        var acknowledge = claim.Action == "ack";
        var summary = $"<p class=\"incident\"><strong>{Html(incident.Reference)}</strong> {Html(incident.Title)}</p>"
            + $"<p>{Html(text["action.status", text[$"status.{incident.Status.ToString().ToLowerInvariant()}"]])}</p>";
        if (!post)
        {
            var done = acknowledge ? incident.Status != IncidentStatus.Triggered : !incident.IsOpen;
            var button = done ? "" : $"<form method=\"post\"><button type=\"submit\" class=\"primary big\">{Html(acknowledge ? text["action.acknowledge"] : text["action.resolve"])}</button></form>";
            return Page(culture, acknowledge ? text["action.acknowledge"] : text["action.resolve"], summary + button, StatusCodes.Status200OK);
        }
        var outcome = await ActAsync(actions!, incident, acknowledge, new Actor(person.Id, person.DisplayName), text, ct);
        var after = await db.Incidents.AsNoTracking().FirstAsync(i => i.Id == incident.Id, ct);
        var body = $"<p class=\"done\">{Html(outcome)}</p><p class=\"incident\"><strong>{Html(after.Reference)}</strong> {Html(after.Title)}</p>"
            + $"<p>{Html(text["action.status", text[$"status.{after.Status.ToString().ToLowerInvariant()}"]])}</p>";
        return Page(culture, outcome, body, StatusCodes.Status200OK);
    }

    /// <summary>Acknowledges or resolves an incident from a message, as <paramref name="by"/>; what to tell them, in the current UI culture.</summary>
    public static async Task<string> ActAsync(IncidentActions actions, Incident incident, bool acknowledge, Actor by, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        try
        {
            if (acknowledge && incident.Status == IncidentStatus.Triggered)
                await actions.TransitionAsync(incident.Id, IncidentStatus.Acknowledged, text["action.note"], by, ct);
            else if (!acknowledge && incident.IsOpen)
                await actions.TransitionAsync(incident.Id, IncidentStatus.Resolved, text["action.note"], by, ct);
            if (acknowledge && await actions.WaitingForAsync(incident.Id, ct) is { Count: > 0 } waiting)
                return text["action.acknowledged_partly", string.Join(", ", waiting)];
            return acknowledge ? text["action.acknowledged"] : text["action.resolved"];
        }
        catch (DomainException e)
        {
            return e.Message;
        }
    }

    private static string Html(string value) => WebUtility.HtmlEncode(value);

    private static IResult Page(CultureInfo culture, string title, string body, int status) => Results.Content($"""
        <!DOCTYPE html>
        <html lang="{culture.Name}">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
        <title>{Html(title)} · Muster</title><link rel="stylesheet" href="/css/muster.css"></head>
        <body class="action-page"><main class="narrow"><h1>{Html(title)}</h1>{body}</main></body>
        </html>
        """, "text/html; charset=utf-8", statusCode: status);
}
