using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>Tencent Cloud API 3.0 with signature v3 (TC3-HMAC-SHA256), as Tencent documents it.</summary>
internal static class TencentCloud
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>
    /// The Authorization header for a POST of <paramref name="payload"/> to <paramref name="host"/>: a canonical request
    /// over content-type and host, a string to sign with the credential scope date/service/tc3_request, and a signing key
    /// derived from the secret by HMAC over the date, the service and "tc3_request" in turn.
    /// </summary>
    public static string Authorization(string secretId, string secretKey, string service, string host, long timestamp, string payload)
    {
        var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        const string signedHeaders = "content-type;host";
        var canonicalRequest = "POST\n/\n\n" + $"content-type:{ContentType}\nhost:{host.ToLowerInvariant()}\n" + "\n" + signedHeaders + "\n" + Sha256Hex(payload);
        var scope = $"{date}/{service}/tc3_request";
        var stringToSign = $"TC3-HMAC-SHA256\n{timestamp.ToString(CultureInfo.InvariantCulture)}\n{scope}\n{Sha256Hex(canonicalRequest)}";
        var secretDate = Hmac(Encoding.UTF8.GetBytes("TC3" + secretKey), date);
        var secretService = Hmac(secretDate, service);
        var secretSigning = Hmac(secretService, "tc3_request");
        var signature = Convert.ToHexStringLower(Hmac(secretSigning, stringToSign));
        return $"TC3-HMAC-SHA256 Credential={secretId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Sha256Hex(string data) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data)));

    public static async Task<(DeliveryResult? Failure, JsonElement Response)> CallAsync(HttpClient http, TimeProvider time, string baseUrl,
        string service, string action, string version, string region, string secretId, string secretKey, object body, string vendor, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(body, VendorHttp.Json);
        var uri = new Uri(Require.Base(baseUrl) + "/");
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(payload, Encoding.UTF8) };
        // Set exactly the content type that was signed; StringContent's own would differ in spelling.
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Headers.TryAddWithoutValidation("Authorization", Authorization(secretId, secretKey, service, uri.Authority, timestamp, payload));
        request.Headers.Add("X-TC-Action", action);
        request.Headers.Add("X-TC-Version", version);
        request.Headers.Add("X-TC-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-TC-Region", region);

        var reply = await VendorHttp.SendAsync(http, time, request, vendor, ct);
        if (reply.CommonFailure(vendor) is { } failure)
            return (failure, default);
        if (reply.Json() is not { ValueKind: JsonValueKind.Object } json || !json.TryGetProperty("Response", out var response))
            return (DeliveryResult.Retry($"{vendor}: HTTP {(int)reply.Status} {reply.Snippet}"), default);
        if (response.TryGetProperty("Error", out var error))
        {
            var code = error.TryGetProperty("Code", out var c) ? c.GetString() ?? "" : "";
            var said = error.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : "";
            return (Classify(code, $"{vendor}: {code} {said}".Trim()), response);
        }
        return (null, response);
    }

    /// <summary>Tencent's error codes: LimitExceeded.* and RequestLimitExceeded are rate limits, InternalError.* and
    /// ResourceUnavailable/ServiceUnavailable are transient, the rest (AuthFailure.*, InvalidParameter*, FailedOperation.*...) are permanent.</summary>
    public static DeliveryResult Classify(string code, string detail)
    {
        if (code.StartsWith("LimitExceeded", StringComparison.Ordinal) || code.StartsWith("RequestLimitExceeded", StringComparison.Ordinal))
            return DeliveryResult.RateLimited(detail);
        if (code.StartsWith("InternalError", StringComparison.Ordinal) || code is "ServiceUnavailable" || code.StartsWith("ResourceUnavailable", StringComparison.Ordinal))
            return DeliveryResult.Retry(detail);
        return DeliveryResult.Failed(detail);
    }
}

/// <summary>Tencent Cloud SMS (sms SendSms, 2021-01-11).</summary>
public sealed record TencentSmsSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string SecretId { get; init; } = "";
    public string SecretKey { get; init; } = "";
    public string SmsSdkAppId { get; init; } = "";

    /// <summary>The approved signature content, e.g. "腾讯云".</summary>
    public string SignName { get; init; } = "";

    public IReadOnlyDictionary<string, ApprovedTemplate> Templates { get; init; } = new Dictionary<string, ApprovedTemplate>();

    /// <summary>Tencent limits each variable to 12 characters for individually verified accounts
    /// (InvalidParameterValue.TemplateParameterLengthLimit); enterprise accounts have no limit: set 0.</summary>
    public int MaxParamLength { get; init; } = 12;

    public string Region { get; init; } = "ap-guangzhou";
    public string BaseUrl { get; init; } = "https://sms.tencentcloudapi.com";

    public IEnumerable<string> Problems() =>
        Require.Text((SecretId, "secretId"), (SecretKey, "secretKey"), (SmsSdkAppId, "smsSdkAppId"), (SignName, "signName"))
            .Concat(ApprovedTemplates.Problems(Templates)).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"));
}

