using System.Data.Common;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Runs an action once, after the next query that reads incidents: Muster's own work landing between a request's read and its save.</summary>
public sealed class AfterIncidentRead : DbCommandInterceptor
{
    private Func<Task>? once;

    public Func<Task>? Once
    {
        set => once = value;
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("FROM \"Incidents\"", StringComparison.Ordinal) && Interlocked.Exchange(ref once, null) is { } action)
            await action();
        return result;
    }
}

/// <summary>
/// Muster never conflicts with itself: a change with no version is applied to the incident as it
/// is, whatever the work runner did meanwhile; a change that names a version (If-Match, a form's
/// hidden field) gets a 409 when the incident moved on since.
/// </summary>
public sealed partial class IncidentVersionTests : IDisposable
{
    private readonly AfterIncidentRead meanwhile = new();
    private readonly MusterFactory app;
    private readonly HttpClient responder;

    public IncidentVersionTests()
    {
        app = new MusterFactory { Configure = b => b.ConfigureTestServices(s => s.ConfigureDbContext<MusterDb>((_, o) => o.AddInterceptors(meanwhile))) };
        responder = app.Client(Role.Responder);
    }

    public void Dispose() => app.Dispose();

    /// <summary>
    /// A service whose policy pages one person by SMS, with no SMS channel set up: the page fails when
    /// the runner delivers it, and the runner writes "not reached" on the incident, moving its version.
    /// </summary>
    private async Task<string> PagingServiceAsync()
    {
        var serviceId = await app.ServiceAsync($"paging {Guid.NewGuid():N}");
        var now = app.Time.UtcNow;
        await app.WithDb(async db =>
        {
            var person = new Person { Email = $"p.{Guid.NewGuid():N}@muster.test", DisplayName = "On duty", Role = "responder", Language = "en", CreatedAt = now };
            db.People.Add(person);
            db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "sms", Address = "+8613800000000", CreatedAt = now });
            var policy = new EscalationPolicy
            {
                Name = $"policy {Guid.NewGuid():N}",
                Definition = JsonSerializer.Serialize(new { steps = new object[] { new { delayMinutes = 30, targets = new[] { new { type = "person", id = person.Id } } } } }),
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.EscalationPolicies.Add(policy);
            (await db.Services.FirstAsync(s => s.Id == serviceId)).EscalationPolicyId = policy.Id;
            await db.SaveChangesAsync();
            return 0;
        });
        return serviceId;
    }

    private async Task<string> DeclareAsync(string serviceId, string title = "Card readers offline")
    {
        var response = await responder.PostJsonAsync("/api/v1/incidents", new { title, serviceId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task<List<string>> KindsAsync(string id) =>
        [.. (await (await responder.GetAsync($"/api/v1/incidents/{id}/timeline")).JsonAsync()).EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];

    [Theory]
    [InlineData("acknowledge", "acknowledged")]
    [InlineData("investigate", "investigating")]
    public async Task Acting_at_once_without_a_version_is_never_a_conflict_while_the_work_runner_pages(string step, string status)
    {
        var serviceId = await PagingServiceAsync();
        for (var i = 0; i < 4; i++)
        {
            var id = await DeclareAsync(serviceId, $"Card readers offline {i}");
            // The runner delivers the page (it fails: no SMS channel) between this request's read and its save.
            var ran = 0;
            meanwhile.Once = async () => ran = await app.RunDueWorkAsync();

            var response = await responder.PostJsonAsync($"/api/v1/incidents/{id}/{step}", new { note = "on it" });

            Assert.True(ran > 0, "the work runner ran in between");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(status, (await response.JsonAsync()).GetProperty("status").GetString());
            var kinds = await KindsAsync(id);
            // The runner's line was written first, and the person's change was applied on top of it.
            Assert.True(kinds.IndexOf("not_reached") is >= 0 and var notReached && notReached < kinds.IndexOf("status_changed"), string.Join(", ", kinds));
            Assert.Equal(response.Headers.ETag?.Tag, (await responder.GetAsync($"/api/v1/incidents/{id}")).Headers.ETag?.Tag);
        }
    }

    [Fact]
    public async Task A_change_after_the_version_read_is_a_409_naming_if_match_and_a_stale_acknowledgement_changes_nothing()
    {
        var id = await DeclareAsync(await app.ServiceAsync($"stale {Guid.NewGuid():N}"));
        var read = await responder.GetAsync($"/api/v1/incidents/{id}");
        var seen = read.Headers.ETag;
        Assert.NotNull(seen);
        Assert.False(seen.IsWeak);

        // Someone else adds a note in the same instant (the fake clock stands still): the version still moves.
        var noted = await responder.PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "called the vendor" });
        Assert.Equal(HttpStatusCode.OK, noted.StatusCode);
        Assert.NotEqual(seen.Tag, noted.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/acknowledge") { Content = JsonContent(new { }) };
        stale.Headers.TryAddWithoutValidation("If-Match", seen.Tag);
        var refused = await responder.SendAsync(stale);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.JsonAsync();
        var message = problem.GetProperty("errors").GetProperty("If-Match")[0].GetString()!;
        Assert.Contains("GET /api/v1/incidents/{id} again", message);
        Assert.Equal(noted.Headers.ETag?.Tag, problem.GetProperty("etag").GetString());
        Assert.Equal("triggered", (await (await responder.GetAsync($"/api/v1/incidents/{id}")).JsonAsync()).GetProperty("status").GetString());

        // The room's calls honour it too.
        using var staleCategory = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/incidents/{id}/category") { Content = JsonContent(new { category = (string?)null }) };
        staleCategory.Headers.TryAddWithoutValidation("If-Match", seen.Tag);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.SendAsync(staleCategory)).StatusCode);
    }

    [Fact]
    public async Task If_match_with_the_current_version_succeeds_and_answers_with_the_next_version()
    {
        var id = await DeclareAsync(await app.ServiceAsync($"current {Guid.NewGuid():N}"));
        var current = (await responder.GetAsync($"/api/v1/incidents/{id}")).Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/acknowledge") { Content = JsonContent(new { note = "mine" }) };
        request.Headers.IfMatch.Add(current);
        var response = await responder.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var next = response.Headers.ETag;
        Assert.NotNull(next);
        Assert.NotEqual(current.Tag, next.Tag);
        Assert.Equal(next.Tag, (await responder.GetAsync($"/api/v1/incidents/{id}")).Headers.ETag?.Tag);

        // The next version is good for the next change; the one before it no longer is.
        using var again = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/investigate") { Content = JsonContent(new { }) };
        again.Headers.IfMatch.Add(next);
        Assert.Equal(HttpStatusCode.OK, (await responder.SendAsync(again)).StatusCode);
        using var old = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/notes") { Content = JsonContent(new { text = "late" }) };
        old.Headers.IfMatch.Add(next);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.SendAsync(old)).StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    [GeneratedRegex("name=\"IncidentVersion\" value=\"(\\d+)\"")]
    private static partial Regex Version();

    [Theory]
    [InlineData("en", "This incident changed after this page showed it")]
    [InlineData("zh-CN", "此页面显示之后，该事件已有变化")]
    public async Task A_form_posts_the_version_it_showed_and_a_stale_one_is_refused_in_the_readers_language(string language, string stale)
    {
        var id = await DeclareAsync(await app.ServiceAsync($"form {Guid.NewGuid():N}"));
        var page = app.Client(Role.Responder, language);
        var shown = await page.GetStringAsync($"/incidents/{id}");
        var version = Version().Match(shown).Groups[1].Value;
        Assert.NotEmpty(version);
        Assert.Equal($"\"{version}\"", (await responder.GetAsync($"/api/v1/incidents/{id}")).Headers.ETag?.Tag);

        Task<HttpResponseMessage> PostNote(string text, string shownVersion) => page.PostAsync($"/incidents/{id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "note",
            ["__RequestVerificationToken"] = Antiforgery().Match(shown).Groups[1].Value,
            ["IncidentVersion"] = shownVersion,
            ["NoteForm.Text"] = text,
        }));

        // Someone else acknowledges a little later, while the page is open; the note posted from it is refused, and says why.
        app.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await app.Client(Role.Manager).PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", new { })).StatusCode);
        var refused = await PostNote("from the old page", version);
        Assert.Contains(stale, WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.DoesNotContain("note", await KindsAsync(id));

        // The page shown again carries the new version, and the note goes in.
        var fresh = Version().Match(await page.GetStringAsync($"/incidents/{id}")).Groups[1].Value;
        Assert.NotEqual(version, fresh);
        var saved = await PostNote("from the fresh page", fresh);
        Assert.True(saved.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.OK, saved.StatusCode.ToString());
        Assert.Contains("note", await KindsAsync(id));
    }

    [Fact]
    public async Task A_form_stays_good_when_only_Muster_changed_the_incident_since_it_was_shown()
    {
        var id = await DeclareAsync(await PagingServiceAsync());
        var page = app.Client(Role.Responder, "en");
        var shown = await page.GetStringAsync($"/incidents/{id}");
        var version = Version().Match(shown).Groups[1].Value;

        // The page fails (no SMS channel) and the runner writes "not reached": the version moves, by Muster alone.
        app.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await app.RunDueWorkAsync() > 0);
        Assert.Contains("not_reached", await KindsAsync(id));
        Assert.NotEqual($"\"{version}\"", (await responder.GetAsync($"/api/v1/incidents/{id}")).Headers.ETag?.Tag);

        var saved = await page.PostAsync($"/incidents/{id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "note",
            ["__RequestVerificationToken"] = Antiforgery().Match(shown).Groups[1].Value,
            ["IncidentVersion"] = version,
            ["NoteForm.Text"] = "typed while the page was paging",
        }));
        Assert.DoesNotContain("This incident changed after this page showed it", WebUtility.HtmlDecode(await saved.Content.ReadAsStringAsync()));
        Assert.Contains("note", await KindsAsync(id));
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, MusterFactory.Json), System.Text.Encoding.UTF8, "application/json");
}
