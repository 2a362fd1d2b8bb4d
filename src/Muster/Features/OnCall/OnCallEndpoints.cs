using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Domain.People;
using Muster.Infrastructure;

namespace Muster.Features.OnCall;

/// <summary>Who is on call now, hours on call, and the iCalendar feeds; <see cref="MapOnCall"/> maps every on-call endpoint.</summary>
public static class OnCallEndpoints
{
    /// <summary>How far ahead a calendar feed reaches.</summary>
    public static readonly TimeSpan FeedAhead = TimeSpan.FromDays(60);

    /// <summary>How far back a feed starts, so that a shift under way keeps its own start (and so its UID) in the feed.</summary>
    public static readonly TimeSpan FeedBehind = TimeSpan.FromDays(7);

    public static void MapOnCall(this IEndpointRouteBuilder app)
    {
        app.MapSchedules();
        app.MapOverrides();
        app.MapCalendars();
        app.MapEscalationPolicies();

        var api = app.MapGroup("/api/v1").WithTags("On call");
        api.MapGet("/oncall", async (string? scheduleId, string? serviceId, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await NowAsync(db, scheduleId, serviceId, time.GetUtcNow().UtcDateTime, ct)))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The people on call now, with their shift role: ?scheduleId= for a schedule, ?serviceId= for the first step of a service's escalation policy.");
        api.MapGet("/schedules/{id}/hours.csv", async (string id, string? from, string? to, MusterDb db, TimeProvider time, IOptions<MusterOptions> options,
                IStringLocalizer<SharedResource> l, CancellationToken ct) =>
            {
                var schedule = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("schedule", id);
                var (start, end) = HoursPeriod(from, to, options.Value.Zone, time.GetUtcNow().UtcDateTime);
                return Csv(await HoursAsync(db, [schedule], start, end, ct), l, $"oncall-hours-{start:yyyyMMdd}.csv");
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Hours on call per person (total, night 22:00–08:00, holiday) from ?from= to ?to= (default this month so far), CSV with a BOM.");
        api.MapGet("/oncall/hours.csv", async (string? from, string? to, MusterDb db, TimeProvider time, IOptions<MusterOptions> options,
                IStringLocalizer<SharedResource> l, CancellationToken ct) =>
            {
                var (start, end) = HoursPeriod(from, to, options.Value.Zone, time.GetUtcNow().UtcDateTime);
                return Csv(await HoursAsync(db, await db.Schedules.AsNoTracking().ToListAsync(ct), start, end, ct), l, $"oncall-hours-{start:yyyyMMdd}.csv");
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Hours on call per person across every schedule, CSV with a BOM.");
        api.MapGet("/schedules/{id}/calendar.ics", async (string id, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var schedule = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw RequestException.NotFound("schedule", id);
                return Ics(await ScheduleFeedAsync(db, schedule, time.GetUtcNow().UtcDateTime, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("The schedule's shifts of the next 60 days as iCalendar (RFC 5545).");
        api.MapPost("/people/{id}/calendar-token", async (string id, ClaimsPrincipal user, MusterDb db, PublicUrl links, CancellationToken ct) =>
                TypedResults.Ok(new { url = FeedUrl(links, await CalendarTokenAsync(db, id, user, ct)) }))
            .RequireAuthorization(Policies.Viewer).WithTags("People")
            .WithSummary("The person's own iCalendar feed URL, made on first request; a person asks for their own, a manager for anyone's.");
        // Calendar apps cannot sign in: the token in the URL is the credential, and it shows only that person's shifts.
        app.MapGet("/calendar/{token}.ics", async (string token, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.CalendarToken == token && p.Active, ct);
                return person is null ? Problems.NotFound("calendar", "(token)") : Ics(await PersonFeedAsync(db, person, time.GetUtcNow().UtcDateTime, ct));
            })
            .AllowAnonymous().WithTags("On call").WithSummary("A person's shifts on every schedule for the next 60 days, as iCalendar; the URL is the secret.");
    }

    /// <summary>The people on call now for a schedule or for a service (its policy's first step), with their role and the schedule that put them there.</summary>
    public static async Task<List<OnCallPersonView>> NowAsync(MusterDb db, string? scheduleId, string? serviceId, DateTime now, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(scheduleId) == string.IsNullOrEmpty(serviceId))
            throw RequestException.Invalid(string.IsNullOrEmpty(scheduleId) ? "scheduleId" : "serviceId", "Give exactly one of scheduleId and serviceId.");
        var found = new List<OnCallPerson>();
        var sources = new List<string?>();
        void Add(IEnumerable<OnCallPerson> people, string? source)
        {
            foreach (var person in people.Where(p => !found.Exists(f => f.PersonId == p.PersonId)))
            {
                found.Add(person);
                sources.Add(source);
            }
        }
        if (!string.IsNullOrEmpty(scheduleId))
        {
            if (!await db.Schedules.AnyAsync(s => s.Id == scheduleId, ct))
                throw RequestException.NotFound("schedule", scheduleId);
            Add(await OnCallLookup.AtAsync(db, scheduleId, now, ct), scheduleId);
        }
        else
        {
            var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == serviceId, ct) ?? throw RequestException.NotFound("service", serviceId!);
            var policy = service.EscalationPolicyId is null ? null : await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == service.EscalationPolicyId, ct);
            // Target by target, as OnCallLookup.TargetsAsync does, keeping which schedule each person came from.
            var steps = policy is null ? [] : OnCallLookup.Definition(policy).Steps;
            foreach (var target in steps.Count == 0 ? [] : steps[0].Targets)
                Add(await OnCallLookup.TargetsAsync(db, [target], now, ct), target.Type == EscalationTargetType.Schedule ? target.Id : null);
        }
        var names = await ScheduleEndpoints.NamesAsync(db, found.Select(p => p.PersonId), ct);
        return found.Select((p, i) => new OnCallPersonView(p.PersonId, names.GetValueOrDefault(p.PersonId, p.PersonId), p.Role, sources[i])).ToList();
    }

    private static (DateTime From, DateTime To) HoursPeriod(string? from, string? to, TimeZoneInfo zone, DateTime now)
    {
        var local = ZoneTime.ToLocal(now, zone);
        var monthStart = ZoneTime.ToUtc(new DateTime(local.Year, local.Month, 1), zone);
        return ScheduleEndpoints.Period(from, to, zone, monthStart, now > monthStart ? now : monthStart.AddDays(1));
    }

    /// <summary>Hours on call per person over several schedules, each schedule counted in its own zone and calendar.</summary>
    public static async Task<List<(string Name, PersonHours Hours)>> HoursAsync(MusterDb db, IReadOnlyList<Schedule> schedules, DateTime from, DateTime to,
        CancellationToken ct = default)
    {
        var totals = new Dictionary<string, PersonHours>();
        foreach (var schedule in schedules)
        {
            var definition = OnCallLookup.Definition(schedule);
            var segments = await OnCallLookup.ResolveAsync(db, schedule, from, to, ct);
            var calendar = await OnCallLookup.CalendarAsync(db, schedule.CalendarId, ct);
            foreach (var h in OnCallHours.Summarize(segments, definition.TimeZone, calendar, from, to))
                totals[h.PersonId] = totals.TryGetValue(h.PersonId, out var sum)
                    ? sum with { TotalHours = sum.TotalHours + h.TotalHours, NightHours = sum.NightHours + h.NightHours, HolidayHours = sum.HolidayHours + h.HolidayHours }
                    : h;
        }
        var names = await ScheduleEndpoints.NamesAsync(db, totals.Keys, ct);
        return totals.Values.Select(h => (names.GetValueOrDefault(h.PersonId, h.PersonId), h)).OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>UTF-8 with a BOM: without it Excel reads the file in the system code page and garbles Chinese names.</summary>
    private static IResult Csv(List<(string Name, PersonHours Hours)> rows, IStringLocalizer l, string fileName)
    {
        var text = new StringBuilder();
        text.Append(string.Join(",", new[] { l["hours.person"], l["hours.person_id"], l["hours.total"], l["hours.night"], l["hours.holiday"] }.Select(h => Field(h))))
            .Append("\r\n");
        foreach (var (name, h) in rows)
            text.Append(string.Join(",", Field(name), Field(h.PersonId), Number(h.TotalHours), Number(h.NightHours), Number(h.HolidayHours))).Append("\r\n");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text.ToString())).ToArray();
        return Results.File(bytes, "text/csv; charset=utf-8", fileName);
    }

    private static string Number(double hours) => Math.Round(hours, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A CSV field, quoted when needed; a leading = + - @ is defused so that a name cannot become a spreadsheet formula.</summary>
    private static string Field(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0]))
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }

    private static IResult Ics(string text) => Results.Text(text, "text/calendar; charset=utf-8", Encoding.UTF8);

    public static async Task<string> ScheduleFeedAsync(MusterDb db, Schedule schedule, DateTime now, CancellationToken ct = default)
    {
        var shifts = await ScheduleEndpoints.ShiftsAsync(db, schedule, now - FeedBehind, now + FeedAhead, ct);
        var events = shifts.Where(s => s.People.Count > 0).Select(s => new ICalendar.Event(
            $"{schedule.Id}-{s.Start:yyyyMMddTHHmmssZ}@muster", s.Start, s.End,
            $"{schedule.Name}: {string.Join(", ", s.People.Select(p => $"{p.Name} ({p.Role})"))}", null));
        return ICalendar.Write(schedule.Name, events, now);
    }

    public static async Task<string> PersonFeedAsync(MusterDb db, Person person, DateTime now, CancellationToken ct = default)
    {
        var events = new List<ICalendar.Event>();
        foreach (var schedule in await db.Schedules.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct))
        {
            if (!OnCallLookup.Definition(schedule).Layers.Any(l => l.Members.Contains(person.Id))
                && !await db.ScheduleOverrides.AnyAsync(o => o.ScheduleId == schedule.Id && o.PersonId == person.Id, ct))
                continue;
            var shifts = await ScheduleEndpoints.ShiftsAsync(db, schedule, now - FeedBehind, now + FeedAhead, ct);
            // Adjacent segments where the person keeps the same role are one event: a change of backup is not their concern.
            foreach (var group in Runs(shifts, person.Id))
                events.Add(new ICalendar.Event($"{schedule.Id}-{person.Id}-{group.Start:yyyyMMddTHHmmssZ}@muster", group.Start, group.End,
                    $"{schedule.Name}: {group.Role}", string.Join(", ", group.Others)));
        }
        return ICalendar.Write(person.DisplayName, events, now);
    }

