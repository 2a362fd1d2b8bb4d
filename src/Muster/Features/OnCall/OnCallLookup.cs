using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.OnCall;

namespace Muster.Features.OnCall;

/// <summary>Who is on call, from the stored schedules, overrides and calendars, through the domain's resolver.</summary>
public static class OnCallLookup
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ScheduleDefinition Definition(Schedule schedule) =>
        JsonSerializer.Deserialize<ScheduleDefinition>(schedule.Definition, Json)
        ?? throw new InvalidOperationException($"Schedule {schedule.Id} has no definition.");

    public static EscalationPolicyDefinition Definition(EscalationPolicy policy) =>
        JsonSerializer.Deserialize<EscalationPolicyDefinition>(policy.Definition, Json)
        ?? throw new InvalidOperationException($"Escalation policy {policy.Id} has no definition.");

    public static async Task<WorkingCalendar> CalendarAsync(MusterDb db, string? calendarId, CancellationToken ct = default)
    {
        if (calendarId is null)
            return WorkingCalendar.WeekendsOnly;
        var entries = await db.WorkingCalendars.Where(c => c.Id == calendarId).Select(c => c.Entries).FirstOrDefaultAsync(ct);
        return entries is null ? WorkingCalendar.WeekendsOnly : WorkingCalendarParser.Parse(entries).Calendar ?? WorkingCalendar.WeekendsOnly;
    }

    public static async Task<IReadOnlyList<Override>> OverridesAsync(MusterDb db, string scheduleId, DateTime from, DateTime to, CancellationToken ct = default) =>
        (await db.ScheduleOverrides.AsNoTracking().Where(o => o.ScheduleId == scheduleId && o.EndsAt > from && o.StartsAt < to).ToListAsync(ct))
        .Select(o => new Override
        {
            Id = o.Id,
            Start = o.StartsAt,
            End = o.EndsAt,
            Kind = Enum.Parse<OverrideKind>(o.Kind, ignoreCase: true),
            PersonId = o.PersonId,
            ReplacesPersonId = o.ReplacesPersonId,
            CreatedAt = o.CreatedAt,
        })
        .ToList();

    /// <summary>The final schedule (layers, calendar and overrides) over a period.</summary>
    public static async Task<IReadOnlyList<ShiftSegment>> ResolveAsync(MusterDb db, Schedule schedule, DateTime from, DateTime to, CancellationToken ct = default) =>
        ScheduleResolver.Resolve(Definition(schedule), await CalendarAsync(db, schedule.CalendarId, ct), await OverridesAsync(db, schedule.Id, from, to, ct), from, to);

    /// <summary>The people on call on a schedule at an instant, primary first.</summary>
    public static async Task<IReadOnlyList<OnCallPerson>> AtAsync(MusterDb db, string scheduleId, DateTime at, CancellationToken ct = default)
    {
        var schedule = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scheduleId, ct);
        if (schedule is null)
            return [];
        return ScheduleResolver.OnCallAt(Definition(schedule), await CalendarAsync(db, schedule.CalendarId, ct),
            await OverridesAsync(db, schedule.Id, at, at.AddTicks(1), ct), at);
    }

    /// <summary>
    /// The people an escalation step's targets name at an instant: a person, the people on call on a
    /// schedule (with their shift role), or a team's active members. Each person once, in order.
    /// </summary>
    public static async Task<IReadOnlyList<OnCallPerson>> TargetsAsync(MusterDb db, IEnumerable<EscalationTarget> targets, DateTime at, CancellationToken ct = default)
    {
        var people = new List<OnCallPerson>();
        foreach (var target in targets)
        {
            IEnumerable<OnCallPerson> found = target.Type switch
            {
                EscalationTargetType.Person => [new OnCallPerson(target.Id, "person")],
                EscalationTargetType.Schedule => await AtAsync(db, target.Id, at, ct),
                _ => (await db.People.Where(p => p.TeamId == target.Id && p.Active).OrderBy(p => p.DisplayName).Select(p => p.Id).ToListAsync(ct))
                    .Select(id => new OnCallPerson(id, "team")),
            };
            foreach (var person in found)
                if (!people.Exists(p => p.PersonId == person.PersonId))
                    people.Add(person);
        }
        return people;
    }

    /// <summary>Who is on call now for a service: the first step of its escalation policy.</summary>
    public static async Task<IReadOnlyList<OnCallPerson>> ForServiceAsync(MusterDb db, string serviceId, DateTime at, CancellationToken ct = default)
    {
        var policyId = await db.Services.Where(s => s.Id == serviceId).Select(s => s.EscalationPolicyId).FirstOrDefaultAsync(ct);
        var policy = policyId is null ? null : await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId, ct);
        if (policy is null)
            return [];
        var steps = Definition(policy).Steps;
        return steps.Count == 0 ? [] : await TargetsAsync(db, steps[0].Targets, at, ct);
    }
}
