using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>
/// A JSON document posted, unsigned, to a URL someone gave as their address (a status-page
/// subscriber's webhook), with the message's idempotency key. Unlike the <c>webhook</c> channel it
/// has no secret to sign with: the subscriber chose the URL, and the document is public news.
/// </summary>
public sealed class JsonPostChannel(HttpClient http, TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(string url, object document, string idempotencyKey, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return DeliveryResult.Failed("webhook: the address is not an http or https URL");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(JsonSerializer.Serialize(document, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        var reply = await VendorHttp.SendAsync(http, time, request, "webhook", ct);
        if (reply.CommonFailure("webhook") is { } failure)
            return failure;
        return reply.IsSuccess ? DeliveryResult.Sent() : DeliveryResult.Failed($"webhook: HTTP {(int)reply.Status} {reply.Snippet}");
    }
}
