using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Features.Notifications;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Status;

/// <summary>
/// Subscribing, confirming (double opt-in: a link by email, a code by SMS) and unsubscribing.
/// Links carry a token signed with the action-link key: the subscriber's id and the purpose.
/// </summary>
public sealed class StatusSubscriptions(MusterDb db, TimeProvider time, WorkSignal signal)
{
    public static readonly IReadOnlyList<string> Kinds = ["email", "sms", "webhook"];

    /// <summary>Creates a subscriber waiting for confirmation (a webhook, made by a manager, is confirmed at once) and queues the confirmation.</summary>
    public async Task<string> SubscribeAsync(SubscriberRequest request, ClaimsPrincipal? user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var kind = request.Kind?.Trim().ToLowerInvariant();
        var address = request.Address?.Trim() ?? "";
        var errors = new Problems.Errors()
            .Check(kind is not null && Kinds.Contains(kind), "kind", $"kind must be one of {string.Join(", ", Kinds)}.")
            .Text(address, "address", 300);
        if (kind == "email")
            errors.Check(System.Net.Mail.MailAddress.TryCreate(address, out _), "address", "address must be a mail address such as li.lei@example.com.");
        if (kind == "sms")
            errors.Check(address.Length is >= 6 and <= 20 && address.TrimStart('+').All(char.IsAsciiDigit), "address", "address must be a mobile number such as 13800138000 or +8613800138000.");
        if (kind == "webhook")
            errors.Check(Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", "address", "address must be an http or https URL.");
        errors.ThrowIfAny();
        var components = request.ComponentIds is { Count: > 0 } ? request.ComponentIds.Distinct().ToList() : null;
        if (components is not null)
        {
            var known = await db.StatusComponents.Where(c => components.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
            if (components.Except(known).FirstOrDefault() is { } unknown)
                throw RequestException.Unprocessable("componentIds", $"There is no status component '{unknown}'.");
        }
        var subscriber = new StatusSubscriber
        {
            Kind = kind!,
            Address = address,
            Language = request.Language is "en" ? "en" : "zh-CN",
            ComponentIds = components is null ? null : string.Join(',', components),
            CreatedAt = now,
        };
        if (kind == "webhook")
            subscriber.ConfirmedAt = now;
        else
        {
            if (kind == "sms")
                subscriber.Code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            await Outbox.QueueAsync(db, kind!, address, null, StatusMessages.ConfirmKind, now, now, ct, subjectId: subscriber.Id);
        }
        db.StatusSubscribers.Add(subscriber);
        if (user?.Identity?.IsAuthenticated == true)
            db.Record(user, "status.subscriber.created", "status-subscriber", subscriber.Id, null, new { subscriber.Kind, subscriber.Address, subscriber.ComponentIds }, now);
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return subscriber.Id;
    }

    public async Task<bool> ConfirmAsync(string subscriberId, string? code, CancellationToken ct)
    {
        var subscriber = await db.StatusSubscribers.FindAsync([subscriberId], ct);
        if (subscriber is null || subscriber.UnsubscribedAt is not null)
            return false;
        if (subscriber.ConfirmedAt is not null)
            return true;
        if (subscriber.Kind == "sms" && (code is null || subscriber.Code is null
                || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(code.Trim()), Encoding.ASCII.GetBytes(subscriber.Code))))
            return false;
        subscriber.ConfirmedAt = time.GetUtcNow().UtcDateTime;
        subscriber.Code = null;
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<bool> UnsubscribeAsync(string subscriberId, CancellationToken ct)
    {
        var subscriber = await db.StatusSubscribers.FindAsync([subscriberId], ct);
        if (subscriber is null)
            return false;
        subscriber.UnsubscribedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>id.purpose.signature: purpose is confirm or unsubscribe. It never expires: an old message's unsubscribe link must keep working.</summary>
    public static string Token(byte[] key, string subscriberId, string purpose) =>
        $"{subscriberId}.{purpose}.{ActionLinks.Sign(key, $"status.{purpose}.{subscriberId}")}";

    /// <summary>The subscriber's id when the token is genuine and for <paramref name="purpose"/>.</summary>
    public static string? Read(byte[] key, string? token, string purpose)
    {
        var parts = (token ?? "").Split('.');
        if (parts.Length != 3 || parts[1] != purpose)
            return null;
        var expected = ActionLinks.Sign(key, $"status.{purpose}.{parts[0]}");
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])) ? parts[0] : null;
    }
}