public sealed class TencentSmsChannel(HttpClient http, TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(TencentSmsSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return DeliveryResult.Failed("tencent-sms: the recipient has no phone number");
        if (ApprovedTemplates.Fill(settings.Templates, message, settings.MaxParamLength, out var problem) is not { } template)
            return DeliveryResult.Failed("tencent-sms: " + problem);

        var body = new
        {
            PhoneNumberSet = new[] { Phones.E164(recipient.Phone) },
            settings.SmsSdkAppId,
            settings.SignName,
            TemplateId = template.Code,
            TemplateParamSet = template.Values.Select(v => v.Value).ToArray(),
            // Returned unchanged in receipts (at most 512 bytes): ties a receipt to its delivery.
            SessionContext = ChannelText.TruncateUtf8(message.IdempotencyKey, 512),
        };
        var (failure, response) = await TencentCloud.CallAsync(http, time, settings.BaseUrl, "sms", "SendSms", "2021-01-11", settings.Region,
            settings.SecretId, settings.SecretKey, body, "tencent-sms", ct);
        if (failure is not null)
            return failure;
        // The request can succeed while the one number fails: its own Code says "Ok" or why not.
        if (!response.TryGetProperty("SendStatusSet", out var set) || set.ValueKind != JsonValueKind.Array || set.GetArrayLength() == 0)
            return DeliveryResult.Retry("tencent-sms: answer without SendStatusSet");
        var status = set[0];
        var code = status.TryGetProperty("Code", out var c) ? c.GetString() ?? "" : "";
        var serial = status.TryGetProperty("SerialNo", out var s) ? s.GetString() : null;
        if (code == "Ok")
            return DeliveryResult.Sent(serial);
        var said = status.TryGetProperty("Message", out var m) ? m.GetString() : "";
        return TencentCloud.Classify(code, $"tencent-sms: {code} {said}".Trim());
    }
}

/// <summary>Tencent Cloud voice messages (vms SendTtsVoice, 2020-09-02).</summary>
public sealed record TencentVoiceSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string SecretId { get; init; } = "";
    public string SecretKey { get; init; } = "";
    public string VoiceSdkAppid { get; init; } = "";

    public IReadOnlyDictionary<string, ApprovedTemplate> Templates { get; init; } = new Dictionary<string, ApprovedTemplate>();

    /// <summary>How often the call reads the message (Tencent allows 1 to 3).</summary>
    public int PlayTimes { get; init; } = 2;

    /// <summary>Same per-variable limit as Tencent SMS; 0 for none.</summary>
    public int MaxParamLength { get; init; } = 12;

    public string Region { get; init; } = "ap-guangzhou";
    public string BaseUrl { get; init; } = "https://vms.tencentcloudapi.com";

    public IEnumerable<string> Problems() =>
        Require.Text((SecretId, "secretId"), (SecretKey, "secretKey"), (VoiceSdkAppid, "voiceSdkAppid"))
            .Concat(ApprovedTemplates.Problems(Templates)).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"))
            .Concat(PlayTimes is < 1 or > 3 ? ["'playTimes' must be 1, 2 or 3"] : []);
}

public sealed class TencentVoiceChannel(HttpClient http, TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(TencentVoiceSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return DeliveryResult.Failed("tencent-voice: the recipient has no phone number");
        if (ApprovedTemplates.Fill(settings.Templates, message, settings.MaxParamLength, out var problem) is not { } template)
            return DeliveryResult.Failed("tencent-voice: " + problem);

        var body = new
        {
            TemplateId = template.Code,
            TemplateParamSet = template.Values.Select(v => v.Value).ToArray(),
            CalledNumber = Phones.E164(recipient.Phone),
            settings.VoiceSdkAppid,
            settings.PlayTimes,
            SessionContext = ChannelText.TruncateUtf8(message.IdempotencyKey, 512),
        };
        var (failure, response) = await TencentCloud.CallAsync(http, time, settings.BaseUrl, "vms", "SendTtsVoice", "2020-09-02", settings.Region,
            settings.SecretId, settings.SecretKey, body, "tencent-voice", ct);
        if (failure is not null)
            return failure;
        var callId = response.TryGetProperty("SendStatus", out var status) && status.TryGetProperty("CallId", out var id) ? id.GetString() : null;
        return DeliveryResult.Sent(callId);
    }
}
