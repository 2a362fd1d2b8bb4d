using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>A Feishu (or Lark: BaseUrl https://open.larksuite.com) custom bot: the token at the end of its webhook URL and its signing secret.</summary>
public sealed record FeishuSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string Token { get; init; } = "";

    /// <summary>The "签名校验" secret; bots secured by keyword or IP only leave it empty.</summary>
    public string? Secret { get; init; }

    public string BaseUrl { get; init; } = "https://open.feishu.cn";

    public IEnumerable<string> Problems() => Require.Text((Token, "token")).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"));
}

/// <summary>Feishu custom bot: an interactive card with link buttons; timestamp and sign go in the body.</summary>
public sealed class FeishuChannel(HttpClient http, TimeProvider time)
{
    // 11232: frequency limited (100 a minute, 5 a second per bot).
    private static readonly HashSet<long> RateLimited = [11232];
    private static readonly HashSet<long> Transient = [];

    public async Task<DeliveryResult> SendAsync(FeishuSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        // In a card's lark_md an @mention is <at id=open_id></at>.
        var mentions = string.Concat(recipient.UserIds.Select(id => $"<at id={id}></at> "));
        var elements = new List<object> { new { tag = "div", text = new { tag = "lark_md", content = (mentions + message.Text).Trim() } } };
        var buttons = ChannelText.Links(message).Select((l, i) => new
        {
            tag = "button",
            text = new { tag = "plain_text", content = l.Label },
            type = i == 0 ? "primary" : "default",
            url = l.Url,
        }).ToList();
        if (buttons.Count > 0)
            elements.Add(new { tag = "action", actions = buttons });

        var card = new
        {
            config = new { wide_screen_mode = true },
            header = new { title = new { tag = "plain_text", content = ChannelText.Title(message) }, template = message.Drill ? "orange" : "red" },
            elements,
        };
        string? timestamp = null, sign = null;
        if (!string.IsNullOrEmpty(settings.Secret))
        {
            timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            sign = Sign(settings.Secret, timestamp);
        }
        var body = JsonSerializer.Serialize(new { timestamp, sign, msg_type = "interactive", card }, VendorHttp.Json);

        var endpoint = $"{Require.Base(settings.BaseUrl)}/open-apis/bot/v2/hook/{Uri.EscapeDataString(settings.Token)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await VendorHttp.SendAsync(http, time, request, "feishu", ct);
        // 19021: sign match fail; 19024: keyword missing; 9499: bad request: all Failed.
        return ChatRobotReply.Read(reply, "feishu", "code", "msg", RateLimited, Transient);
    }

    /// <summary>Feishu signs nothing but its key: base64 HmacSHA256 keyed by "timestamp\nsecret" over empty data (timestamp in seconds).</summary>
    public static string Sign(string secret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));
}
