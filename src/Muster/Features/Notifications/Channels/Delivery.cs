namespace Muster.Features.Notifications.Channels;

/// <summary>What to say, already rendered in the recipient's language by the caller.</summary>
/// <param name="Kind">"page", "test", "resolved", "reminder"...: picks the approved template on SMS and voice channels.</param>
/// <param name="Title">A short subject, e.g. "[P1] 支付网关 down".</param>
/// <param name="Text">The plain text body, several lines, links included.</param>
/// <param name="ShortText">At most 70 characters, for SMS and voice.</param>
/// <param name="TemplateParameters">Values for approved Chinese SMS and voice templates, by parameter name.</param>
/// <param name="Language">"zh-CN" or "en".</param>
/// <param name="Drill">A drill: channels with a separate title field mark it there too.</param>
/// <param name="IdempotencyKey">Stable over the retries of one delivery, so a retry is not a second page.</param>
/// <param name="MailHeaders">Extra headers for email, such as a subscriber's List-Unsubscribe; other channels have nowhere to put them.</param>
public sealed record OutgoingMessage(
    string Kind,
    string Title,
    string Text,
    string ShortText,
    string? AckUrl,
    string? ResolveUrl,
    string? IncidentUrl,
    IReadOnlyDictionary<string, string> TemplateParameters,
    string Language,
    bool Drill,
    string IdempotencyKey,
    IReadOnlyDictionary<string, string>? MailHeaders = null);

/// <summary>Who a message goes to. Each channel reads the part it needs and fails clearly when it is missing.</summary>
/// <param name="Email">The mailbox, for email.</param>
/// <param name="Phone">The phone number, for SMS and voice: "+8613800000000" or "13800000000" (read as +86).</param>
/// <param name="MentionPhones">Mobiles to @mention in a group chat (DingTalk, WeCom).</param>
/// <param name="MentionUserIds">Chat user ids to @mention: Slack member ids, Feishu open_ids, DingTalk user ids, Teams UPNs.</param>
public sealed record Recipient(
    string? Email = null,
    string? Phone = null,
    IReadOnlyList<string>? MentionPhones = null,
    IReadOnlyList<string>? MentionUserIds = null)
{
    /// <summary>A group channel (a chat robot or a webhook) with nobody to mention.</summary>
    public static Recipient Group { get; } = new();

    internal IReadOnlyList<string> Phones => MentionPhones ?? [];

    internal IReadOnlyList<string> UserIds => MentionUserIds ?? [];
}

/// <summary>How one attempt went.</summary>
/// <param name="Detail">The vendor's own words on a failure; never a secret.</param>
/// <param name="RetryAfter">How long the vendor asked us to wait, when it said.</param>
/// <param name="ProviderId">The vendor's id for the message or call, when it gives one.</param>
public sealed record DeliveryResult(DeliveryStatus Status, string? Detail, TimeSpan? RetryAfter = null, string? ProviderId = null)
{
    public static DeliveryResult Sent(string? providerId = null, string? detail = null) => new(DeliveryStatus.Sent, detail, ProviderId: providerId);

    public static DeliveryResult Retry(string detail) => new(DeliveryStatus.Retry, detail);

    public static DeliveryResult RateLimited(string detail, TimeSpan? retryAfter = null) => new(DeliveryStatus.RateLimited, detail, retryAfter);

    public static DeliveryResult Failed(string detail) => new(DeliveryStatus.Failed, detail);
}

public enum DeliveryStatus
{
    /// <summary>The vendor accepted the message.</summary>
    Sent,

    /// <summary>Transient: a 5xx, a timeout, a network error. Try again later.</summary>
    Retry,

    /// <summary>The vendor says too fast; wait <see cref="DeliveryResult.RetryAfter"/> if known.</summary>
    RateLimited,

    /// <summary>Permanent: bad credentials, a bad number, a rejected template. Retrying will not help.</summary>
    Failed,
}
