using System.Collections.Concurrent;
using System.Text.Json;
using Muster.Data;

namespace Muster.Features.Intake;

/// <summary>Hands events to the group-commit writer and answers only once they are committed.</summary>
public static class IntakeGate
{
    public const int RetryAfterSeconds = 1;

    /// <summary>The body as JSON, or why it is not; each endpoint answers in its own product's shape.</summary>
    public static async Task<(JsonElement Body, string? Error)> ReadJsonAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return ((await JsonDocument.ParseAsync(request.Body, cancellationToken: ct)).RootElement, null);
        }
        catch (JsonException e)
        {
            return (default, $"The body is not valid JSON: {e.Message.Split(". Path:")[0]}.");
        }
    }

    /// <summary>A string property, or (with <paramref name="numbers"/>) a number written as text.</summary>
    public static string? Text(this JsonElement element, string name, bool numbers = false) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number when numbers => value.GetRawText(),
                _ => null,
            }
            : null;

    private static readonly ConcurrentDictionary<string, (long Minute, int Count)> Windows = new();

    /// <summary>
    /// The integration's own limit, if it has one: a count per clock minute in this process, so a
    /// source that floods gets 429 while the others go on. Several processes each allow the limit.
    /// </summary>
    public static bool OverLimit(Integration integration, int events, DateTime now)
    {
        if (integration.RateLimitPerMinute is not { } limit)
            return false;
        var minute = now.Ticks / TimeSpan.TicksPerMinute;
        var window = Windows.AddOrUpdate(integration.Id, (minute, events),
            (_, w) => w.Minute == minute ? (minute, w.Count + events) : (minute, events));
        return window.Count > limit;
    }

    public static async Task<IResult> CommitAsync(IntakeWriter writer, Integration integration, DateTime now, IReadOnlyList<AlertEvent> events,
        Func<IResult> accepted, Func<int, int, IResult> busy)
    {
        if (events.Count > 0 && OverLimit(integration, events.Count, now))
            return new RetryAfter(busy(StatusCodes.Status429TooManyRequests, 60 - now.Second), 60 - now.Second);
        // A full queue answers at once; a failed commit (the database is away) asks for a longer pause.
        var committed = writer.TryAccept(events);
        if (committed is null)
            return new RetryAfter(busy(StatusCodes.Status429TooManyRequests, RetryAfterSeconds), RetryAfterSeconds);
        try
        {
            await committed;
        }
        catch (Exception)
        {
            return new RetryAfter(busy(StatusCodes.Status503ServiceUnavailable, RetryAfterSeconds * 5), RetryAfterSeconds * 5);
        }
        return accepted();
    }

    private sealed class RetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
