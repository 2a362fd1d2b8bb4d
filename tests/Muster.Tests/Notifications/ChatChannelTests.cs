using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Muster.Features.Notifications.Channels;

namespace Muster.Tests.Notifications;

/// <summary>Webhook, Slack, Teams, DingTalk, WeCom and Feishu against stand-ins that check what each vendor checks.</summary>
public sealed class ChatChannelTests(StandIn vendor) : IClassFixture<StandIn>
{
    private readonly HttpClient http = Messages.Http();
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    private static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Webhook_posts_the_message_signed_with_the_timestamp_and_an_idempotency_key()
    {
        const string secret = "whsec-test";
        vendor.Vendor = seen =>
        {
            // A receiver's check, written from docs/notifications.md: HMAC-SHA256(secret, timestamp + "." + raw body).
            var expected = "sha256=" + Hex(new HMACSHA256(Encoding.UTF8.GetBytes(secret)).ComputeHash(Encoding.UTF8.GetBytes(seen.Header("X-Muster-Timestamp") + "." + seen.Body)));
            return seen.Header("X-Muster-Signature") == expected ? new Answer(204, "") : new Answer(401, "bad signature");
        };
        var result = await new WebhookChannel(http, Messages.Time()).SendAsync(new WebhookSettings { Url = vendor.Url + "/hook", Secret = secret }, Recipient.Group, Messages.Page(drill: true), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var seen = vendor.Last;
        Assert.Equal(("POST", "/hook"), (seen.Method, seen.Path));
        Assert.Equal(Messages.Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Header("X-Muster-Timestamp"));
        Assert.Equal("delivery-42-chain-7", seen.Header("Idempotency-Key"));
        var body = Json(seen.Body);
        Assert.Equal("page", body.GetProperty("kind").GetString());
        Assert.Equal("https://muster.example/ack/abc", body.GetProperty("ackUrl").GetString());
        Assert.True(body.GetProperty("drill").GetBoolean());
        Assert.Equal("支付网关", body.GetProperty("parameters").GetProperty("service").GetString());
    }

    [Fact]
    public async Task Webhook_with_a_wrong_secret_is_refused_and_failed()
    {
        vendor.Vendor = seen => new Answer(401, "bad signature");
        var result = await new WebhookChannel(http, Messages.Time()).SendAsync(new WebhookSettings { Url = vendor.Url, Secret = "wrong" }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("bad signature", result.Detail);
    }

    private static Answer Slack(Seen seen)
    {
        if (seen.Path != "/services/T000/B000/XXXX")
            return new Answer(404, "no_service", "text/plain");
        var body = Json(seen.Body);
        return body.TryGetProperty("text", out _) && body.GetProperty("blocks").GetArrayLength() > 0 ? new Answer(200, "ok", "text/plain") : new Answer(400, "invalid_payload", "text/plain");
    }

    [Fact]
    public async Task Slack_posts_text_and_blocks_with_link_buttons()
    {
        vendor.Vendor = Slack;
        var result = await new SlackChannel(http, Messages.Time()).SendAsync(new SlackSettings { WebhookUrl = vendor.Url + "/services/T000/B000/XXXX" },
            new Recipient(MentionUserIds: ["U024BE7LH"]), Messages.Page(drill: true), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.StartsWith("<@U024BE7LH>", body.GetProperty("text").GetString());
        var blocks = body.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("【演练】[P1] 支付网关 down", blocks[0].GetProperty("text").GetProperty("text").GetString());
        var buttons = blocks.Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(["https://muster.example/ack/abc", "https://muster.example/resolve/abc", "https://muster.example/i/42"], buttons.Select(b => b.GetProperty("url").GetString()));
        Assert.Equal("确认", buttons[0].GetProperty("text").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(404, "no_service", DeliveryStatus.Failed)]
    [InlineData(403, "invalid_token", DeliveryStatus.Failed)]
    [InlineData(429, "rate_limited", DeliveryStatus.RateLimited)]
    [InlineData(500, "rollup_error", DeliveryStatus.Retry)]
    public async Task Slack_answers_map_to_a_status(int status, string said, DeliveryStatus expected)
    {
        vendor.Vendor = _ => new Answer(status, said, "text/plain", Headers: status == 429 ? new Dictionary<string, string> { ["Retry-After"] = "30" } : null);
        var result = await new SlackChannel(http, Messages.Time()).SendAsync(new SlackSettings { WebhookUrl = vendor.Url + "/services/x" }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
        Assert.Contains(said, result.Detail);
        if (status == 429)
            Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public async Task Teams_posts_an_adaptive_card_with_open_url_actions()
    {
        vendor.Vendor = seen => new Answer(202, "");
        var result = await new TeamsChannel(http, Messages.Time()).SendAsync(new TeamsSettings { WebhookUrl = vendor.Url + "/workflows/abc" },
            new Recipient(MentionUserIds: ["duty@example.com"]), Messages.Page(language: "en"), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.Equal("message", body.GetProperty("type").GetString());
        var attachment = body.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        var actions = card.GetProperty("actions").EnumerateArray().ToList();
        Assert.All(actions, a => Assert.Equal("Action.OpenUrl", a.GetProperty("type").GetString()));
        Assert.Equal(("Acknowledge", "https://muster.example/ack/abc"), (actions[0].GetProperty("title").GetString(), actions[0].GetProperty("url").GetString()));
        Assert.Equal("<at>duty@example.com</at>", card.GetProperty("msteams").GetProperty("entities")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(400, DeliveryStatus.Failed)]
    [InlineData(429, DeliveryStatus.RateLimited)]
    [InlineData(502, DeliveryStatus.Retry)]
    public async Task Teams_answers_map_to_a_status(int status, DeliveryStatus expected)
    {
        vendor.Vendor = _ => new Answer(status, "{\"error\":{\"code\":\"x\",\"message\":\"said\"}}");
        var result = await new TeamsChannel(http, Messages.Time()).SendAsync(new TeamsSettings { WebhookUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
    }

    private const string DingTalkSecret = "SEC0123456789abcdef";

    /// <summary>DingTalk's check: timestamp (ms) within an hour, sign = base64(HmacSHA256(secret, timestamp + "\n" + secret)).</summary>
    private static Answer DingTalk(Seen seen)
    {
        if (seen.Path != "/robot/send" || seen.Query.GetValueOrDefault("access_token") != "dt-token")
            return Answer.Json("{\"errcode\":300001,\"errmsg\":\"token is not exist\"}");
        var timestamp = seen.Query["timestamp"];
        using var mac = new HMACSHA256(Encoding.UTF8.GetBytes(DingTalkSecret));
        var expected = Convert.ToBase64String(mac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + "\n" + DingTalkSecret)));
        if (seen.Query["sign"] != expected || Math.Abs(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture) - Messages.Now.ToUnixTimeMilliseconds()) > 3_600_000)
            return Answer.Json("{\"errcode\":310000,\"errmsg\":\"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]\"}");
        return Answer.Json("{\"errcode\":0,\"errmsg\":\"ok\"}");
    }

    [Fact]
    public async Task DingTalk_posts_signed_markdown_and_mentions_the_paged_mobiles()
    {
        vendor.Vendor = DingTalk;
        var settings = new DingTalkSettings { AccessToken = "dt-token", Secret = DingTalkSecret, BaseUrl = vendor.Url };
        var result = await new DingTalkChannel(http, Messages.Time()).SendAsync(settings, new Recipient(MentionPhones: ["13800000001"]), Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.Equal("markdown", body.GetProperty("msgtype").GetString());
        Assert.Equal("13800000001", body.GetProperty("at").GetProperty("atMobiles")[0].GetString());
        var text = body.GetProperty("markdown").GetProperty("text").GetString()!;
        Assert.Contains("@13800000001", text);
        Assert.Contains("[确认](https://muster.example/ack/abc)", text);
    }

    [Theory]
    [InlineData("{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}", DeliveryStatus.RateLimited)]
    [InlineData("{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}", DeliveryStatus.Failed)]
    [InlineData("{\"errcode\":300001,\"errmsg\":\"token is not exist\"}", DeliveryStatus.Failed)]
    public async Task DingTalk_error_codes_map_to_a_status(string answer, DeliveryStatus expected)
    {
        vendor.Vendor = _ => Answer.Json(answer);
        var result = await new DingTalkChannel(http, Messages.Time()).SendAsync(new DingTalkSettings { AccessToken = "t", Secret = "wrong", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
        Assert.Contains(Json(answer).GetProperty("errmsg").GetString()!, result.Detail);
    }

    [Fact]
    public async Task DingTalk_with_a_wrong_secret_is_failed_by_the_vendor()
    {
        vendor.Vendor = DingTalk;
        var result = await new DingTalkChannel(http, Messages.Time()).SendAsync(new DingTalkSettings { AccessToken = "dt-token", Secret = "SECwrong", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("310000", result.Detail);
    }

    private static Answer WeCom(Seen seen) =>
        seen.Path == "/cgi-bin/webhook/send" && seen.Query.GetValueOrDefault("key") == "wk-1"
            ? Answer.Json("{\"errcode\":0,\"errmsg\":\"ok\"}")
            : Answer.Json("{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: [1690000000_1], from ip: 127.0.0.1\"}");

    [Fact]
    public async Task WeCom_posts_text_with_mentioned_mobiles_when_someone_is_paged()
    {
        vendor.Vendor = WeCom;
        var result = await new WeComChannel(http, Messages.Time()).SendAsync(new WeComSettings { Key = "wk-1", BaseUrl = vendor.Url }, new Recipient(MentionPhones: ["13800000001"]), Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.Equal("text", body.GetProperty("msgtype").GetString());
        Assert.Equal("13800000001", body.GetProperty("text").GetProperty("mentioned_mobile_list")[0].GetString());
        Assert.Contains("确认: https://muster.example/ack/abc", body.GetProperty("text").GetProperty("content").GetString());
    }

    [Fact]
    public async Task WeCom_posts_markdown_to_the_group_when_nobody_is_mentioned()
    {
        vendor.Vendor = WeCom;
        var result = await new WeComChannel(http, Messages.Time()).SendAsync(new WeComSettings { Key = "wk-1", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(drill: true), default);
        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.Equal("markdown", body.GetProperty("msgtype").GetString());
        Assert.StartsWith("### 【演练】[P1]", body.GetProperty("markdown").GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", DeliveryStatus.RateLimited)]
    [InlineData("{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}", DeliveryStatus.Failed)]
    [InlineData("{\"errcode\":-1,\"errmsg\":\"system busy\"}", DeliveryStatus.Retry)]
    public async Task WeCom_error_codes_map_to_a_status(string answer, DeliveryStatus expected)
    {
        vendor.Vendor = _ => Answer.Json(answer);
        var result = await new WeComChannel(http, Messages.Time()).SendAsync(new WeComSettings { Key = "k", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
    }

    private const string FeishuSecret = "feishu-secret";

    /// <summary>Feishu's check: sign = base64(HmacSHA256(key = timestamp + "\n" + secret, data = nothing)), timestamp within an hour.</summary>
    private static Answer Feishu(Seen seen)
    {
        if (seen.Path != "/open-apis/bot/v2/hook/fs-token")
            return Answer.Json("{\"code\":19001,\"msg\":\"param invalid: incoming webhook access token invalid\"}", 404);
        var body = Json(seen.Body);
        var timestamp = body.GetProperty("timestamp").GetString()!;
        using var mac = new HMACSHA256(Encoding.UTF8.GetBytes(timestamp + "\n" + FeishuSecret));
        var expected = Convert.ToBase64String(mac.ComputeHash([]));
        if (body.GetProperty("sign").GetString() != expected || Math.Abs(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture) - Messages.Now.ToUnixTimeSeconds()) > 3600)
            return Answer.Json("{\"code\":19021,\"data\":{},\"msg\":\"sign match fail or timestamp is not within one hour from current time\"}");
        return Answer.Json("{\"StatusCode\":0,\"StatusMessage\":\"success\",\"code\":0,\"data\":{},\"msg\":\"success\"}");
    }

    [Fact]
    public async Task Feishu_posts_a_signed_interactive_card_with_buttons_and_mentions()
    {
        vendor.Vendor = Feishu;
        var result = await new FeishuChannel(http, Messages.Time()).SendAsync(new FeishuSettings { Token = "fs-token", Secret = FeishuSecret, BaseUrl = vendor.Url },
            new Recipient(MentionUserIds: ["ou_7d8a6e6df7621556ce0d21922b676706ccs"]), Messages.Page(drill: true), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var body = Json(vendor.Last.Body);
        Assert.Equal("interactive", body.GetProperty("msg_type").GetString());
        var card = body.GetProperty("card");
        Assert.Equal("【演练】[P1] 支付网关 down", card.GetProperty("header").GetProperty("title").GetProperty("content").GetString());
        var elements = card.GetProperty("elements").EnumerateArray().ToList();
        Assert.StartsWith("<at id=ou_7d8a6e6df7621556ce0d21922b676706ccs></at>", elements[0].GetProperty("text").GetProperty("content").GetString());
        Assert.Equal("https://muster.example/ack/abc", elements[1].GetProperty("actions")[0].GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("{\"code\":11232,\"msg\":\"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]\"}", DeliveryStatus.RateLimited)]
    [InlineData("{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour from current time\"}", DeliveryStatus.Failed)]
    public async Task Feishu_error_codes_map_to_a_status(string answer, DeliveryStatus expected)
    {
        vendor.Vendor = _ => Answer.Json(answer);
        var result = await new FeishuChannel(http, Messages.Time()).SendAsync(new FeishuSettings { Token = "t", Secret = "s", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task Feishu_with_a_wrong_secret_is_failed_by_the_vendor()
    {
        vendor.Vendor = Feishu;
        var result = await new FeishuChannel(http, Messages.Time()).SendAsync(new FeishuSettings { Token = "fs-token", Secret = "wrong", BaseUrl = vendor.Url }, Recipient.Group, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("19021", result.Detail);
    }
}
