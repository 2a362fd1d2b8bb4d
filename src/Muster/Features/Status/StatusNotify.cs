using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using MimeKit;
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
            await db.ScheduleAsync(StatusDeliverWork.KindName, $"status-confirm:{subscriber.Id}", now,
                JsonSerializer.Serialize(new DeliverPayload(subscriber.Id, null)), now, ct);
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

public sealed record DeliverPayload(string SubscriberId, string? UpdateId);

/// <summary>Fans a published update out to every confirmed subscriber of its components: one durable work item each.</summary>
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
            var key = $"status-deliver:{update.Id}:{subscriber.Id}";
            if (await db.WorkItems.AnyAsync(w => w.Key == key, ct))
                continue;
            db.WorkItems.Add(new WorkItem { Kind = StatusDeliverWork.KindName, Key = key, DueAt = now, CreatedAt = now, Payload = JsonSerializer.Serialize(new DeliverPayload(subscriber.Id, update.Id)) });
        }
        await db.SaveChangesAsync(ct);
        signal.Notify();
    }
}

/// <summary>Sends one message to one subscriber: a confirmation, or an update with its unsubscribe link. A transient failure throws, so the queue retries it.</summary>
public sealed class StatusDeliverWork(
    MusterDb db, TimeProvider time, IConfiguration configuration, PublicUrl links, NotificationChannels channels,
    IHttpClientFactory httpFactory, IStringLocalizer<SharedResource> text, ILogger<StatusDeliverWork> logger) : IWorkHandler
{
    public const string KindName = "status-deliver";

    public string Kind => KindName;

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var payload = JsonSerializer.Deserialize<DeliverPayload>(item.Payload ?? "{}") ?? throw new InvalidOperationException("empty payload");
        var subscriber = await db.StatusSubscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == payload.SubscriberId, ct);
        if (subscriber is null || subscriber.UnsubscribedAt is not null)
            return;
        var key = await ActionLinks.KeyAsync(db, ct);
        var baseUrl = links.Base;
        var lang = subscriber.Language;
        var unsubscribe = $"{baseUrl}/status/unsubscribe?t={Uri.EscapeDataString(StatusSubscriptions.Token(key, subscriber.Id, "unsubscribe"))}";
        string subject, body, shortText;
        object? json = null;
        if (payload.UpdateId is null)
        {
            if (subscriber.ConfirmedAt is not null)
                return;
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
                return;
            var update = await db.StatusUpdates.AsNoTracking().FirstOrDefaultAsync(u => u.Id == payload.UpdateId, ct);
            if (update is null)
                return;
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
        var result = subscriber.Kind switch
        {
            "email" => await EmailAsync(subscriber, subject, body, unsubscribe, item.Key, ct),
            "webhook" => await WebhookAsync(subscriber, json, item.Key, ct),
            _ => await SmsAsync(subscriber, subject, shortText, item.Key, ct),
        };
        switch (result.Status)
        {
            case DeliveryStatus.Sent:
                return;
            case DeliveryStatus.Failed:
                logger.LogWarning("Status message to subscriber {Id} ({Kind}) failed for good: {Detail}", subscriber.Id, subscriber.Kind, result.Detail);
                return;
            default:
                throw new InvalidOperationException($"status message to {subscriber.Kind} subscriber {subscriber.Id}: {result.Detail}");
        }
    }

    private async Task<DeliveryResult> EmailAsync(StatusSubscriber subscriber, string subject, string body, string unsubscribe, string idempotencyKey, CancellationToken ct)
    {
        var smtp = SmtpSettings.FromConfiguration(configuration);
        if (string.IsNullOrWhiteSpace(smtp.Host) || smtp.Problems().Any())
            return DeliveryResult.Failed("email is not set up: set Muster__Smtp__Host and Muster__Smtp__From");
        var mail = new MimeMessage
        {
            Subject = subject,
            Date = time.GetUtcNow(),
            MessageId = $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32]}@muster",
            Body = new TextPart("plain") { Text = body },
        };
        mail.From.Add(MailboxAddress.Parse(smtp.From));
        mail.To.Add(MailboxAddress.Parse(subscriber.Address));
        // RFC 2369 and RFC 8058: mail apps show an unsubscribe button that POSTs to the link, with no page to visit.
        mail.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        mail.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        mail.Headers.Add("X-Muster-Kind", "status");
        using var client = new SmtpClient { Timeout = (int)VendorHttp.DefaultTimeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Tls switch
            {
                SmtpTls.StartTls => SecureSocketOptions.StartTls,
                SmtpTls.Implicit => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            }, ct);
            if (!string.IsNullOrEmpty(smtp.UserName))
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
            await client.SendAsync(mail, ct);
            await client.DisconnectAsync(quit: true, ct);
            return DeliveryResult.Sent(mail.MessageId);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            return DeliveryResult.Failed($"email: {(int)e.StatusCode} {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"email: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<DeliveryResult> WebhookAsync(StatusSubscriber subscriber, object? json, string idempotencyKey, CancellationToken ct)
    {
        if (json is null)
            return DeliveryResult.Sent();
        var http = httpFactory.CreateClient(NotificationChannels.HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscriber.Address)
        {
            Content = new StringContent(JsonSerializer.Serialize(json, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? DeliveryResult.Sent()
                : code is >= 500 or 429 ? DeliveryResult.Retry($"webhook: HTTP {code}")
                : DeliveryResult.Failed($"webhook: HTTP {code}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"webhook: {e.Message}");
        }
    }

    private async Task<DeliveryResult> SmsAsync(StatusSubscriber subscriber, string title, string shortText, string idempotencyKey, CancellationToken ct)
    {
        var types = ContactTypes.ChannelTypesFor("sms");
        var channel = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled && types.Contains(c.Type)).OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(ct);
        if (channel is null)
            return DeliveryResult.Failed("no enabled SMS channel: an administrator adds one under Channels");
        var message = new OutgoingMessage("status", title, shortText, shortText, null, null, null,
            new Dictionary<string, string> { ["text"] = shortText }, subscriber.Language, false, idempotencyKey);
        return await channels.SendAsync(channel.Type, channel.Settings, new Recipient(Phone: subscriber.Address), message, ct);
    }
}
