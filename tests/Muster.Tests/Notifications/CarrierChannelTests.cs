using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Muster.Features.Notifications.Channels;

namespace Muster.Tests.Notifications;

/// <summary>
/// Aliyun, Tencent, Twilio and the generic HTTP SMS gateway against stand-ins. The stand-ins verify signatures with code
/// written here from each vendor's documented algorithm, not with Muster's signing code, and that code is itself checked
/// against the worked examples in Aliyun's and Tencent's documentation.
/// </summary>
public sealed class CarrierChannelTests(StandIn vendor) : IClassFixture<StandIn>
{
    private readonly HttpClient http = Messages.Http();
    private static readonly Recipient Phone = new(Phone: "13800000001");

    private static readonly Dictionary<string, ApprovedTemplate> Templates = new()
    {
        ["page"] = new ApprovedTemplate { Code = "SMS_123", Params = ["level", "service", "place", "deadline"] },
    };

    // ---- Aliyun: signature version 1.0, from the documentation ----

    /// <summary>Aliyun's documented steps: sort by name, percent-encode names and values (RFC 3986, UTF-8), join with
    /// '&amp;', sign "GET&amp;%2F&amp;" + percentEncode(that) with HMAC-SHA1 keyed by secret + "&amp;", base64.</summary>
    private static string AliyunDocumentedSignature(IReadOnlyDictionary<string, string> parameters, string secret)
    {
        static string Encode(string s) => Uri.EscapeDataString(s);
        var canonical = string.Join("&", parameters.Where(p => p.Key != "Signature").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Encode(p.Key) + "=" + Encode(p.Value)));
        var stringToSign = "GET&" + Encode("/") + "&" + Encode(canonical);
#pragma warning disable CA5350 // Aliyun's documented algorithm.
        using var mac = new HMACSHA1(Encoding.UTF8.GetBytes(secret + "&"));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
    }

    private static readonly Dictionary<string, string> AliyunDocumentExample = new()
    {
        ["AccessKeyId"] = "testId",
        ["Action"] = "SendSms",
        ["Format"] = "XML",
        ["OutId"] = "123",
        ["PhoneNumbers"] = "15300000001",
        ["RegionId"] = "cn-hangzhou",
        ["SignName"] = "阿里云短信测试专用",
        ["SignatureMethod"] = "HMAC-SHA1",
        ["SignatureNonce"] = "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        ["SignatureVersion"] = "1.0",
        ["TemplateCode"] = "SMS_71390007",
        ["TemplateParam"] = "{\"customer\":\"test\"}",
        ["Timestamp"] = "2017-07-12T02:42:19Z",
        ["Version"] = "2017-05-25",
    };

    [Fact]
    public void Aliyun_signature_matches_the_worked_example_in_the_sms_documentation()
    {
        // Aliyun's SMS signature page: AccessKeySecret "testSecret" gives zJDF+Lrzhj/ThnlvIToysFRq6t4=.
        Assert.Equal("zJDF+Lrzhj/ThnlvIToysFRq6t4=", AliyunDocumentedSignature(AliyunDocumentExample, "testSecret"));
        Assert.Equal("zJDF+Lrzhj/ThnlvIToysFRq6t4=", AliyunRpc.Sign("GET", AliyunDocumentExample, "testSecret"));
    }

    private Func<Seen, Answer> Aliyun(string action, string secret = "aliyun-secret") => seen =>
    {
        if (seen.Method != "GET" || seen.Path != "/")
            return Answer.Json("{\"Code\":\"InvalidAction\",\"Message\":\"Specified api is not found\"}", 404);
        if (seen.Query.GetValueOrDefault("AccessKeyId") != "LTAI-test")
            return Answer.Json("{\"Code\":\"InvalidAccessKeyId.NotFound\",\"Message\":\"Specified access key is not found.\"}", 404);
        if (seen.Query.GetValueOrDefault("Signature") != AliyunDocumentedSignature(seen.Query, secret))
            return Answer.Json("{\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"Specified signature is not matched with our calculation.\"}", 400);
        foreach (var required in new[] { "Format", "RegionId", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version" })
        {
            if (!seen.Query.ContainsKey(required))
                return Answer.Json($"{{\"Code\":\"MissingParameter\",\"Message\":\"{required}\"}}", 400);
        }
        return seen.Query["Action"] == action
            ? Answer.Json(action == "SendSms"
                ? "{\"Message\":\"OK\",\"RequestId\":\"F655A8D5-B967-440B-8683-DAD6FF8DE990\",\"Code\":\"OK\",\"BizId\":\"900619746936498440^0\"}"
                : "{\"Message\":\"OK\",\"RequestId\":\"D9CB3933-9FE3-4870-BA8E-2BEE91B69D23\",\"CallId\":\"116012354148^10281378****\",\"Code\":\"OK\"}")
            : Answer.Json("{\"Code\":\"InvalidAction\",\"Message\":\"Specified api is not found\"}", 404);
    };

    private AliyunSmsSettings AliyunSms(string secret = "aliyun-secret") => new()
    {
        AccessKeyId = "LTAI-test",
        AccessKeySecret = secret,
        SignName = "值班平台",
        Templates = Templates,
        BaseUrl = vendor.Url,
    };

    [Fact]
    public async Task Aliyun_sms_sends_the_template_signed_as_documented()
    {
        vendor.Vendor = Aliyun("SendSms");
        var result = await new AliyunSmsChannel(http, Messages.Time()).SendAsync(AliyunSms(), new Recipient(Phone: "+8613800000001"), Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("900619746936498440^0", result.ProviderId);
        var query = vendor.Last.Query;
        Assert.Equal(("13800000001", "值班平台", "SMS_123", "2017-05-25", "2026-03-10T02:00:00Z"),
            (query["PhoneNumbers"], query["SignName"], query["TemplateCode"], query["Version"], query["Timestamp"]));
        var parameters = JsonDocument.Parse(query["TemplateParam"]).RootElement;
        Assert.Equal("P1", parameters.GetProperty("level").GetString());
        Assert.Equal("上海浦东数据中心A区三号楼二层机房", parameters.GetProperty("place").GetString()); // 17 characters: under Aliyun's 35
    }

    [Fact]
    public async Task Aliyun_sms_cuts_a_variable_to_the_limit()
    {
        vendor.Vendor = Aliyun("SendSms");
        var result = await new AliyunSmsChannel(http, Messages.Time()).SendAsync(AliyunSms() with { MaxParamLength = 5 }, Phone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("上海浦东数", JsonDocument.Parse(vendor.Last.Query["TemplateParam"]).RootElement.GetProperty("place").GetString());
    }

    [Fact]
    public async Task Aliyun_sms_with_a_wrong_secret_is_failed_with_the_vendor_message()
    {
        vendor.Vendor = Aliyun("SendSms");
        var result = await new AliyunSmsChannel(http, Messages.Time()).SendAsync(AliyunSms("wrong"), Phone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("SignatureDoesNotMatch", result.Detail);
    }

    [Theory]
    [InlineData("{\"Code\":\"isv.BUSINESS_LIMIT_CONTROL\",\"Message\":\"触发分钟级流控Permits:1\"}", 200, DeliveryStatus.RateLimited)]
    [InlineData("{\"Code\":\"isv.MOBILE_NUMBER_ILLEGAL\",\"Message\":\"非法手机号\"}", 200, DeliveryStatus.Failed)]
    [InlineData("{\"Code\":\"isv.SMS_TEMPLATE_ILLEGAL\",\"Message\":\"该账号下找不到对应模板\"}", 200, DeliveryStatus.Failed)]
    [InlineData("{\"Code\":\"isp.SYSTEM_ERROR\",\"Message\":\"isp.SYSTEM_ERROR\"}", 200, DeliveryStatus.Retry)]
    [InlineData("{\"Code\":\"ServiceUnavailable\",\"Message\":\"The request has failed due to a temporary failure of the server.\"}", 503, DeliveryStatus.Retry)]
    public async Task Aliyun_sms_codes_map_to_a_status(string answer, int status, DeliveryStatus expected)
    {
        vendor.Vendor = _ => Answer.Json(answer, status);
        var result = await new AliyunSmsChannel(http, Messages.Time()).SendAsync(AliyunSms(), Phone, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
        Assert.Contains(JsonDocument.Parse(answer).RootElement.GetProperty("Code").GetString()!, result.Detail);
    }

    [Fact]
    public async Task Aliyun_sms_without_a_template_for_the_kind_fails_clearly_without_calling()
    {
        var before = vendor.Requests.Count;
        var result = await new AliyunSmsChannel(http, Messages.Time()).SendAsync(AliyunSms(), Phone, Messages.Page(kind: "reminder"), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("no approved template for message kind 'reminder'", result.Detail);
        Assert.Equal(before, vendor.Requests.Count);
    }

    [Fact]
    public async Task Aliyun_voice_calls_with_the_tts_template_signed_as_documented()
    {
        vendor.Vendor = Aliyun("SingleCallByTts");
        var settings = new AliyunVoiceSettings
        {
            AccessKeyId = "LTAI-test",
            AccessKeySecret = "aliyun-secret",
            CalledShowNumber = "057100000000",
            Templates = new Dictionary<string, ApprovedTemplate> { ["page"] = new() { Code = "TTS_10001", Params = ["level", "service"] } },
            BaseUrl = vendor.Url,
        };
        var result = await new AliyunVoiceChannel(http, Messages.Time()).SendAsync(settings, Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var query = vendor.Last.Query;
        Assert.Equal(("SingleCallByTts", "13800000001", "057100000000", "TTS_10001", "2"),
            (query["Action"], query["CalledNumber"], query["CalledShowNumber"], query["TtsCode"], query["PlayTimes"]));
        Assert.Equal("{\"level\":\"P1\",\"service\":\"支付网关\"}", query["TtsParam"]);
    }

    // ---- Tencent: TC3-HMAC-SHA256, from the documentation ----

    /// <summary>Tencent's documented steps, written out here: canonical request, string to sign, derived keys, hex signature.</summary>
    private static string TencentDocumentedSignature(string secretKey, string service, string host, string contentType, long timestamp, string payload)
    {
        static string Sha(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
        static byte[] Mac(byte[] key, string s) { using var h = new HMACSHA256(key); return h.ComputeHash(Encoding.UTF8.GetBytes(s)); }
        var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var canonical = string.Join("\n", "POST", "/", "", $"content-type:{contentType}\nhost:{host}\n", "content-type;host", Sha(payload));
        var toSign = string.Join("\n", "TC3-HMAC-SHA256", timestamp.ToString(CultureInfo.InvariantCulture), $"{date}/{service}/tc3_request", Sha(canonical));
        var key = Mac(Mac(Mac(Encoding.UTF8.GetBytes("TC3" + secretKey), date), service), "tc3_request");
        return Convert.ToHexStringLower(Mac(key, toSign));
    }

    [Fact]
    public void Tencent_signature_matches_the_worked_example_in_the_signature_v3_documentation()
    {
        const string payload = "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": \"instance-name\"}]}";
        const string expected = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";
        Assert.Equal(expected, TencentDocumentedSignature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", "cvm.tencentcloudapi.com", "application/json; charset=utf-8", 1551113065, payload));
        Assert.Equal(
            $"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature={expected}",
            TencentCloud.Authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", "cvm.tencentcloudapi.com", 1551113065, payload));
    }

    private Func<Seen, Answer> Tencent(string service, string action, string version, string okBody, string secretKey = "tc-key") => seen =>
    {
        static Answer Error(string code, string message) => Answer.Json($"{{\"Response\":{{\"Error\":{{\"Code\":\"{code}\",\"Message\":\"{message}\"}},\"RequestId\":\"r-1\"}}}}");
        var timestamp = long.Parse(seen.Header("X-TC-Timestamp"), CultureInfo.InvariantCulture);
        var expected = $"TC3-HMAC-SHA256 Credential=AKID-test/{DateTimeOffset.FromUnixTimeSeconds(timestamp):yyyy-MM-dd}/{service}/tc3_request, SignedHeaders=content-type;host, Signature="
            + TencentDocumentedSignature(secretKey, service, seen.Header("Host"), seen.Header("Content-Type"), timestamp, seen.Body);
        if (seen.Header("Authorization") != expected)
            return Error("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.");
        if ((seen.Header("X-TC-Action"), seen.Header("X-TC-Version"), seen.Header("X-TC-Region")) != (action, version, "ap-guangzhou"))
            return Error("InvalidAction", "action or version wrong");
        if (Math.Abs(timestamp - Messages.Now.ToUnixTimeSeconds()) > 300)
            return Error("AuthFailure.SignatureExpire", "expired");
        return Answer.Json(okBody);
    };

    private TencentSmsSettings TencentSms(string secretKey = "tc-key") => new()
    {
        SecretId = "AKID-test",
        SecretKey = secretKey,
        SmsSdkAppId = "1400006666",
        SignName = "腾讯云",
        Templates = Templates,
        BaseUrl = vendor.Url,
    };

    private static string TencentSmsAnswer(string code, string message) =>
        $"{{\"Response\":{{\"SendStatusSet\":[{{\"SerialNo\":\"5000:1045710669157053657849499619\",\"PhoneNumber\":\"+8613800000001\",\"Fee\":1,\"SessionContext\":\"\",\"Code\":\"{code}\",\"Message\":\"{message}\",\"IsoCode\":\"CN\"}}],\"RequestId\":\"a0aabda6-cf91-4f3e-a81f-9198114a2279\"}}}}";

    [Fact]
    public async Task Tencent_sms_sends_the_template_signed_as_documented_with_parameters_cut_to_12()
    {
        vendor.Vendor = Tencent("sms", "SendSms", "2021-01-11", TencentSmsAnswer("Ok", "send success"));
        var result = await new TencentSmsChannel(http, Messages.Time()).SendAsync(TencentSms(), Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("5000:1045710669157053657849499619", result.ProviderId);
        var body = JsonDocument.Parse(vendor.Last.Body).RootElement;
        Assert.Equal("+8613800000001", body.GetProperty("PhoneNumberSet")[0].GetString());
        Assert.Equal(("1400006666", "腾讯云", "SMS_123"), (body.GetProperty("SmsSdkAppId").GetString(), body.GetProperty("SignName").GetString(), body.GetProperty("TemplateId").GetString()));
        Assert.Equal(["P1", "支付网关", "上海浦东数据中心A区三号", "02:15"], body.GetProperty("TemplateParamSet").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("application/json; charset=utf-8", vendor.Last.Header("Content-Type"));
    }

    [Fact]
    public async Task Tencent_sms_with_a_wrong_secret_is_failed_with_the_vendor_message()
    {
        vendor.Vendor = Tencent("sms", "SendSms", "2021-01-11", TencentSmsAnswer("Ok", "send success"));
        var result = await new TencentSmsChannel(http, Messages.Time()).SendAsync(TencentSms("wrong"), Phone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("AuthFailure.SignatureFailure", result.Detail);
    }

    [Theory]
    [InlineData("LimitExceeded.PhoneNumberThirtySecondLimit", DeliveryStatus.RateLimited)]
    [InlineData("InvalidParameterValue.IncorrectPhoneNumber", DeliveryStatus.Failed)]
    [InlineData("FailedOperation.TemplateIncorrectOrUnapproved", DeliveryStatus.Failed)]
    public async Task Tencent_sms_per_number_codes_map_to_a_status(string code, DeliveryStatus expected)
    {
        vendor.Vendor = Tencent("sms", "SendSms", "2021-01-11", TencentSmsAnswer(code, "said"));
        var result = await new TencentSmsChannel(http, Messages.Time()).SendAsync(TencentSms(), Phone, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
        Assert.Contains(code, result.Detail);
    }

    [Theory]
    [InlineData("RequestLimitExceeded", DeliveryStatus.RateLimited)]
    [InlineData("InternalError.Timeout", DeliveryStatus.Retry)]
    [InlineData("AuthFailure.SecretIdNotFound", DeliveryStatus.Failed)]
    public async Task Tencent_request_errors_map_to_a_status(string code, DeliveryStatus expected)
    {
        vendor.Vendor = _ => Answer.Json($"{{\"Response\":{{\"Error\":{{\"Code\":\"{code}\",\"Message\":\"said\"}},\"RequestId\":\"r\"}}}}");
        var result = await new TencentSmsChannel(http, Messages.Time()).SendAsync(TencentSms(), Phone, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task Tencent_voice_calls_with_the_tts_template_signed_as_documented()
    {
        vendor.Vendor = Tencent("vms", "SendTtsVoice", "2020-09-02",
            "{\"Response\":{\"SendStatus\":{\"CallId\":\"8711d3c9-4a9c-4ee1-a5b1-d6bd7fdf8b1a\",\"SessionContext\":\"\"},\"RequestId\":\"r-2\"}}");
        var settings = new TencentVoiceSettings { SecretId = "AKID-test", SecretKey = "tc-key", VoiceSdkAppid = "1400000000", Templates = Templates, BaseUrl = vendor.Url };
        var result = await new TencentVoiceChannel(http, Messages.Time()).SendAsync(settings, Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("8711d3c9-4a9c-4ee1-a5b1-d6bd7fdf8b1a", result.ProviderId);
        var body = JsonDocument.Parse(vendor.Last.Body).RootElement;
        Assert.Equal(("+8613800000001", "1400000000", 2), (body.GetProperty("CalledNumber").GetString(), body.GetProperty("VoiceSdkAppid").GetString(), body.GetProperty("PlayTimes").GetInt32()));
    }

    // ---- Twilio ----

    private Func<Seen, Answer> Twilio(string resource, string sidPrefix) => seen =>
    {
        var expectedAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ACtest:tw-token"));
        if (seen.Header("Authorization") != expectedAuth)
            return Answer.Json("{\"code\":20003,\"message\":\"Authenticate\",\"more_info\":\"https://www.twilio.com/docs/errors/20003\",\"status\":401}", 401);
        if (seen.Method != "POST" || seen.Path != $"/2010-04-01/Accounts/ACtest/{resource}" || !seen.Header("Content-Type").StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal))
            return Answer.Json("{\"code\":20404,\"message\":\"The requested resource was not found\",\"status\":404}", 404);
        return Answer.Json($"{{\"sid\":\"{sidPrefix}0123456789abcdef0123456789abcdef\",\"status\":\"queued\"}}", 201);
    };

    private TwilioSettings TwilioAccount(string token = "tw-token") => new() { AccountSid = "ACtest", AuthToken = token, From = "+15005550006", BaseUrl = vendor.Url };

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    [Fact]
    public async Task Twilio_sms_posts_the_form_with_basic_auth()
    {
        vendor.Vendor = Twilio("Messages.json", "SM");
        var result = await new TwilioSmsChannel(http, Messages.Time()).SendAsync(TwilioAccount(), Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("SM0123456789abcdef0123456789abcdef", result.ProviderId);
        var form = Form(vendor.Last.Body);
        Assert.Equal(("+8613800000001", "+15005550006"), (form["To"], form["From"]));
        Assert.Equal("[P1] 支付网关 down，请立即处理\n确认: https://muster.example/ack/abc", form["Body"]);
    }

    [Fact]
    public async Task Twilio_voice_posts_twiml_that_says_the_short_text_in_the_language()
    {
        vendor.Vendor = Twilio("Calls.json", "CA");
        var result = await new TwilioVoiceChannel(http, Messages.Time()).SendAsync(TwilioAccount(), Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("<Response><Say language=\"zh-CN\" loop=\"3\">[P1] 支付网关 down，请立即处理</Say></Response>", Form(vendor.Last.Body)["Twiml"]);
    }

    [Fact]
    public async Task Twilio_with_a_wrong_token_is_failed_with_the_vendor_message()
    {
        vendor.Vendor = Twilio("Messages.json", "SM");
        var result = await new TwilioSmsChannel(http, Messages.Time()).SendAsync(TwilioAccount("wrong"), Phone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("20003 Authenticate", result.Detail);
    }

    [Theory]
    [InlineData(429, 20429, DeliveryStatus.RateLimited)]
    [InlineData(400, 21211, DeliveryStatus.Failed)]
    [InlineData(503, 20500, DeliveryStatus.Retry)]
    public async Task Twilio_errors_map_to_a_status(int status, int code, DeliveryStatus expected)
    {
        vendor.Vendor = _ => new Answer(status, $"{{\"code\":{code},\"message\":\"said\",\"status\":{status}}}", Headers: status == 429 ? new Dictionary<string, string> { ["Retry-After"] = "5" } : null);
        var result = await new TwilioSmsChannel(http, Messages.Time()).SendAsync(TwilioAccount(), Phone, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
        Assert.Contains(code.ToString(CultureInfo.InvariantCulture), result.Detail);
        if (status == 429)
            Assert.Equal(TimeSpan.FromSeconds(5), result.RetryAfter);
    }

    // ---- Generic HTTP SMS gateway ----

    [Fact]
    public async Task Http_sms_fills_the_json_template_escaping_values()
    {
        vendor.Vendor = _ => Answer.Json("{\"result\":\"queued\"}");
        var settings = new HttpSmsSettings
        {
            Url = vendor.Url + "/send",
            Headers = new Dictionary<string, string> { ["X-Api-Key"] = "gw-key" },
            Body = "{\"to\":\"{{phone}}\",\"msg\":\"{{text}}\",\"tpl\":\"{{template}}\",\"svc\":\"{{param.service}}\",\"full\":\"{{body}}\"}",
            Templates = Templates,
        };
        var result = await new HttpSmsChannel(http, Messages.Time()).SendAsync(settings, Phone, Messages.Page(), default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("gw-key", vendor.Last.Header("X-Api-Key"));
        Assert.StartsWith("application/json", vendor.Last.Header("Content-Type"));
        var body = JsonDocument.Parse(vendor.Last.Body).RootElement; // parses only if the newlines in {{body}} were escaped
        Assert.Equal(("13800000001", "[P1] 支付网关 down，请立即处理", "SMS_123", "支付网关"),
            (body.GetProperty("to").GetString(), body.GetProperty("msg").GetString(), body.GetProperty("tpl").GetString(), body.GetProperty("svc").GetString()));
        Assert.Equal(Messages.Page().Text, body.GetProperty("full").GetString());
    }

    [Fact]
    public async Task Http_sms_fills_a_form_template_url_encoded()
    {
        vendor.Vendor = _ => new Answer(200, "OK", "text/plain");
        var settings = new HttpSmsSettings { Url = vendor.Url + "/send", Body = "mobile={{phone}}&content={{text}}" };
        var result = await new HttpSmsChannel(http, Messages.Time()).SendAsync(settings, Phone, Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Sent, result.Status);
        Assert.Equal("[P1] 支付网关 down，请立即处理", Form(vendor.Last.Body)["content"]);
    }

    [Theory]
    [InlineData(401, DeliveryStatus.Failed)]
    [InlineData(429, DeliveryStatus.RateLimited)]
    [InlineData(500, DeliveryStatus.Retry)]
    public async Task Http_sms_statuses_map_to_a_status(int status, DeliveryStatus expected)
    {
        vendor.Vendor = _ => new Answer(status, "{\"error\":\"said\"}");
        var result = await new HttpSmsChannel(http, Messages.Time()).SendAsync(new HttpSmsSettings { Url = vendor.Url, Body = "{\"to\":\"{{phone}}\"}" }, Phone, Messages.Page(), default);
        Assert.Equal(expected, result.Status);
    }
}