/// <summary>Fans a published update out to every confirmed subscriber of its components: one message each, through the outbox.</summary>
public sealed class StatusNotifyWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string KindName = "status-notify";

    public string Kind => KindName;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var updateId = item.Payload ?? "";
        var update = await db.StatusUpdates.AsNoTracking().FirstOrDefaultAsync(u => u.Id == updateId && u.State == StatusStates.Published, ct);
        if (update is null)
            return;
        var post = await db.StatusPosts.AsNoTracking().FirstAsync(p => p.Id == update.PostId, ct);
        var components = StatusSnapshot.SplitIds(post.ComponentIds);
        var subscribers = await db.StatusSubscribers.AsNoTracking()
            .Where(s => s.ConfirmedAt != null && s.UnsubscribedAt == null).ToListAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var subscriber in subscribers)
        {
            var wanted = StatusSnapshot.SplitIds(subscriber.ComponentIds);
            if (wanted.Count > 0 && !wanted.Intersect(components).Any())
                continue;
            await Outbox.QueueAsync(db, subscriber.Kind, subscriber.Address, null, StatusMessages.UpdateKind, now, now, ct,
                subjectId: subscriber.Id, subject: StatusMessages.UpdateSubject(update.Id));
        }
        // The fan-out item goes in the commit that queues the messages, so a crash between the two
        // cannot fan the update out twice.
        var done = new WorkItem { Id = item.Id };
        db.WorkItems.Attach(done);
        db.WorkItems.Remove(done);
        await db.SaveChangesAsync(ct);
        item.LeaseOwner = null;
        signal.Notify();
    }
}

/// <summary>
/// A message queued before every message went through the outbox (commit 658971c): a database
/// upgraded with such items still waiting would otherwise retry them for ever with no handler.
/// Each becomes the outbox message the subscription or fan-out would queue today, in the commit
/// that removes the old item, so it is neither lost nor queued twice. The renderer then decides,
/// as for any status message, whether it still applies (confirmed, unsubscribed, update gone).
/// </summary>
public sealed class StatusDeliverLegacyWork(MusterDb db, TimeProvider time, WorkSignal signal) : IWorkHandler
{
    public const string KindName = "status-deliver";

    public string Kind => KindName;

    /// <summary>The payload those items carry, as the old handler serialised it.</summary>
    private sealed record DeliverPayload(string? SubscriberId, string? UpdateId);

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var payload = System.Text.Json.JsonSerializer.Deserialize<DeliverPayload>(item.Payload ?? "{}");
        var subscriber = payload?.SubscriberId is { } id ? await db.StatusSubscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) : null;
        if (subscriber is not null)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (payload!.UpdateId is { } updateId)
                await Outbox.QueueAsync(db, subscriber.Kind, subscriber.Address, null, StatusMessages.UpdateKind, now, now, ct,
                    subjectId: subscriber.Id, subject: StatusMessages.UpdateSubject(updateId));
            else
                await Outbox.QueueAsync(db, subscriber.Kind, subscriber.Address, null, StatusMessages.ConfirmKind, now, now, ct, subjectId: subscriber.Id);
        }
        var done = new WorkItem { Id = item.Id };
        db.WorkItems.Attach(done);
        db.WorkItems.Remove(done);
        await db.SaveChangesAsync(ct);
        item.LeaseOwner = null;
        signal.Notify();
    }
}

/// <summary>
/// What a subscriber is sent: the confirmation (a link by email, a code by SMS), or an update with
/// its unsubscribe link (and, to a webhook, the update as JSON), in the subscriber's language.
/// </summary>
public sealed class StatusMessages(MusterDb db, PublicUrl links, IStringLocalizer<SharedResource> text) : IMessageKind
{
    public const string ConfirmKind = "status-confirm";
    public const string UpdateKind = "status-update";

