using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>
/// A Slack incoming webhook URL (https://hooks.slack.com/services/...) and, optionally, the Slack
/// app's signing secret: with it, Acknowledge and Resolve are buttons that act inside Slack
/// (the app's Interactivity Request URL is /hooks/slack/{channelId}); without it, they are links.
/// </summary>
public sealed record SlackSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string WebhookUrl { get; init; } = "";

    public string? SigningSecret { get; init; }

    public bool Interactive => !string.IsNullOrWhiteSpace(SigningSecret);

    public IEnumerable<string> Problems() => Require.AbsoluteUrl(WebhookUrl, "webhookUrl");
}

/// <summary>Slack incoming webhooks: JSON {text, blocks}; the answer is the plain text "ok" or an error word.</summary>
public sealed class SlackChannel(HttpClient http, TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(SlackSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        var mentions = string.Concat(recipient.UserIds.Select(id => $"<@{id}> "));
        var blocks = new List<object>
        {
            // Header blocks take plain text of at most 150 characters.
            new { type = "header", text = new { type = "plain_text", text = ChannelText.Truncate(ChannelText.Title(message), 150) } },
            // Section text is mrkdwn of at most 3000 characters; &, < and > must be escaped there.
            new { type = "section", text = new { type = "mrkdwn", text = ChannelText.Truncate(mentions + Escape(message.Text), 3000) } },
        };
        var buttons = ChannelText.Links(message).Select((link, i) => Button(settings, message, link, primary: i == 0 && link.Url == message.AckUrl)).ToList();
        if (buttons.Count > 0)
            blocks.Add(new { type = "actions", elements = buttons });

        // "text" is the notification and screen-reader fallback when blocks are present.
        var body = JsonSerializer.Serialize(new { text = mentions + Escape(ChannelText.Title(message)), blocks }, VendorHttp.Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await VendorHttp.SendAsync(http, time, request, "slack", ct);
        if (reply.CommonFailure("slack") is { } failure)
            return failure;
        if (reply.IsSuccess)
            return DeliveryResult.Sent();
        // 400 invalid_payload, 403 invalid_token / action_prohibited, 404 no_service / channel_not_found, 410 channel_is_archived.
        return DeliveryResult.Failed($"slack: HTTP {(int)reply.Status} {reply.Snippet}");
    }

    /// <summary>
    /// A link button, or with a signing secret an action button whose value is the link's signed
    /// token: the click comes back to Muster signed by Slack and the message changes in place.
    /// </summary>
    private static object Button(SlackSettings settings, OutgoingMessage message, (string Label, string Url) link, bool primary)
    {
        var text = new { type = "plain_text", text = link.Label };
        var style = primary ? "primary" : null;
        var action = link.Url == message.AckUrl ? SlackInteractions.AckAction : link.Url == message.ResolveUrl ? SlackInteractions.ResolveAction : null;
        if (settings.Interactive && action is not null && ActionLinks.TokenOf(link.Url) is { } token)
            return new { type = "button", text, action_id = action, value = token, style };
        return new { type = "button", text, url = link.Url, style };
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
