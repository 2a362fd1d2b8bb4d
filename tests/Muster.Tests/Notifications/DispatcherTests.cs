using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Muster.Features.Notifications.Channels;

namespace Muster.Tests.Notifications;

/// <summary>One call by type string with stored JSON settings; the failures every HTTP channel shares.</summary>
public sealed class DispatcherTests(StandIn vendor) : IClassFixture<StandIn>
{
    private const string Templates = "\"templates\":{\"page\":{\"code\":\"T1\",\"params\":[\"level\"]}}";

    /// <summary>Valid settings for every HTTP channel, pointed at the stand-in.</summary>
    private string Settings(string type) => type switch
    {
        "webhook" => $"{{\"url\":\"{vendor.Url}\",\"secret\":\"s\"}}",
        "slack" or "teams" => $"{{\"webhookUrl\":\"{vendor.Url}\"}}",
        "dingtalk" => $"{{\"accessToken\":\"t\",\"secret\":\"SECx\",\"baseUrl\":\"{vendor.Url}\"}}",
        "wecom" => $"{{\"key\":\"k\",\"baseUrl\":\"{vendor.Url}\"}}",
        "feishu" => $"{{\"token\":\"t\",\"secret\":\"s\",\"baseUrl\":\"{vendor.Url}\"}}",
        "aliyun-sms" => $"{{\"accessKeyId\":\"a\",\"accessKeySecret\":\"b\",\"signName\":\"c\",{Templates},\"baseUrl\":\"{vendor.Url}\"}}",
        "aliyun-voice" => $"{{\"accessKeyId\":\"a\",\"accessKeySecret\":\"b\",{Templates},\"baseUrl\":\"{vendor.Url}\"}}",
        "tencent-sms" => $"{{\"secretId\":\"a\",\"secretKey\":\"b\",\"smsSdkAppId\":\"1\",\"signName\":\"c\",{Templates},\"baseUrl\":\"{vendor.Url}\"}}",
        "tencent-voice" => $"{{\"secretId\":\"a\",\"secretKey\":\"b\",\"voiceSdkAppid\":\"1\",{Templates},\"baseUrl\":\"{vendor.Url}\"}}",
        "twilio-sms" or "twilio-voice" => $"{{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+15005550006\",\"baseUrl\":\"{vendor.Url}\"}}",
        "http-sms" => $"{{\"url\":\"{vendor.Url}/send\",\"body\":\"{{\\\"to\\\":\\\"{{{{phone}}}}\\\"}}\"}}",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static readonly Recipient Everyone = new(Phone: "13800000001", MentionPhones: ["13800000001"]);

    public static TheoryData<string> HttpTypes() => new(NotificationChannels.Types.Where(t => t != "email"));

    [Theory]
    [MemberData(nameof(HttpTypes))]
    public async Task Every_http_channel_retries_when_the_vendor_is_too_slow(string type)
    {
        vendor.Vendor = _ => new Answer(200, "{}", Delay: TimeSpan.FromSeconds(3));
        var started = DateTime.UtcNow;
        var result = await new NotificationChannels(Messages.ImpatientHttp(), Messages.Time()).SendAsync(type, Settings(type), Everyone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Retry, result.Status);
        Assert.Contains("no answer within", result.Detail);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
    }

    [Theory]
    [MemberData(nameof(HttpTypes))]
    public async Task Every_http_channel_retries_on_a_server_error(string type)
    {
        vendor.Vendor = _ => new Answer(500, "{\"message\":\"internal error\"}");
        var result = await new NotificationChannels(Messages.Http(), Messages.Time()).SendAsync(type, Settings(type), Everyone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Retry, result.Status);
    }

    [Fact]
    public async Task A_closed_port_is_a_retry()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var result = await new NotificationChannels(Messages.Http(), Messages.Time())
            .SendAsync("slack", $"{{\"webhookUrl\":\"http://127.0.0.1:{port}/x\"}}", Recipient.Group, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Retry, result.Status);
    }

