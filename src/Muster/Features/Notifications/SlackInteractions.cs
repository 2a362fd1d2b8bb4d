using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Incidents;
using Muster.Features.Notifications.Channels;

namespace Muster.Features.Notifications;

/// <summary>
/// Slack's interactivity: when a Slack channel has its app's signing secret, a page's Acknowledge
/// and Resolve are action buttons. Slack posts the click here, signed with that secret
/// (https://api.slack.com/authentication/verifying-requests-from-slack); the button's value is the
/// same signed token as the link, and the person who pressed it is found by their Slack member id
/// (a Slack contact method). The message is then changed in place through the click's response_url.
/// </summary>
public static class SlackInteractions
{
    public const string AckAction = "muster-ack";
    public const string ResolveAction = "muster-resolve";

    /// <summary>Slack's advice: refuse requests older than five minutes, so a captured one cannot be replayed later.</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private const long MaxBody = 256 * 1024;

    public static void MapSlackInteractions(this IEndpointRouteBuilder app) =>
        app.MapPost("/hooks/slack/{channelId}", HandleAsync)
            .AllowAnonymous().DisableAntiforgery().WithTags("Notifications")
            .WithSummary("A Slack app's Interactivity Request URL: Acknowledge and Resolve pressed in Slack, signed with the channel's signing secret.");

    private static async Task<IResult> HandleAsync(string channelId, HttpRequest request, MusterDb db, IncidentActions actions, TimeProvider time,
        IHttpClientFactory http, IStringLocalizer<SharedResource> text, ILoggerFactory logs, CancellationToken ct)
    {
        var channel = await db.NotificationChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.Type == "slack", ct);
        if (channel is null || SecretOf(channel.Settings) is not { } secret)
            return Results.NotFound();
        // Anyone may post here until the signature is checked, so only a press's size is read (Slack's are a few KB).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBody;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ct);
        var now = time.GetUtcNow();
        if (!IsSigned(secret, request.Headers["X-Slack-Request-Timestamp"].ToString(), request.Headers["X-Slack-Signature"].ToString(), body, now))
            return Results.Unauthorized();

        var payload = ReadPayload(body);
        if (payload is null || payload["type"]?.GetValue<string>() != "block_actions" || payload["actions"] is not JsonArray { Count: > 0 } pressed)
            return Results.Ok();
        var action = pressed[0]?["action_id"]?.GetValue<string>();
        var token = pressed[0]?["value"]?.GetValue<string>();
        var slackUser = payload["user"]?["id"]?.GetValue<string>();
        var responseUrl = payload["response_url"]?.GetValue<string>();
        if (action is not (AckAction or ResolveAction) || token is null)
            return Results.Ok();

        var person = slackUser is null ? null : await db.ContactMethods.AsNoTracking()
            .Where(m => m.Type == "slack" && m.Address == slackUser && m.StoppedAt == null)
            .Join(db.People, m => m.PersonId, p => p.Id, (m, p) => p).FirstOrDefaultAsync(ct);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(person?.Language is "en" ? "en" : "zh-CN");

        var claim = ActionLinks.Read(await ActionLinks.KeyAsync(db, ct), token, now.UtcDateTime);
        var incidentId = claim is null ? null : await db.Notifications.Where(n => n.Id == claim.NotificationId).Select(n => n.IncidentId).FirstOrDefaultAsync(ct);
        var incident = incidentId is null ? null : await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, ct);
        string outcome;
        var done = false;
        if (incident is null)
            outcome = text["action.invalid"];
        else if (person is null)
            // Anyone in the Slack channel can press the button; only someone Muster knows may act, so the timeline names a person.
            outcome = text["slack.unknown_user", slackUser ?? "?"];
        else
        {
            outcome = await NotificationEndpoints.ActAsync(actions, incident, action == AckAction, new Actor(person.Id, person.DisplayName), text, ct);
            done = true;
        }

        if (responseUrl is not null)
            await AnswerAsync(http, responseUrl, payload, outcome, replace: done, logs.CreateLogger(typeof(SlackInteractions)), ct);
        return Results.Ok();
    }

    private static string? SecretOf(string settingsJson)
    {
        using var document = JsonDocument.Parse(settingsJson);
        return NotificationChannels.Parse("slack", document.RootElement, out _) is SlackSettings { Interactive: true } settings ? settings.SigningSecret : null;
    }

    /// <summary>v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}") in hex, within five minutes of now.</summary>
    public static bool IsSigned(string secret, string timestamp, string signature, string body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799))).Duration() > MaxAge)
            return false;
        var expected = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }

    private static JsonObject? ReadPayload(string body)
    {
        var form = QueryHelpers.ParseQuery(body);
        if (!form.TryGetValue("payload", out var payload))
            return null;
        try
        {
            return JsonNode.Parse(payload.ToString()) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Done: the message loses its buttons and says who did what. Refused: only the presser sees why
    /// (an ephemeral reply). Best effort: the incident has changed whether or not Slack takes this.
    /// </summary>
    private static async Task AnswerAsync(IHttpClientFactory http, string responseUrl, JsonObject payload, string outcome, bool replace,
        ILogger logger, CancellationToken ct)
    {
        JsonObject answer;
        if (replace)
        {
            var blocks = new JsonArray();
            if (payload["message"]?["blocks"] is JsonArray original)
                foreach (var block in original.Where(b => b?["type"]?.GetValue<string>() != "actions"))
                    blocks.Add(block?.DeepClone());
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = "✅ " + outcome }) });
            answer = new JsonObject { ["replace_original"] = true, ["text"] = outcome, ["blocks"] = blocks };
        }
        else
        {
            answer = new JsonObject { ["response_type"] = "ephemeral", ["replace_original"] = false, ["text"] = outcome };
        }
        try
        {
            using var content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.CreateClient(NotificationChannels.HttpClientName).PostAsync(responseUrl, content, ct);
            if (!response.IsSuccessStatusCode)
                logger.LogWarning("Slack did not take the update of a message: HTTP {Status}", (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Slack did not take the update of a message: {Error}", e.Message);
        }
    }
}
