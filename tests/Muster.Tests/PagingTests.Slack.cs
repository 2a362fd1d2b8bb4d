using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Muster.Domain.People;
using Muster.Tests.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Acknowledging inside Slack: action buttons whose clicks come back signed by Slack's app signing secret.</summary>
public sealed partial class PagingTests
{
    private const string SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";

    [Fact]
    public async Task A_slack_button_press_signed_by_slack_acknowledges_as_the_member_who_pressed_it_and_updates_the_message()
    {
        var slack = new StandIn();
        await slack.InitializeAsync();
        try
        {
            // Slack's incoming webhook answers "ok" in text; so does a response_url.
            slack.Vendor = _ => new Answer(200, "ok", "text/plain");
            var channel = await (await App.Client(Role.Admin).PostJsonAsync("/api/v1/channels", new
            {
                type = "slack",
                name = "Slack " + Guid.NewGuid().ToString("N")[..6],
                settings = new { webhookUrl = slack.Url + "/services/T000/B000/XXXX", signingSecret = SigningSecret },
            })).JsonAsync();
            var channelId = channel.GetProperty("id").GetString()!;
            var member = "U" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
            var wang = await PersonAsync("Wang Fang", "en");
            Assert.Equal(HttpStatusCode.Created, (await App.Client(Role.Manager).PostJsonAsync($"/api/v1/people/{wang}/contact-methods",
                new { type = "slack", address = member, channelId })).StatusCode);
            var li = await PersonAsync("Li Lei", "en", ("email", $"li.{Guid.NewGuid():N}@example.com"));
            var (_, key) = await ServiceAsync(wang, li);

            var incidentId = await TriggerAsync(key, "Campus card top-up failing");
            await DrainAsync();

            var page = Assert.Single(slack.Requests, r => r.Path == "/services/T000/B000/XXXX" && r.Body.Contains("Campus card top-up failing", StringComparison.Ordinal));
            var blocks = JsonNode.Parse(page.Body)!["blocks"]!.AsArray();
            Assert.Contains($"<@{member}>", page.Body);
            var buttons = blocks.Single(b => b!["type"]!.GetValue<string>() == "actions")!["elements"]!.AsArray();
            var ack = buttons.Single(b => b!["action_id"]?.GetValue<string>() == "muster-ack")!;
            Assert.Null(ack["url"]); // an action button: the press comes back to Muster, no browser opens
            Assert.Contains(".ack.", ack["value"]!.GetValue<string>());
            Assert.Contains(buttons, b => b!["url"]?.GetValue<string>() == $"http://muster.test/incidents/{incidentId}");

            string Payload(string user) => new JsonObject
            {
                ["type"] = "block_actions",
                ["user"] = new JsonObject { ["id"] = user, ["username"] = "someone" },
                ["response_url"] = slack.Url + "/actions/T000/1/abc",
                ["message"] = new JsonObject { ["blocks"] = blocks.DeepClone() },
                ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "muster-ack", ["value"] = ack["value"]!.GetValue<string>(), ["type"] = "button" }),
            }.ToJsonString();
            var slackServer = App.Client(null);
            async Task<HttpStatusCode> PressAsync(string user, string secret, DateTime at)
            {
                var body = "payload=" + Uri.EscapeDataString(Payload(user));
                var timestamp = new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var signature = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/slack/{channelId}")
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
                };
                request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
                request.Headers.Add("X-Slack-Signature", signature);
                return (await slackServer.SendAsync(request)).StatusCode;
            }
            async Task<string> StatusAsync() => (await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}")).JsonAsync()).GetProperty("status").GetString()!;

            // Not signed by this channel's secret, or signed too long ago (a replay): refused, nothing changes.
            Assert.Equal(HttpStatusCode.Unauthorized, await PressAsync(member, "not-the-secret", App.Time.UtcNow));
            Assert.Equal(HttpStatusCode.Unauthorized, await PressAsync(member, SigningSecret, App.Time.UtcNow.AddMinutes(-6)));
            Assert.Equal("triggered", await StatusAsync());

            // Someone in the Slack channel Muster does not know: told privately how to link their member id; nothing changes.
            Assert.Equal(HttpStatusCode.OK, await PressAsync("U0STRANGER", SigningSecret, App.Time.UtcNow));
            Assert.Equal("triggered", await StatusAsync());
            var refused = JsonNode.Parse(Assert.Single(slack.Requests, r => r.Path == "/actions/T000/1/abc").Body)!;
            Assert.Equal("ephemeral", refused["response_type"]!.GetValue<string>());
            Assert.Contains("U0STRANGER", refused["text"]!.GetValue<string>());

            // Wang presses it: acknowledged as Wang, the escalation stops, and the message loses its buttons.
            Assert.Equal(HttpStatusCode.OK, await PressAsync(member, SigningSecret, App.Time.UtcNow));
            Assert.Equal("acknowledged", await StatusAsync());
            var timeline = await (await App.Client(Role.Viewer).GetAsync($"/api/v1/incidents/{incidentId}/timeline")).JsonAsync();
            Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("kind").GetString() == "status_changed"
                && e.GetProperty("to").GetString() == "acknowledged" && e.GetProperty("actor").GetString() == "Wang Fang");
            var updated = JsonNode.Parse(slack.Requests.Last(r => r.Path == "/actions/T000/1/abc").Body)!;
            Assert.True(updated["replace_original"]!.GetValue<bool>());
            var after = updated["blocks"]!.AsArray();
            Assert.DoesNotContain(after, b => b!["type"]!.GetValue<string>() == "actions");
            Assert.Contains(after, b => b!["type"]!.GetValue<string>() == "header");
            Assert.Contains("Acknowledged", after.Last()!["elements"]![0]!["text"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await slack.DisposeAsync();
        }
    }
}
