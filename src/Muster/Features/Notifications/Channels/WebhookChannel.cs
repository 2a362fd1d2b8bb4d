using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>Muster's own signed webhook. A receiver verifies it as docs/notifications.md shows.</summary>
public sealed record WebhookSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string Url { get; init; } = "";

    /// <summary>The shared secret both sides hold; it signs, it is never sent.</summary>
    public string Secret { get; init; } = "";

    public IEnumerable<string> Problems() => Require.AbsoluteUrl(Url, "url").Concat(Require.Text((Secret, "secret")));
}

public sealed class WebhookChannel(HttpClient http, TimeProvider time)
{
    public const string TimestampHeader = "X-Muster-Timestamp";
    public const string SignatureHeader = "X-Muster-Signature";

    public async Task<DeliveryResult> SendAsync(WebhookSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            kind = message.Kind,
            title = message.Title,
            text = message.Text,
            shortText = message.ShortText,
            ackUrl = message.AckUrl,
            resolveUrl = message.ResolveUrl,
            incidentUrl = message.IncidentUrl,
            drill = message.Drill,
            language = message.Language,
            parameters = message.TemplateParameters,
            mentions = recipient.UserIds.Count > 0 ? recipient.UserIds : null,
        }, VendorHttp.Json);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "sha256=" + Sign(settings.Secret, timestamp, body));
        request.Headers.Add("Idempotency-Key", message.IdempotencyKey);

        var reply = await VendorHttp.SendAsync(http, time, request, "webhook", ct);
        if (reply.CommonFailure("webhook") is { } failure)
            return failure;
        return reply.IsSuccess ? DeliveryResult.Sent() : DeliveryResult.Failed($"webhook: HTTP {(int)reply.Status} {reply.Snippet}");
    }

    /// <summary>Hex HMAC-SHA256 over "timestamp.body": the timestamp is signed so a captured request cannot be replayed later.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
}