    private static IEnumerable<(DateTime Start, DateTime End, string Role, List<string> Others)> Runs(List<ShiftView> shifts, string personId)
    {
        (DateTime Start, DateTime End, string Role, List<string> Others)? run = null;
        foreach (var shift in shifts)
        {
            var me = shift.People.FirstOrDefault(p => p.PersonId == personId);
            if (me is not null && run is { } r && r.End == shift.Start && r.Role == me.Role)
            {
                run = r with { End = shift.End };
                continue;
            }
            if (run is { } done)
                yield return done;
            run = me is null ? null : (shift.Start, shift.End, me.Role, shift.People.Where(p => p.PersonId != personId).Select(p => $"{p.Name} ({p.Role})").ToList());
        }
        if (run is { } last)
            yield return last;
    }

    public static string FeedUrl(PublicUrl links, string token) => links.To($"/calendar/{token}.ics");

    /// <summary>The person's feed token, made the first time it is asked for. A person asks for their own; a manager for anyone's.</summary>
    public static async Task<string> CalendarTokenAsync(MusterDb db, string personId, ClaimsPrincipal user, CancellationToken ct = default)
    {
        // Anyone signed in may list people, so a 404 before the 403 reveals nothing new.
        var person = await db.People.FindAsync([personId], ct) ?? throw RequestException.NotFound("person", personId);
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) != personId && !user.IsAtLeast(Role.Manager))
            throw new RequestException(StatusCodes.Status403Forbidden, "Your role does not allow this.",
                new Dictionary<string, string[]> { ["id"] = ["You can get your own calendar feed; a manager can get anyone's."] });
        if (person.CalendarToken is null)
        {
            person.CalendarToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
            await db.SaveChangesAsync(ct);
        }
        return person.CalendarToken;
    }
}