    /// <summary>The kind the channels see: one approved SMS template ("status") serves both.</summary>
    private const string TemplateKind = "status";

    public IReadOnlyList<string> Kinds { get; } = [ConfirmKind, UpdateKind];

    public static string UpdateSubject(string updateId) => $"{UpdateKind}:{updateId}";

    public async Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var notification = context.Notification;
        var subscriber = await db.StatusSubscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == notification.SubjectId, ct);
        if (subscriber is null || subscriber.UnsubscribedAt is not null)
            return Rendered.Cancel("unsubscribed");
        var key = await ActionLinks.KeyAsync(db, ct);
        var baseUrl = links.Base;
        var lang = subscriber.Language;
        var unsubscribe = $"{baseUrl}/status/unsubscribe?t={Uri.EscapeDataString(StatusSubscriptions.Token(key, subscriber.Id, "unsubscribe"))}";
        string subject, body, shortText;
        object? json = null;
        if (notification.Kind == ConfirmKind)
        {
            if (subscriber.ConfirmedAt is not null)
                return Rendered.Cancel("already confirmed");
            var confirm = $"{baseUrl}/status/confirm?t={Uri.EscapeDataString(StatusSubscriptions.Token(key, subscriber.Id, "confirm"))}";
            subject = StatusText.Get(text, lang, "statuspage.mail.confirm_subject");
            body = subscriber.Kind == "sms"
                ? StatusText.Get(text, lang, "statuspage.sms.confirm", subscriber.Code ?? "")
                : StatusText.Get(text, lang, "statuspage.mail.confirm_body", confirm);
            shortText = body;
        }
        else
        {
            if (subscriber.ConfirmedAt is null)
                return Rendered.Cancel("not confirmed");
            var updateId = notification.Subject?[(UpdateKind.Length + 1)..];
            var update = await db.StatusUpdates.AsNoTracking().FirstOrDefaultAsync(u => u.Id == updateId, ct);
            if (update is null)
                return Rendered.Cancel("the update no longer exists");
            var post = await db.StatusPosts.AsNoTracking().FirstAsync(p => p.Id == update.PostId, ct);
            var zh = lang.StartsWith("zh", StringComparison.Ordinal);
            var title = zh ? post.TitleZh : post.TitleEn;
            var status = StatusText.Get(text, lang, $"statuspage.update.{update.Status}");
            var url = $"{baseUrl}/status/incidents/{post.Id}";
            var updateText = zh ? update.TextZh : update.TextEn;
            subject = $"[{status}] {title}";
            body = $"{updateText}\n\n{url}\n\n{StatusText.Get(text, lang, "statuspage.unsubscribe")}: {unsubscribe}";
            shortText = $"[{status}] {title} {url} {StatusText.Get(text, lang, "statuspage.unsubscribe")}: {unsubscribe}";
            json = new
            {
                kind = post.Kind,
                postId = post.Id,
                updateId = update.Id,
                title = new Dictionary<string, string> { ["zh-CN"] = post.TitleZh, ["en"] = post.TitleEn },
                status = update.Status,
                text = new Dictionary<string, string> { ["zh-CN"] = update.TextZh, ["en"] = update.TextEn },
                componentIds = StatusSnapshot.SplitIds(post.ComponentIds),
                publishedAt = update.PublishedAt,
                url,
                unsubscribeUrl = unsubscribe,
            };
        }
        // RFC 2369 and RFC 8058: mail apps show an unsubscribe button that POSTs to the link, with no page to visit.
        var headers = new Dictionary<string, string> { ["List-Unsubscribe"] = $"<{unsubscribe}>", ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" };
        var message = new OutgoingMessage(TemplateKind, subject, body, shortText, null, null, null,
            new Dictionary<string, string> { ["text"] = shortText }, lang, false, notification.Id, headers);
        return new Rendered(message, Document: json);
    }
}