    [Theory]
    [InlineData("aliyun-sms", "{\"accessKeyId\":\"a\",\"signName\":\"c\",\"templates\":{\"page\":{\"code\":\"T\"}}}", "'accessKeySecret' is required")]
    [InlineData("tencent-sms", "{\"secretId\":\"a\",\"secretKey\":\"b\",\"signName\":\"c\",\"templates\":{\"page\":{\"code\":\"T\"}}}", "'smsSdkAppId' is required")]
    [InlineData("tencent-voice", "{\"secretId\":\"a\",\"secretKey\":\"b\",\"voiceSdkAppid\":\"1\"}", "'templates' is required")]
    [InlineData("aliyun-voice", "{\"accessKeyId\":\"a\",\"accessKeySecret\":\"b\",\"templates\":{\"page\":{\"params\":[\"x\"]}}}", "'templates.page.code' is required")]
    [InlineData("email", "{\"host\":\"mail\",\"port\":\"twenty-five\",\"from\":\"a@b.c\"}", "'port' has the wrong type")]
    [InlineData("email", "{\"host\":\"mail\",\"from\":\"a@b.c\",\"userName\":\"u\"}", "'password' is required")]
    [InlineData("slack", "{\"webhookUrl\":\"hooks.slack.com/services/x\"}", "'webhookUrl' must be an absolute http(s) URL")]
    [InlineData("twilio-sms", "{\"accountSid\":\"AC1\",\"authToken\":\"t\"}", "'from' (or 'messagingServiceSid' for SMS) is required")]
    [InlineData("pager", "{}", "unknown channel type 'pager'")]
    public void Settings_problems_name_the_field(string type, string json, string problem)
    {
        var problems = NotificationChannels.Validate(type, json);
        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sending_with_bad_settings_fails_naming_the_field_and_calls_nobody()
    {
        var before = vendor.Requests.Count;
        var result = await new NotificationChannels(Messages.Http(), Messages.Time()).SendAsync("dingtalk", "{\"secret\":\"SEC1\"}", Recipient.Group, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Equal("settings for 'dingtalk': 'accessToken' is required", result.Detail);
        Assert.Equal(before, vendor.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(HttpTypes))]
    public void Every_example_settings_shape_is_valid(string type)
    {
        Assert.Empty(NotificationChannels.Validate(type, Settings(type)));
    }

    [Fact]
    public void Settings_never_print_their_secrets()
    {
        using var document = JsonDocument.Parse("{\"accessKeyId\":\"LTAI-visible\",\"accessKeySecret\":\"top-secret-1\",\"signName\":\"c\",\"templates\":{\"page\":{\"code\":\"T\"}}}");
        var settings = NotificationChannels.Parse("aliyun-sms", document.RootElement, out _)!;
        var printed = settings.ToString()!;
        Assert.DoesNotContain("top-secret-1", printed);
        Assert.Contains("LTAI-visible", printed);
        Assert.DoesNotContain("sekrit", new SmtpSettings { Host = "h", From = "a@b.c", Password = "sekrit" }.ToString());
        Assert.DoesNotContain("T0/B0/secret", new SlackSettings { WebhookUrl = "https://hooks.slack.com/services/T0/B0/secret" }.ToString());
    }

    [Fact]
    public void Smtp_settings_bind_from_the_muster_smtp_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Muster:Smtp:Host"] = "smtp.qq.com",
            ["Muster:Smtp:Port"] = "465",
            ["Muster:Smtp:From"] = "duty@example.com",
            ["Muster:Smtp:UserName"] = "duty@example.com",
            ["Muster:Smtp:Password"] = "authcode",
            ["Muster:Smtp:Tls"] = "implicit",
        }).Build();
        var settings = SmtpSettings.FromConfiguration(configuration);
        Assert.Equal(("smtp.qq.com", 465, SmtpTls.Implicit, "authcode"), (settings.Host, settings.Port, settings.Tls, settings.Password));
        Assert.Empty(settings.Problems());
    }
}
