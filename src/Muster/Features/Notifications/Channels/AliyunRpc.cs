using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>Aliyun's RPC-style API with signature version 1.0 (HMAC-SHA1), as Dysmsapi and Dyvmsapi document it.</summary>
internal static class AliyunRpc
{
    /// <summary>The query for a GET, every parameter signed; Signature is added last and is not itself signed.</summary>
    public static string SignedQuery(IDictionary<string, string> parameters, string accessKeySecret)
    {
        var signature = Sign("GET", parameters, accessKeySecret);
        return "Signature=" + PercentEncode(signature) + "&" + CanonicalQuery(parameters);
    }

    /// <summary>base64(HMAC-SHA1(key = secret + "&amp;", data = METHOD + "&amp;%2F&amp;" + percent-encoded canonical query)).</summary>
    public static string Sign(string method, IDictionary<string, string> parameters, string accessKeySecret)
    {
        var stringToSign = method + "&" + PercentEncode("/") + "&" + PercentEncode(CanonicalQuery(parameters));
#pragma warning disable CA5350 // Aliyun's signature version 1.0 is defined with HMAC-SHA1; the vendor chooses, not us.
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(accessKeySecret + "&"), Encoding.UTF8.GetBytes(stringToSign));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    /// <summary>Parameters sorted by name (ordinal, i.e. by byte), each name and value percent-encoded, joined by &amp;.</summary>
    public static string CanonicalQuery(IDictionary<string, string> parameters) =>
        string.Join("&", parameters.Where(p => p.Key != "Signature").OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => PercentEncode(p.Key) + "=" + PercentEncode(p.Value)));

    /// <summary>RFC 3986 over UTF-8: A-Z a-z 0-9 - _ . ~ stay, everything else is %XY in upper case (space is %20, not +).</summary>
    public static string PercentEncode(string value)
    {
        var result = new StringBuilder(value.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
                result.Append(c);
            else
                result.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }

    public static Dictionary<string, string> CommonParameters(string action, string version, string accessKeyId, string regionId, TimeProvider time) => new()
    {
        ["AccessKeyId"] = accessKeyId,
        ["Action"] = action,
        ["Format"] = "JSON",
        ["RegionId"] = regionId,
        ["SignatureMethod"] = "HMAC-SHA1",
        // A fresh nonce every request: Aliyun rejects a nonce it saw within 15 minutes as a replay.
        ["SignatureNonce"] = Guid.NewGuid().ToString(),
        ["SignatureVersion"] = "1.0",
        ["Timestamp"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["Version"] = version,
    };

    public static string TemplateJson(FilledTemplate template) =>
        JsonSerializer.Serialize(template.Values.ToDictionary(v => v.Key, v => v.Value), VendorHttp.Json);

    public static async Task<DeliveryResult> CallAsync(HttpClient http, TimeProvider time, string baseUrl, Dictionary<string, string> parameters,
        string accessKeySecret, string vendor, string idField, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Require.Base(baseUrl)}/?{SignedQuery(parameters, accessKeySecret)}");
        var reply = await VendorHttp.SendAsync(http, time, request, vendor, ct);
        if (reply.TransportFailure is { } transport)
            return transport;
        var json = reply.Json();
        var code = json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("Code", out var c) ? c.GetString() ?? "" : "";
        var said = json is { ValueKind: JsonValueKind.Object } k && k.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : reply.Snippet;
        if (code == "OK")
        {
            var id = json!.Value.TryGetProperty(idField, out var idValue) ? idValue.GetString() : null;
            return DeliveryResult.Sent(id);
        }
        var detail = $"{vendor}: {code} {said}".Trim();
        if (code is "isv.BUSINESS_LIMIT_CONTROL" or "isv.DAY_LIMIT_CONTROL" || code.StartsWith("Throttling", StringComparison.Ordinal)
            || reply.Status == System.Net.HttpStatusCode.TooManyRequests)
            return DeliveryResult.RateLimited(detail, reply.RetryAfter);
        if (code.StartsWith("isp.", StringComparison.Ordinal) || code is "InternalError" or "ServiceUnavailable" || (int)reply.Status >= 500 || code.Length == 0 && reply.IsSuccess)
            return DeliveryResult.Retry(detail.Length > vendor.Length + 1 ? detail : $"{vendor}: HTTP {(int)reply.Status} {reply.Snippet}");
        // isv.* (bad number, template, sign name), InvalidAccessKeyId.NotFound, SignatureDoesNotMatch...: configuration.
        return DeliveryResult.Failed(detail);
    }
}

