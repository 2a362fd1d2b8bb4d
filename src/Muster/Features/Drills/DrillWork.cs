using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Learning;
using Muster.Features.Reviews;
using Muster.Infrastructure;

namespace Muster.Features.Drills;

/// <summary>
/// Reminds a drill's participants so many days before each occurrence, then looks ahead to the
/// next one. One work item per scenario, carrying the occurrence it reminds of.
/// </summary>
public sealed class DrillWork(MusterDb db, TimeProvider time, IOptions<MusterOptions> options) : IWorkHandler
{
    public const string WorkKind = "drill-reminder";
    public const string ReminderKind = "drill-reminder";

    public string Kind => WorkKind;

    public static string Key(string scenarioId) => $"{WorkKind}:{scenarioId}";

    public static QuarterlyRecurrence? Recurrence(DrillScenario s) =>
        s.QuarterMonth is { } m && s.QuarterDay is { } d
            ? new QuarterlyRecurrence(m, d, TimeOnly.TryParseExact(s.QuarterTime, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : new TimeOnly(10, 0))
            : null;

    /// <summary>Sets the next occurrence and schedules its reminder (or removes it when there is none). The caller saves.</summary>
    public static async Task PlanAsync(MusterDb db, DrillScenario scenario, TimeZoneInfo zone, DateTime now, DateTime? after = null, CancellationToken ct = default)
    {
        var next = scenario.Active ? DrillSchedule.Next(Recurrence(scenario), scenario.OneOffAt, zone, after ?? now) : null;
        scenario.NextAt = next;
        if (next is { } at)
            await db.ScheduleAsync(WorkKind, Key(scenario.Id), DrillSchedule.ReminderAt(at, scenario.ReminderDays, now), at.ToString("O", CultureInfo.InvariantCulture), now, ct);
        else
            await db.CancelAsync(Key(scenario.Id), ct);
    }

    public async Task HandleAsync(WorkItem item, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var scenario = await db.DrillScenarios.FirstOrDefaultAsync(s => s.Id == item.Key.Substring(WorkKind.Length + 1), ct);
        if (scenario is not { Active: true } || !DateTime.TryParse(item.Payload, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var occurrence))
            return;
        occurrence = occurrence.ToUniversalTime();
        scenario.NextAt = occurrence;
        var participants = JsonSerializer.Deserialize<List<string>>(scenario.Participants) ?? [];
        var active = await db.People.AsNoTracking().Where(p => participants.Contains(p.Id) && p.Active).Select(p => p.Id).ToListAsync(ct);
        await ReviewWork.QueueAsync(db, active, ReminderKind, $"drill:{scenario.Id}", null, now, ct);
        // The reminder names this occurrence; the next reminder is for the one after it.
        await db.SaveChangesAsync(ct);
        await PlanAsync(db, scenario, options.Value.Zone, now, occurrence, ct);
        scenario.NextAt = occurrence;
        await db.SaveChangesAsync(ct);
    }
}
