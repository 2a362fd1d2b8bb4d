using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Muster.Features.Notifications.Channels;

/// <summary>The answer of a vendor's HTTP API, or the transport failure that stopped us getting one.</summary>
internal readonly record struct VendorReply(DeliveryResult? TransportFailure, HttpStatusCode Status, string Body, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>429, 408 and 5xx mean the same for every vendor; anything else is the channel's to read.</summary>
    public DeliveryResult? CommonFailure(string vendor)
    {
        if (TransportFailure is not null)
            return TransportFailure;
        if (Status == HttpStatusCode.TooManyRequests)
            return DeliveryResult.RateLimited($"{vendor}: HTTP 429 {Snippet}", RetryAfter);
        if (Status == HttpStatusCode.RequestTimeout || (int)Status >= 500)
            return DeliveryResult.Retry($"{vendor}: HTTP {(int)Status} {Snippet}");
        return null;
    }

    /// <summary>The start of the body, enough to show the vendor's message without flooding a log.</summary>
    public string Snippet => Body.Length <= 300 ? Body.Trim() : Body[..300].Trim() + "…";

    public JsonElement? Json()
    {
        try
        {
            return string.IsNullOrWhiteSpace(Body) ? null : JsonDocument.Parse(Body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Sends one request with a deadline and turns timeouts and network errors into <see cref="DeliveryStatus.Retry"/>.</summary>
internal static class VendorHttp
{
    /// <summary>A page that waits longer than this for one vendor is better retried (or escalated) than left hanging.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Chinese text stays readable UTF-8 in bodies (these are JSON bodies, never HTML, so relaxed escaping is safe).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<VendorReply> SendAsync(HttpClient http, TimeProvider time, HttpRequestMessage request, string vendor, CancellationToken ct)
    {
        var timeout = http.Timeout < DefaultTimeout ? http.Timeout : DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            return new VendorReply(null, response.StatusCode, body, RetryAfterOf(response, time));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Transport(DeliveryResult.Retry($"{vendor}: no answer within {timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException e)
        {
            // The message names the host and the socket error, never the query string, so no secret leaks here.
            return Transport(DeliveryResult.Retry($"{vendor}: {e.HttpRequestError} {e.Message}"));
        }
    }

    private static VendorReply Transport(DeliveryResult failure) => new(failure, 0, "", null);

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta;
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
