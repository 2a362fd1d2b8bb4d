using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>
/// Replies that an SMS gateway forwards: 退订 (or TD, STOP) stops SMS and voice to that number, as
/// Chinese carriers require; 1 acknowledges and 2 resolves the latest incident paged to it. Each
/// SMS channel has its own reply URL, signed so that nobody can guess another's.
/// </summary>
public static class SmsReplies
{
    private static readonly string[] Unsubscribe = ["退订", "TD", "T", "STOP", "UNSUBSCRIBE", "退"];
    private static readonly string[] Acknowledge = ["1", "ACK", "确认"];
    private static readonly string[] Resolve = ["2", "RESOLVE", "解决"];

    public static void MapSmsReplies(this IEndpointRouteBuilder app) =>
        app.MapPost("/hooks/sms-reply/{token}", async (string token, HttpRequest request, MusterDb db, IncidentActions actions, TimeProvider time, CancellationToken ct) =>
            {
                var channelId = await ChannelOfAsync(db, token, ct);
                if (channelId is null)
                    return Results.NotFound();
                var now = time.GetUtcNow().UtcDateTime;
                var twilio = request.HasFormContentType;
                foreach (var (phone, text) in await ReadAsync(request, ct))
                    await ApplyAsync(db, actions, phone, text, now, ct);
                return twilio ? Results.Content("<Response></Response>", "text/xml") : Results.Ok(new { status = "ok" });
            })
            .AllowAnonymous().DisableAntiforgery().WithTags("Notifications")
            .WithSummary("Where an SMS gateway forwards replies: 退订 stops SMS to the number; 1 acknowledges, 2 resolves the latest incident paged to it.");

    /// <summary>The reply URL's token for a channel: its id and a signature.</summary>
    public static async Task<string> TokenAsync(MusterDb db, string channelId, CancellationToken ct = default) =>
        $"{channelId}.{ActionLinks.Sign(await ActionLinks.KeyAsync(db, ct), ReplyBody(channelId))}";

