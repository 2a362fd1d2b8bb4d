using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>A DingTalk group robot with "加签" security: its access_token and its SEC... secret.</summary>
public sealed record DingTalkSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string AccessToken { get; init; } = "";

    /// <summary>The signing secret (starts with SEC). Robots secured by keyword or IP only leave it empty.</summary>
    public string? Secret { get; init; }

    public string BaseUrl { get; init; } = "https://oapi.dingtalk.com";

    public IEnumerable<string> Problems() => Require.Text((AccessToken, "accessToken")).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"));
}

/// <summary>DingTalk custom robot: a markdown message; @mentions by mobile are in at.atMobiles and, to show, as @138... in the text.</summary>
public sealed class DingTalkChannel(HttpClient http, TimeProvider time)
{
    // 130101: sending too fast (20 messages a minute per robot); -1: system busy.
    private static readonly HashSet<long> RateLimited = [130101];
    private static readonly HashSet<long> Transient = [-1];

    public async Task<DeliveryResult> SendAsync(DingTalkSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        var title = ChannelText.Title(message);
        var text = new StringBuilder($"#### {title}\n\n{message.Text.Replace("\n", "\n\n")}\n\n");
        text.AppendJoin(" | ", ChannelText.Links(message).Select(l => $"[{l.Label}]({l.Url})"));
        // A mobile in at.atMobiles only highlights when "@mobile" also appears in the text.
        foreach (var phone in recipient.Phones)
            text.Append(" @").Append(phone);
        foreach (var userId in recipient.UserIds)
            text.Append(" @").Append(userId);

        // actionCard would give real buttons, but DingTalk does not notify @mentions in it; a page must ring, so markdown.
        var body = JsonSerializer.Serialize(new
        {
            msgtype = "markdown",
            markdown = new { title, text = text.ToString() },
            at = new { atMobiles = recipient.Phones, atUserIds = recipient.UserIds, isAtAll = false },
        }, VendorHttp.Json);

        var url = $"{Require.Base(settings.BaseUrl)}/robot/send?access_token={Uri.EscapeDataString(settings.AccessToken)}";
        if (!string.IsNullOrEmpty(settings.Secret))
        {
            var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            url += $"&timestamp={timestamp}&sign={Uri.EscapeDataString(Sign(settings.Secret, timestamp))}";
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await VendorHttp.SendAsync(http, time, request, "dingtalk", ct);
        // 310000 covers a wrong sign, a missing keyword and an IP not allowed: configuration, so Failed.
        return ChatRobotReply.Read(reply, "dingtalk", "errcode", "errmsg", RateLimited, Transient);
    }

    /// <summary>Base64 HmacSHA256 with the secret as key over "timestamp\nsecret" (timestamp in milliseconds), as DingTalk documents.</summary>
    public static string Sign(string secret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret)));
}
