using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muster.Features.Notifications.Channels;

/// <summary>
/// Every channel behind one call keyed by a type string, with settings as stored JSON: what the delivery worker calls.
/// Settings are read with camelCase names (case-insensitive) and validated before anything is sent.
/// </summary>
public sealed class NotificationChannels(HttpClient http, TimeProvider time)
{
    public const string HttpClientName = "muster-notifications";

    /// <summary>The type strings, in the order a settings page lists them.</summary>
    public static IReadOnlyList<string> Types { get; } =
    [
        "email", "webhook", "slack", "teams", "dingtalk", "wecom", "feishu",
        "aliyun-sms", "aliyun-voice", "tencent-sms", "tencent-voice", "twilio-sms", "twilio-voice", "http-sms",
    ];

    private static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private static readonly Dictionary<string, Type> SettingsTypes = new()
    {
        ["email"] = typeof(SmtpSettings),
        ["webhook"] = typeof(WebhookSettings),
        ["slack"] = typeof(SlackSettings),
        ["teams"] = typeof(TeamsSettings),
        ["dingtalk"] = typeof(DingTalkSettings),
        ["wecom"] = typeof(WeComSettings),
        ["feishu"] = typeof(FeishuSettings),
        ["aliyun-sms"] = typeof(AliyunSmsSettings),
        ["aliyun-voice"] = typeof(AliyunVoiceSettings),
        ["tencent-sms"] = typeof(TencentSmsSettings),
        ["tencent-voice"] = typeof(TencentVoiceSettings),
        ["twilio-sms"] = typeof(TwilioSettings),
        ["twilio-voice"] = typeof(TwilioSettings),
        ["http-sms"] = typeof(HttpSmsSettings),
    };

    /// <summary>Reads and checks settings: the settings, or every problem, each naming the field ("'accessKeyId' is required").</summary>
    public static IChannelSettings? Parse(string type, JsonElement settings, out IReadOnlyList<string> problems)
    {
        if (!SettingsTypes.TryGetValue(type, out var settingsType))
        {
            problems = [$"unknown channel type '{type}'; known: {string.Join(", ", Types)}"];
            return null;
        }
        if (settings.ValueKind != JsonValueKind.Object)
        {
            problems = [$"settings for '{type}' must be a JSON object"];
            return null;
        }
        IChannelSettings? parsed;
        try
        {
            parsed = (IChannelSettings?)settings.Deserialize(settingsType, SettingsJson);
        }
        catch (JsonException e)
        {
            // The path names the field (e.g. "$.port"); the message never holds the values, so no secret is echoed.
            problems = [$"'{e.Path?.TrimStart('$', '.')}' has the wrong type"];
            return null;
        }
        problems = parsed?.Problems().ToList() ?? [$"settings for '{type}' are empty"];
        return problems.Count == 0 ? parsed : null;
    }

    public static IReadOnlyList<string> Validate(string type, string settingsJson)
    {
        try
        {
            using var document = JsonDocument.Parse(settingsJson);
            Parse(type, document.RootElement, out var problems);
            return problems;
        }
        catch (JsonException)
        {
            return [$"settings for '{type}' are not valid JSON"];
        }
    }

    public async Task<DeliveryResult> SendAsync(string type, string settingsJson, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        JsonElement settings;
        try
        {
            using var document = JsonDocument.Parse(settingsJson);
            settings = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return DeliveryResult.Failed($"settings for '{type}' are not valid JSON");
        }
        return await SendAsync(type, settings, recipient, message, ct);
    }

    /// <summary>Sends through the channel <paramref name="type"/>; bad settings are <see cref="DeliveryStatus.Failed"/> naming the field.</summary>
    public Task<DeliveryResult> SendAsync(string type, JsonElement settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (Parse(type, settings, out var problems) is not { } parsed)
            return Task.FromResult(DeliveryResult.Failed($"settings for '{type}': {string.Join("; ", problems)}"));
        return (type, parsed) switch
        {
            ("email", SmtpSettings s) => new EmailChannel(time).SendAsync(s, recipient, message, ct),
            ("webhook", WebhookSettings s) => new WebhookChannel(http, time).SendAsync(s, recipient, message, ct),
            ("slack", SlackSettings s) => new SlackChannel(http, time).SendAsync(s, recipient, message, ct),
            ("teams", TeamsSettings s) => new TeamsChannel(http, time).SendAsync(s, recipient, message, ct),
            ("dingtalk", DingTalkSettings s) => new DingTalkChannel(http, time).SendAsync(s, recipient, message, ct),
            ("wecom", WeComSettings s) => new WeComChannel(http, time).SendAsync(s, recipient, message, ct),
            ("feishu", FeishuSettings s) => new FeishuChannel(http, time).SendAsync(s, recipient, message, ct),
            ("aliyun-sms", AliyunSmsSettings s) => new AliyunSmsChannel(http, time).SendAsync(s, recipient, message, ct),
            ("aliyun-voice", AliyunVoiceSettings s) => new AliyunVoiceChannel(http, time).SendAsync(s, recipient, message, ct),
            ("tencent-sms", TencentSmsSettings s) => new TencentSmsChannel(http, time).SendAsync(s, recipient, message, ct),
            ("tencent-voice", TencentVoiceSettings s) => new TencentVoiceChannel(http, time).SendAsync(s, recipient, message, ct),
            ("twilio-sms", TwilioSettings s) => new TwilioSmsChannel(http, time).SendAsync(s, recipient, message, ct),
            ("twilio-voice", TwilioSettings s) => new TwilioVoiceChannel(http, time).SendAsync(s, recipient, message, ct),
            ("http-sms", HttpSmsSettings s) => new HttpSmsChannel(http, time).SendAsync(s, recipient, message, ct),
            _ => Task.FromResult(DeliveryResult.Failed($"unknown channel type '{type}'")),
        };
    }
}

public static class NotificationChannelsRegistration
{
    /// <summary>Registers <see cref="NotificationChannels"/> over a named HttpClient with a 10 s timeout.</summary>
    public static IServiceCollection AddNotificationChannels(this IServiceCollection services)
    {
        services.AddHttpClient(NotificationChannels.HttpClientName, client => client.Timeout = VendorHttp.DefaultTimeout);
        services.AddTransient(sp => new NotificationChannels(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(NotificationChannels.HttpClientName),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
