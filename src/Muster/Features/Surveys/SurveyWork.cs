using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Features.Notifications;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Surveys;

/// <summary>
/// When an incident resolves, each reporter who left a phone number or an email address is asked,
/// once, how it went: by SMS through the configured SMS channel when they left a number, by email
/// when they left only an address. One invitation per reporter per incident (the database refuses
/// a second), each a message through the outbox. Drills ask nobody.
/// </summary>
public sealed class SurveyWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string WorkKind = "survey";
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(14);

    public string Kind => WorkKind;

    public static Task ScheduleAsync(MusterDb db, string incidentId, DateTime now, CancellationToken ct = default) =>
        db.ScheduleAsync(WorkKind, $"{WorkKind}:{incidentId}", now, incidentId, now, ct);

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == item.Payload, ct);
        if (incident is null || incident.Drill || incident.IsOpen)
            return;
        var contacts = await db.Reports.AsNoTracking()
            .Where(r => r.IncidentId == incident.Id && (r.Phone != null || r.Email != null) && r.ContactPurgedAt == null)
            .OrderBy(r => r.ReceivedAt).Select(r => new { r.Phone, r.Email }).ToListAsync(ct);
        var asked = await db.SurveyInvitations.Where(s => s.IncidentId == incident.Id).Select(s => s.ReporterKey).ToListAsync(ct);
        // A reporter who left a number is asked by SMS (and is known by it); one who left only an address, by email.
        foreach (var (channel, address) in contacts.Select(c => c.Phone is { } phone ? ("sms", phone) : ("email", c.Email!)))
        {
            var key = ReporterKey(address);
            if (asked.Contains(key))
                continue;
            asked.Add(key);
            var invitation = new SurveyInvitation
            {
                IncidentId = incident.Id,
                ServiceId = incident.ServiceId,
                Channel = channel,
                Address = address,
                ReporterKey = key,
                CreatedAt = now,
                ExpiresAt = now + LinkLifetime,
            };
            db.SurveyInvitations.Add(invitation);
            await Outbox.QueueAsync(db, channel, address, incident.Id, SurveyMessage.Kind, now, now, ct, subjectId: invitation.Id, subject: $"survey:{invitation.Id}");
        }
        await db.SaveChangesAsync(ct);
        signal.Notify();
    }

    /// <summary>The same reporter however the number was written: digits only, without China's +86; an email address lowercased.</summary>
    public static string ReporterKey(string address)
    {
        if (address.Contains('@', StringComparison.Ordinal))
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(address.Trim().ToLowerInvariant())))[..32];
        var digits = new string(address.Where(char.IsDigit).ToArray());
        if (digits.Length == 13 && digits.StartsWith("86", StringComparison.Ordinal))
            digits = digits[2..];
        var normal = digits.Length > 0 ? digits : address.Trim().ToLowerInvariant();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normal)))[..32];
    }
}

/// <summary>
/// An invitation queued before every message went through the outbox (commit 658971c): its old
/// work item (<c>survey-send</c>) becomes the outbox message SurveyWork queues today, in the commit
/// that removes the old item, so a database upgraded with such items waiting loses none and sends
/// none twice. The invitation's id stays the idempotency key, as it was.
/// </summary>
public sealed class SurveySendLegacyWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string WorkKind = "survey-send";

    public string Kind => WorkKind;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var invitation = await db.SurveyInvitations.AsNoTracking().FirstOrDefaultAsync(s => s.Id == item.Payload, ct);
        // The old handler sent only what was still queued and had an address (not purged with the report's contact details).
        if (invitation is { Status: "queued", Address: { } address })
        {
            var now = time.GetUtcNow().UtcDateTime;
            await Outbox.QueueAsync(db, invitation.Channel, address, invitation.IncidentId, SurveyMessage.Kind, now, now, ct,
                subjectId: invitation.Id, subject: $"survey:{invitation.Id}");
        }
        var done = new WorkItem { Id = item.Id };
        db.WorkItems.Attach(done);
        db.WorkItems.Remove(done);
        await db.SaveChangesAsync(ct);
        item.LeaseOwner = null;
        signal.Notify();
    }
}

/// <summary>A survey invitation, in the reporter's language, with the link to the survey; the invitation keeps whether it went.</summary>
public sealed class SurveyMessage(MusterDb db, IStringLocalizer<SharedResource> text) : IMessageKind
{
    public const string Kind = "survey";

    public IReadOnlyList<string> Kinds { get; } = [Kind];

    public async Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var invitation = await db.SurveyInvitations.AsNoTracking().FirstOrDefaultAsync(s => s.Id == context.Notification.SubjectId, ct);
        if (invitation is null || context.Incident is null)
            return Rendered.Cancel("the invitation or its incident no longer exists");
        var reference = context.Incident.Reference;
        var url = $"{context.BaseUrl}/s/{await SurveyLinks.TokenAsync(db, invitation.Id, ct)}";
        var culture = CultureInfo.GetCultureInfo(invitation.Language is "en" ? "en" : "zh-CN");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var title = text["survey.message_title", reference];
            var body = text["survey.message", reference, url];
            // The invitation's id stays the idempotency key, as before it went through the outbox.
            return new Rendered(new OutgoingMessage(Kind, title, body, body, null, null, url,
                new Dictionary<string, string> { ["number"] = reference, ["url"] = url }, culture.Name, false, invitation.Id));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary>The survey results count the invitations that went: the invitation says so in the commit that records the message.</summary>
    public async Task DoneAsync(Notification notification, CancellationToken ct)
    {
        var invitation = await db.SurveyInvitations.FirstOrDefaultAsync(s => s.Id == notification.SubjectId, ct);
        if (invitation is null)
            return;
        invitation.Status = notification.Status == "sent" ? "sent" : "failed";
        invitation.Detail = notification.Detail;
        invitation.SentAt = notification.SentAt;
    }
}

/// <summary>The survey link's token: the invitation's id and a signature under the action-link key.</summary>
public static class SurveyLinks
{
    public static async Task<string> TokenAsync(MusterDb db, string invitationId, CancellationToken ct = default) =>
        $"{invitationId}.{ActionLinks.Sign(await ActionLinks.KeyAsync(db, ct), "survey." + invitationId)}";

    /// <summary>The invitation id when the token is genuine; null otherwise.</summary>
    public static async Task<string?> ReadAsync(MusterDb db, string token, CancellationToken ct = default)
    {
        var parts = token.Split('.');
        if (parts.Length != 2 || parts[0].Length is 0 or > 64)
            return null;
        var expected = ActionLinks.Sign(await ActionLinks.KeyAsync(db, ct), "survey." + parts[0]);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[1])) ? parts[0] : null;
    }
}