/// <summary>Aliyun SMS (Dysmsapi SendSms).</summary>
public sealed record AliyunSmsSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string AccessKeyId { get; init; } = "";
    public string AccessKeySecret { get; init; } = "";

    /// <summary>The approved signature (签名) shown as 【SignName】.</summary>
    public string SignName { get; init; } = "";

    public IReadOnlyDictionary<string, ApprovedTemplate> Templates { get; init; } = new Dictionary<string, ApprovedTemplate>();

    /// <summary>Aliyun limits each variable of a notification template to 35 characters (templates approved since 2018-01-10).</summary>
    public int MaxParamLength { get; init; } = 35;

    public string RegionId { get; init; } = "cn-hangzhou";
    public string BaseUrl { get; init; } = "https://dysmsapi.aliyuncs.com";

    public IEnumerable<string> Problems() =>
        Require.Text((AccessKeyId, "accessKeyId"), (AccessKeySecret, "accessKeySecret"), (SignName, "signName"))
            .Concat(ApprovedTemplates.Problems(Templates)).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"));
}

public sealed class AliyunSmsChannel(HttpClient http, TimeProvider time)
{
    public Task<DeliveryResult> SendAsync(AliyunSmsSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return Task.FromResult(DeliveryResult.Failed("aliyun-sms: the recipient has no phone number"));
        if (ApprovedTemplates.Fill(settings.Templates, message, settings.MaxParamLength, out var problem) is not { } template)
            return Task.FromResult(DeliveryResult.Failed("aliyun-sms: " + problem));

        var parameters = AliyunRpc.CommonParameters("SendSms", "2017-05-25", settings.AccessKeyId, settings.RegionId, time);
        parameters["PhoneNumbers"] = Phones.Aliyun(recipient.Phone);
        parameters["SignName"] = settings.SignName;
        parameters["TemplateCode"] = template.Code;
        parameters["TemplateParam"] = AliyunRpc.TemplateJson(template);
        // OutId comes back in Aliyun's delivery receipts, tying a receipt to the delivery that caused it.
        parameters["OutId"] = ChannelText.Truncate(message.IdempotencyKey, 64);
        return AliyunRpc.CallAsync(http, time, settings.BaseUrl, parameters, settings.AccessKeySecret, "aliyun-sms", "BizId", ct);
    }
}

/// <summary>Aliyun voice notification (Dyvmsapi SingleCallByTts).</summary>
public sealed record AliyunVoiceSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public string AccessKeyId { get; init; } = "";
    public string AccessKeySecret { get; init; } = "";

    /// <summary>The number shown to the callee; leave empty to use Aliyun's public pool.</summary>
    public string? CalledShowNumber { get; init; }

    public IReadOnlyDictionary<string, ApprovedTemplate> Templates { get; init; } = new Dictionary<string, ApprovedTemplate>();

    /// <summary>How often the call reads the message (Aliyun allows 1 to 3).</summary>
    public int PlayTimes { get; init; } = 2;

    /// <summary>Aliyun's TTS template variables follow the same per-variable limit as SMS notifications.</summary>
    public int MaxParamLength { get; init; } = 35;

    public string RegionId { get; init; } = "cn-hangzhou";
    public string BaseUrl { get; init; } = "https://dyvmsapi.aliyuncs.com";

    public IEnumerable<string> Problems() =>
        Require.Text((AccessKeyId, "accessKeyId"), (AccessKeySecret, "accessKeySecret"))
            .Concat(ApprovedTemplates.Problems(Templates)).Concat(Require.AbsoluteUrl(BaseUrl, "baseUrl"))
            .Concat(PlayTimes is < 1 or > 3 ? ["'playTimes' must be 1, 2 or 3"] : []);
}

public sealed class AliyunVoiceChannel(HttpClient http, TimeProvider time)
{
    public Task<DeliveryResult> SendAsync(AliyunVoiceSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return Task.FromResult(DeliveryResult.Failed("aliyun-voice: the recipient has no phone number"));
        if (ApprovedTemplates.Fill(settings.Templates, message, settings.MaxParamLength, out var problem) is not { } template)
            return Task.FromResult(DeliveryResult.Failed("aliyun-voice: " + problem));

        var parameters = AliyunRpc.CommonParameters("SingleCallByTts", "2017-05-25", settings.AccessKeyId, settings.RegionId, time);
        parameters["CalledNumber"] = Phones.Aliyun(recipient.Phone);
        if (!string.IsNullOrWhiteSpace(settings.CalledShowNumber))
            parameters["CalledShowNumber"] = settings.CalledShowNumber;
        parameters["TtsCode"] = template.Code;
        parameters["TtsParam"] = AliyunRpc.TemplateJson(template);
        parameters["PlayTimes"] = settings.PlayTimes.ToString(CultureInfo.InvariantCulture);
        // OutId comes back in Aliyun's call receipts, tying a receipt to the delivery that caused it.
        parameters["OutId"] = ChannelText.Truncate(message.IdempotencyKey, 64);
        return AliyunRpc.CallAsync(http, time, settings.BaseUrl, parameters, settings.AccessKeySecret, "aliyun-voice", "CallId", ct);
    }
}
