using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>Chinese chat robots answer HTTP 200 with a numeric code in the body: 0 is sent, the rest the vendor documents.</summary>
internal static class ChatRobotReply
{
    public static DeliveryResult Read(VendorReply reply, string vendor, string codeField, string messageField,
        IReadOnlySet<long> rateLimited, IReadOnlySet<long> transient)
    {
        if (reply.CommonFailure(vendor) is { } failure)
            return failure;
        if (reply.Json() is not { ValueKind: JsonValueKind.Object } json || !TryCode(json, codeField, out var code))
            return reply.IsSuccess
                ? DeliveryResult.Retry($"{vendor}: unreadable answer {reply.Snippet}")
                : DeliveryResult.Failed($"{vendor}: HTTP {(int)reply.Status} {reply.Snippet}");
        var said = json.TryGetProperty(messageField, out var m) ? m.ToString() : "";
        if (code == 0)
            return DeliveryResult.Sent();
        var detail = $"{vendor}: {code} {said}".Trim();
        if (rateLimited.Contains(code))
            return DeliveryResult.RateLimited(detail, reply.RetryAfter);
        return transient.Contains(code) ? DeliveryResult.Retry(detail) : DeliveryResult.Failed(detail);
    }

    private static bool TryCode(JsonElement json, string field, out long code)
    {
        code = 0;
        return json.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out code);
    }
}
