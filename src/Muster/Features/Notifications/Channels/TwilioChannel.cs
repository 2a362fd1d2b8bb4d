using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>A Twilio account: its SID, its auth token and the sending number (or a messaging service for SMS).</summary>
public sealed record TwilioSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string AccountSid { get; init; } = "";
    public string AuthToken { get; init; } = "";

    /// <summary>The Twilio number in E.164; SMS may use <see cref="MessagingServiceSid"/> instead.</summary>
    public string? From { get; init; }

    public string? MessagingServiceSid { get; init; }

    /// <summary>Voice calls: the &lt;Say&gt; voice, e.g. "Polly.Zhiyu"; empty leaves Twilio's default for the language.</summary>
    public string? Voice { get; init; }

    /// <summary>Voice calls: how often the message is read.</summary>
    public int Loop { get; init; } = 3;

    public string BaseUrl { get; init; } = "https://api.twilio.com";

    public IEnumerable<string> Problems() =>
        Require.Text((AccountSid, "accountSid"), (AuthToken, "authToken")).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"))
            .Concat(string.IsNullOrWhiteSpace(From) && string.IsNullOrWhiteSpace(MessagingServiceSid) ? ["'from' (or 'messagingServiceSid' for SMS) is required"] : []);
}

/// <summary>Twilio's REST API: a form POST with basic auth; 201 with the new resource's sid, or {code, message}.
/// Twilio takes no idempotency key, so a retry after a lost answer may send twice.</summary>
internal static class TwilioApi
{
    public static async Task<DeliveryResult> PostAsync(HttpClient http, TimeProvider time, TwilioSettings settings, string resource,
        IEnumerable<KeyValuePair<string, string>> form, string vendor, CancellationToken ct)
    {
        var url = $"{Require.Base(settings.BaseUrl)}/2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid)}/{resource}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));
        var reply = await VendorHttp.SendAsync(http, time, request, vendor, ct);
        if (reply.TransportFailure is { } transport)
            return transport;
        var json = reply.Json();
        if (reply.IsSuccess)
            return DeliveryResult.Sent(json is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("sid", out var sid) ? sid.GetString() : null);
        var code = json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0;
        var said = json is { ValueKind: JsonValueKind.Object } k && k.TryGetProperty("message", out var m) ? m.GetString() : reply.Snippet;
        var detail = $"{vendor}: HTTP {(int)reply.Status} {(code != 0 ? code + " " : "")}{said}";
        if ((int)reply.Status == 429 || code == 20429)
            return DeliveryResult.RateLimited(detail, reply.RetryAfter);
        if ((int)reply.Status >= 500 || (int)reply.Status == 408)
            return DeliveryResult.Retry(detail);
        // 401/20003 bad credentials, 400/21211 bad number, 21606 number not ours...: retrying will not help.
        return DeliveryResult.Failed(detail);
    }

    public static string SayLanguage(OutgoingMessage message) => ChannelText.IsChinese(message) ? "zh-CN" : "en-US";
}

public sealed class TwilioSmsChannel(HttpClient http, TimeProvider time)
{
    public Task<DeliveryResult> SendAsync(TwilioSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return Task.FromResult(DeliveryResult.Failed("twilio-sms: the recipient has no phone number"));
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", Phones.E164(recipient.Phone)),
            new(string.IsNullOrWhiteSpace(settings.MessagingServiceSid) ? "From" : "MessagingServiceSid", settings.MessagingServiceSid ?? settings.From!),
            new("Body", SmsBody(message)),
        };
        return TwilioApi.PostAsync(http, time, settings, "Messages.json", form, "twilio-sms", ct);
    }

    /// <summary>The short text and the acknowledge link: enough to act on from the lock screen.</summary>
    private static string SmsBody(OutgoingMessage message) =>
        string.IsNullOrEmpty(message.AckUrl) ? message.ShortText : $"{message.ShortText}\n{ChannelText.Acknowledge(message)}: {message.AckUrl}";
}

public sealed class TwilioVoiceChannel(HttpClient http, TimeProvider time)
{
    public Task<DeliveryResult> SendAsync(TwilioSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return Task.FromResult(DeliveryResult.Failed("twilio-voice: the recipient has no phone number"));
        if (string.IsNullOrWhiteSpace(settings.From))
            return Task.FromResult(DeliveryResult.Failed("twilio-voice: 'from' is required for calls"));
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", Phones.E164(recipient.Phone)),
            new("From", settings.From),
            new("Twiml", Twiml(settings, message)),
        };
        return TwilioApi.PostAsync(http, time, settings, "Calls.json", form, "twilio-voice", ct);
    }

    /// <summary>&lt;Response&gt;&lt;Say&gt; reading the short text <see cref="TwilioSettings.Loop"/> times, escaped as XML.</summary>
    public static string Twiml(TwilioSettings settings, OutgoingMessage message)
    {
        var voice = string.IsNullOrWhiteSpace(settings.Voice) ? "" : $" voice=\"{SecurityElement.Escape(settings.Voice)}\"";
        return $"<Response><Say language=\"{TwilioApi.SayLanguage(message)}\"{voice} loop=\"{Math.Clamp(settings.Loop, 1, 10)}\">"
            + $"{SecurityElement.Escape(message.ShortText)}</Say></Response>";
    }
}
