using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Muster.Features.Notifications.Channels;

/// <summary>Any SMS gateway reachable by one HTTP request, described by a URL, a method, headers and a body template.</summary>
public sealed record HttpSmsSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    /// <summary>May hold placeholders too; they are URL-encoded there.</summary>
    public string Url { get; init; } = "";

    public string Method { get; init; } = "POST";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body with {{phone}}, {{text}} (the short text), {{title}}, {{body}} (the full text), {{template}}
    /// (the approved template code for the kind) and {{param.NAME}}. Empty sends no body.</summary>
    public string? Body { get; init; }

    /// <summary>By default application/json when the body starts with { or [, else application/x-www-form-urlencoded.</summary>
    public string? ContentType { get; init; }

    /// <summary>Optional: message kind to approved template, for gateways that send templates.</summary>
    public IReadOnlyDictionary<string, ApprovedTemplate>? Templates { get; init; }

    public IEnumerable<string> Problems() =>
        Require.AbsoluteUrl(Url.Replace("{{", "").Replace("}}", ""), "url")
            .Concat(Method.ToUpperInvariant() is "GET" or "POST" or "PUT" ? [] : ["'method' must be GET, POST or PUT"]);
}

public sealed partial class HttpSmsChannel(HttpClient http, TimeProvider time)
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    public async Task<DeliveryResult> SendAsync(HttpSmsSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Phone))
            return DeliveryResult.Failed("http-sms: the recipient has no phone number");
        var template = settings.Templates is { Count: > 0 } templates ? templates.GetValueOrDefault(message.Kind)?.Code : null;
        string? Value(string name) => name switch
        {
            "phone" => recipient.Phone,
            "text" => message.ShortText,
            "title" => ChannelText.Title(message),
            "body" => message.Text,
            "template" => template ?? "",
            "kind" => message.Kind,
            "idempotencyKey" => message.IdempotencyKey,
            _ when name.StartsWith("param.", StringComparison.Ordinal) => message.TemplateParameters.GetValueOrDefault(name[6..]) ?? "",
            _ => null,
        };

        var contentType = settings.ContentType
            ?? (settings.Body?.TrimStart() is ['{' or '[', ..] ? "application/json" : "application/x-www-form-urlencoded");
        Func<string, string> escape = contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? v => JsonEncodedText.Encode(v, VendorHttp.Json.Encoder).ToString()
            : contentType.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? Uri.EscapeDataString : v => v;

        var url = Fill(settings.Url, Value, Uri.EscapeDataString);
        using var request = new HttpRequestMessage(new HttpMethod(settings.Method.ToUpperInvariant()), url);
        if (!string.IsNullOrEmpty(settings.Body))
        {
            request.Content = new StringContent(Fill(settings.Body, Value, escape), Encoding.UTF8);
            request.Content.Headers.Remove("Content-Type");
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ? contentType : contentType + "; charset=utf-8");
        }
        foreach (var (name, value) in settings.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
                request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.TryAddWithoutValidation("Idempotency-Key", message.IdempotencyKey);

        var reply = await VendorHttp.SendAsync(http, time, request, "http-sms", ct);
        if (reply.CommonFailure("http-sms") is { } failure)
            return failure;
        return reply.IsSuccess ? DeliveryResult.Sent(detail: reply.Snippet) : DeliveryResult.Failed($"http-sms: HTTP {(int)reply.Status} {reply.Snippet}");
    }

    /// <summary>Replaces known placeholders, escaped for where they stand; unknown ones stay as written so a typo shows.</summary>
    private static string Fill(string template, Func<string, string?> value, Func<string, string> escape) =>
        Placeholder().Replace(template, match => value(match.Groups[1].Value) is { } v ? escape(v) : match.Value);
}
