using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>A WeCom (企业微信) group robot: the key from its webhook URL.</summary>
public sealed record WeComSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string Key { get; init; } = "";

    public string BaseUrl { get; init; } = "https://qyapi.weixin.qq.com";

    public IEnumerable<string> Problems() => Require.Text((Key, "key")).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"));
}

/// <summary>WeCom group robot: markdown when nobody is to be mentioned, text with mentioned_mobile_list when someone is
/// (WeCom's markdown message does not take mentioned_mobile_list).</summary>
public sealed class WeComChannel(HttpClient http, TimeProvider time)
{
    // 45009: API frequency limit (20 messages a minute per robot); -1: system busy.
    private static readonly HashSet<long> RateLimited = [45009];
    private static readonly HashSet<long> Transient = [-1];

    public async Task<DeliveryResult> SendAsync(WeComSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        var title = ChannelText.Title(message);
        string body;
        if (recipient.Phones.Count == 0 && recipient.UserIds.Count == 0)
        {
            var markdown = new StringBuilder($"### {title}\n{message.Text}\n");
            markdown.AppendJoin(" | ", ChannelText.Links(message).Select(l => $"[{l.Label}]({l.Url})"));
            // markdown content is at most 4096 UTF-8 bytes.
            body = JsonSerializer.Serialize(new { msgtype = "markdown", markdown = new { content = ChannelText.TruncateUtf8(markdown.ToString(), 4096) } }, VendorHttp.Json);
        }
        else
        {
            var text = new StringBuilder($"{title}\n{message.Text}\n");
            foreach (var (label, url) in ChannelText.Links(message))
                text.Append(label).Append(": ").Append(url).Append('\n');
            // text content is at most 2048 UTF-8 bytes.
            body = JsonSerializer.Serialize(new
            {
                msgtype = "text",
                text = new
                {
                    content = ChannelText.TruncateUtf8(text.ToString().TrimEnd(), 2048),
                    mentioned_list = recipient.UserIds.Count > 0 ? recipient.UserIds : null,
                    mentioned_mobile_list = recipient.Phones.Count > 0 ? recipient.Phones : null,
                },
            }, VendorHttp.Json);
        }

        var endpoint = $"{Require.Base(settings.BaseUrl)}/cgi-bin/webhook/send?key={Uri.EscapeDataString(settings.Key)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await VendorHttp.SendAsync(http, time, request, "wecom", ct);
        // 93000: invalid webhook key; like any other code it is Failed.
        return ChatRobotReply.Read(reply, "wecom", "errcode", "errmsg", RateLimited, Transient);
    }
}
