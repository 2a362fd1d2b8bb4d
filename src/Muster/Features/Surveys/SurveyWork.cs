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
/// a second), each sent by its own work item. Drills ask nobody.
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
            await db.ScheduleAsync(SurveySendWork.WorkKind, $"{SurveySendWork.WorkKind}:{invitation.Id}", now, invitation.Id, now, ct);
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

/// <summary>Sends one survey invitation; records the message in the incident's delivery log.</summary>
public sealed class SurveySendWork(MusterDb db, NotificationChannels channels, TimeProvider time, IConfiguration configuration,
    PublicUrl links, IStringLocalizer<SharedResource> text) : IWorkHandler
{
    public const string WorkKind = "survey-send";
    public const int MaxAttempts = 5;

    public string Kind => WorkKind;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var invitation = await db.SurveyInvitations.FirstOrDefaultAsync(s => s.Id == item.Payload, ct);
        if (invitation is not { Status: "queued" } || invitation.Address is null)
            return;
        var number = await db.Incidents.Where(i => i.Id == invitation.IncidentId).Select(i => i.Number).FirstAsync(ct);
        var url = links.To($"/s/{await SurveyLinks.TokenAsync(db, invitation.Id, ct)}");
        var message = Render(invitation, $"INC-{number}", url);
        DeliveryResult result;
        if (invitation.Channel == "email")
        {
            var smtp = SmtpSettings.FromConfiguration(configuration);
            result = string.IsNullOrWhiteSpace(smtp.Host) || smtp.Problems().Any()
                ? DeliveryResult.Failed("email is not set up: set Muster__Smtp__Host and Muster__Smtp__From")
                : await new EmailChannel(time).SendAsync(smtp, new Recipient(Email: invitation.Address), message, ct);
        }
        else
        {
            var types = ContactTypes.ChannelTypesFor("sms");
            var channel = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled && types.Contains(c.Type)).OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(ct);
            result = channel is null
                ? DeliveryResult.Failed("no enabled SMS channel: an administrator adds one under Channels")
                : await channels.SendAsync(channel.Type, channel.Settings, new Recipient(Phone: invitation.Address), message, ct);
        }
        if (result.Status is DeliveryStatus.Retry or DeliveryStatus.RateLimited && item.Attempts < MaxAttempts)
        {
            invitation.Detail = result.Detail;
            await db.ScheduleAsync(WorkKind, item.Key, now + (result.RetryAfter ?? TimeSpan.FromSeconds(30 * item.Attempts)), invitation.Id, now, ct);
            await db.SaveChangesAsync(ct);
            return;
        }
        var sent = result.Status == DeliveryStatus.Sent;
        invitation.Status = sent ? "sent" : "failed";
        invitation.Detail = result.Detail;
        invitation.SentAt = sent ? now : null;
        db.Notifications.Add(new Notification
        {
            IncidentId = invitation.IncidentId,
            Type = invitation.Channel,
            Kind = "survey",
            Subject = $"survey:{invitation.Id}",
            Status = invitation.Status,
            Attempts = item.Attempts,
            Detail = result.Detail,
            ProviderId = result.ProviderId,
            CreatedAt = invitation.CreatedAt,
            DueAt = now,
            SentAt = invitation.SentAt,
        });
        await db.SaveChangesAsync(ct);
    }

    private OutgoingMessage Render(SurveyInvitation invitation, string reference, string url)
    {
        var culture = CultureInfo.GetCultureInfo(invitation.Language is "en" ? "en" : "zh-CN");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var title = text["survey.message_title", reference];
            var body = text["survey.message", reference, url];
            return new OutgoingMessage("survey", title, body, body, null, null, url,
                new Dictionary<string, string> { ["number"] = reference, ["url"] = url }, culture.Name, false, invitation.Id);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
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