    private static async Task<string?> ChannelOfAsync(MusterDb db, string token, CancellationToken ct)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
            return null;
        var channelId = token[..dot];
        var expected = ActionLinks.Sign(await ActionLinks.KeyAsync(db, ct), ReplyBody(channelId));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(token[(dot + 1)..])))
            return null;
        return await db.NotificationChannels.AnyAsync(c => c.Id == channelId, ct) ? channelId : null;
    }

    // Its own prefix, so that no reply token is also a valid action-link signature.
    private static string ReplyBody(string channelId) => "sms-reply:" + channelId;

    /// <summary>
    /// The replies in a gateway's push: Twilio's form (From, Body), Aliyun's SmsUp (phone_number,
    /// content), Tencent's reply callback (mobile, text), or a plain {phone, text}; one or an array.
    /// </summary>
    public static async Task<List<(string Phone, string Text)>> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            return [(form["From"].ToString(), form["Body"].ToString())];
        }
        using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        var items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().ToList() : [doc.RootElement];
        var replies = new List<(string, string)>();
        foreach (var item in items.Where(i => i.ValueKind == JsonValueKind.Object))
        {
            var phone = First(item, "phone", "phone_number", "mobile", "from", "From");
            var text = First(item, "text", "content", "Body", "body");
            if (phone is not null && text is not null)
                replies.Add((phone, text));
        }
        return replies;
    }

    private static string? First(JsonElement item, params string[] names)
    {
        foreach (var name in names)
            if (item.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                return value.ToString();
        return null;
    }

    /// <summary>
    /// The numbers (as given) on the 退订 list: replied 退订 (or TD, STOP) to Muster, as a number
    /// or on a person's SMS contact method.
    /// </summary>
    public static async Task<HashSet<string>> OptedOutAsync(MusterDb db, IReadOnlyCollection<string> phones, CancellationToken ct = default)
    {
        var numbers = phones.Select(Normalize).Where(n => n.Length > 0).Distinct().ToList();
        var listed = (await db.SmsOptOuts.AsNoTracking().Where(o => numbers.Contains(o.Phone)).Select(o => o.Phone).ToListAsync(ct)).ToHashSet();
        var stopped = await db.ContactMethods.AsNoTracking()
            .Where(m => (m.Type == "sms" || m.Type == "voice") && m.StoppedAt != null && m.StoppedReason != null && m.StoppedReason.StartsWith("replied"))
            .Select(m => m.Address).ToListAsync(ct);
        listed.UnionWith(stopped.Select(Normalize));
        return phones.Where(p => listed.Contains(Normalize(p))).ToHashSet();
    }

    /// <summary>138****5678: enough to tell numbers apart on a page, not enough to call.</summary>
    public static string Mask(string phone)
    {
        var digits = Normalize(phone);
        return digits.Length >= 7 ? $"{digits[..3]}****{digits[^4..]}" : new string('*', digits.Length);
    }

    /// <summary>13812345678, +86 138 1234 5678 and 8613812345678 are one number.</summary>
    public static string Normalize(string phone)
    {
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        return digits.Length == 13 && digits.StartsWith("86", StringComparison.Ordinal) ? digits[2..] : digits;
    }

    public static async Task ApplyAsync(MusterDb db, IncidentActions actions, string phone, string text, DateTime now, CancellationToken ct = default)
    {
        var number = Normalize(phone);
        var word = text.Trim().ToUpperInvariant();
        if (number.Length == 0)
            return;
        var methods = (await db.ContactMethods.Where(m => m.Type == "sms" || m.Type == "voice").ToListAsync(ct))
            .Where(m => Normalize(m.Address) == number).ToList();
        if (Unsubscribe.Contains(word))
        {
            foreach (var method in methods.Where(m => m.StoppedAt is null))
            {
                method.StoppedAt = now;
                method.StoppedReason = $"replied {text.Trim()}";
                db.Record(null, "contact_method.unsubscribed", "person", method.PersonId, null, new { method.Id, method.Type }, now);
            }
            // The number itself goes on the list, whoever it belongs to: reporters who were sent a
            // customer SMS are nobody in Muster. Status-page SMS subscribers with it stop too.
            if (!await db.SmsOptOuts.AnyAsync(o => o.Phone == number, ct))
            {
                db.SmsOptOuts.Add(new SmsOptOut { Phone = number, At = now, Reason = text.Trim() });
                db.Record(null, "sms.opted_out", "sms-opt-out", Mask(number), null, new { reply = text.Trim() }, now);
            }
            foreach (var subscriber in (await db.StatusSubscribers.Where(s => s.Kind == "sms" && s.UnsubscribedAt == null).ToListAsync(ct))
                .Where(s => Normalize(s.Address) == number))
                subscriber.UnsubscribedAt = now;
            await db.SaveChangesAsync(ct);
            return;
        }
        var action = Acknowledge.Contains(word) ? IncidentStatus.Acknowledged : Resolve.Contains(word) ? IncidentStatus.Resolved : (IncidentStatus?)null;
        if (action is null || methods.Count == 0)
            return;
        var ids = methods.Select(m => m.Id).ToList();
        var since = now.AddDays(-1);
        var latest = await db.Notifications.AsNoTracking()
            .Where(n => n.ContactMethodId != null && ids.Contains(n.ContactMethodId) && n.IncidentId != null && n.Status == "sent" && n.SentAt >= since)
            .OrderByDescending(n => n.SentAt).FirstOrDefaultAsync(ct);
        if (latest is null)
            return;
        var incident = await db.Incidents.AsNoTracking().FirstAsync(i => i.Id == latest.IncidentId, ct);
        var person = await db.People.AsNoTracking().FirstAsync(p => p.Id == latest.PersonId, ct);
        var wanted = action == IncidentStatus.Acknowledged ? incident.Status == IncidentStatus.Triggered : incident.IsOpen;
        if (wanted)
            await actions.TransitionAsync(incident.Id, action.Value, $"SMS reply {text.Trim()}", new Actor(person.Id, person.DisplayName), ct);
    }
}
