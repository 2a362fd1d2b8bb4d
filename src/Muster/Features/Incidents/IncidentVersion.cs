using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Incidents;

/// <summary>
/// The version of an incident a request acts on, one per request: the one the caller saw (the
/// API's If-Match, a form's hidden field), checked where the incident is changed
/// (<c>IncidentActions.ApplyAsync</c>), and the one the change saved, which the answer
/// carries as its ETag. A caller who names no version acts on the incident as it is at the save.
/// </summary>
public sealed class IncidentVersion
{
    /// <summary>The field a stale version is reported under, in a problem detail and on a form.</summary>
    public const string Field = "If-Match";

    /// <summary>How many times a change with no version is read and applied again when Muster's own work moved the incident meanwhile.</summary>
    public const int Attempts = 5;

    private string[] expected = [];

    /// <summary>The version the caller saw: an If-Match header (one or more entity tags) or a form's bare token; "*" or empty names none.</summary>
    public string? Expected
    {
        set => expected = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t != "*")
            // A proxy that compresses may weaken a tag; the token is the exact version either way.
            .Select(t => t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t)
            .Select(t => t.Trim('"'))
            .ToArray();
    }

    /// <summary>True when the caller named a version: a conflict is then theirs to resolve, not Muster's to retry.</summary>
    public bool Given => expected.Length > 0;

    /// <summary>The incident's version after the request's change, for the answer's ETag.</summary>
    public DateTime? Saved { get; set; }

    /// <summary>The token of a version: its whole microseconds, the precision both databases keep.</summary>
    public static string Token(DateTime version) => (version.Ticks / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture);

    /// <summary>A strong entity tag: <c>"&lt;token&gt;"</c>.</summary>
    public static string ETag(DateTime version) => $"\"{Token(version)}\"";

    /// <summary>
    /// Stops the request with a 409 when the caller named a version and the incident is at another.
    /// A form is judged by people, not versions: it stays good while every line written since it was
    /// shown is Muster's own (a page, a clock, an alert) or the poster's, so that a duty officer typing
    /// a note is not told off because an escalation step fired meanwhile. Lines at the very instant
    /// the form was shown count as since (a clock may not have moved). The API's If-Match stays exact.
    /// </summary>
    public void Check(Incident incident)
    {
        if (!Given || expected.Contains(Token(incident.UpdatedAt)))
            return;
        if (fromForm && expected.Length == 1 && long.TryParse(expected[0], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            && micros <= long.MaxValue / TimeSpan.TicksPerMicrosecond)
        {
            var shown = new DateTime(micros * TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
            if (incident.Timeline.Where(e => e.At >= shown)
                .All(e => e.ActorId is null || e.ActorId == poster || e.ActorId.StartsWith("integration:", StringComparison.Ordinal)))
                return;
        }
        throw Stale(incident.Reference, ETag(incident.UpdatedAt));
    }

    private bool fromForm;
    private string? poster;

    /// <summary>409: the incident is no longer at the version the caller saw.</summary>
    public static RequestException Stale(string reference, string? current) =>
        new(StatusCodes.Status409Conflict, "The incident changed since you read it.", new Dictionary<string, string[]>
        {
            [Field] = [$"{reference} changed after the version you sent in If-Match{(current is null ? "" : $" (it is now {current})")}. " +
                "GET /api/v1/incidents/{id} again, look at what changed, and retry with its ETag in If-Match; leave If-Match out to act on the incident as it is."],
        })
        { Extensions = current is null ? null : new Dictionary<string, object?> { ["etag"] = current } };

    /// <summary>True for the error a stale version gives, so a page can say it in the reader's language.</summary>
    public static bool IsStale(Exception e) => e is RequestException { Status: StatusCodes.Status409Conflict } r && r.Errors.ContainsKey(Field);

    /// <summary>Takes the version a posted form showed (its hidden field), if it has one.</summary>
    public void FromForm(HttpContext http)
    {
        Expected = http.Request.HasFormContentType ? http.Request.Form[Components.VersionField.Name].ToString() : null;
        fromForm = true;
        poster = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
    }

    /// <summary>
    /// For the incident API's writes: takes If-Match into the request's <see cref="IncidentVersion"/>,
    /// and answers with the ETag of the version the change saved.
    /// </summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var version = http.RequestServices.GetRequiredService<IncidentVersion>();
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            version.Expected = http.Request.Headers.IfMatch.ToString();
        var result = await next(context);
        if (version.Saved is { } saved)
            http.Response.Headers.ETag = ETag(saved);
        return result;
    }

    /// <summary>
    /// Runs a unit of work that reads an incident, changes it and saves, again from a fresh read when
    /// the save finds the incident's version moved meanwhile (a page, a clock, another person): the
    /// change is applied to the incident as it is then, and domain rules judge it again. Whatever
    /// the context tracked is forgotten between attempts, so only use it where the work is the
    /// context's only pending change.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Data.MusterDb db, Func<Task<T>> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                db.ChangeTracker.Clear();
                MusterMetrics.ConflictRetried();
            }
        }
    }
}
