using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>A Teams Workflows ("Post to a channel when a webhook request is received") or legacy incoming webhook URL.</summary>
public sealed record TeamsSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string WebhookUrl { get; init; } = "";

    public IEnumerable<string> Problems() => Require.AbsoluteUrl(WebhookUrl, "webhookUrl");
}

/// <summary>Teams: a message whose one attachment is an Adaptive Card with Action.OpenUrl buttons.</summary>
public sealed class TeamsChannel(HttpClient http, TimeProvider time)
{
    public const string AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive";

    public async Task<DeliveryResult> SendAsync(TeamsSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        var mentions = recipient.UserIds.Select(upn => new { type = "mention", text = $"<at>{upn}</at>", mentioned = new { id = upn, name = upn } }).ToList();
        var cardBody = new List<object>
        {
            new { type = "TextBlock", text = ChannelText.Title(message), weight = "Bolder", size = "Medium", wrap = true, color = message.Drill ? "Warning" : "Attention" },
            new { type = "TextBlock", text = message.Text, wrap = true },
        };
        if (mentions.Count > 0)
            cardBody.Add(new { type = "TextBlock", text = string.Join(" ", mentions.Select(m => m.text)), wrap = true });

        var card = new Dictionary<string, object?>
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            // 1.4 is what Teams renders everywhere, mobile included.
            ["version"] = "1.4",
            ["body"] = cardBody,
            ["actions"] = ChannelText.Links(message).Select(l => new { type = "Action.OpenUrl", title = l.Label, url = l.Url }).ToList(),
            ["msteams"] = mentions.Count > 0 ? (object)new { entities = mentions, width = "Full" } : new { width = "Full" },
        };
        var body = JsonSerializer.Serialize(new
        {
            type = "message",
            attachments = new[] { new Dictionary<string, object?> { ["contentType"] = AdaptiveCardContentType, ["contentUrl"] = null, ["content"] = card } },
        }, VendorHttp.Json);

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await VendorHttp.SendAsync(http, time, request, "teams", ct);
        if (reply.CommonFailure("teams") is { } failure)
            return failure;
        // Legacy connectors answer 200 with a text body; when throttled they said so in it instead of a 429.
        if (reply.IsSuccess && reply.Body.Contains("429", StringComparison.Ordinal))
            return DeliveryResult.RateLimited($"teams: {reply.Snippet}");
        return reply.IsSuccess ? DeliveryResult.Sent() : DeliveryResult.Failed($"teams: HTTP {(int)reply.Status} {reply.Snippet}");
    }
}
