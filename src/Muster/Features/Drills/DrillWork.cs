using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Learning;
using Muster.Features.Notifications;
using Muster.Features.Notifications.Channels;
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

/// <summary>A drill's reminder: the scenario, when it runs, and its page.</summary>
public sealed class DrillReminder(MusterDb db, IOptions<MusterOptions> options, IStringLocalizer<SharedResource> text) : IMessageKind
{
    public IReadOnlyList<string> Kinds { get; } = [DrillWork.ReminderKind];

    public async Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct)
    {
        var notification = context.Notification;
        if (context.Person is null)
            return Rendered.Cancel("the person no longer exists");
        var scenarioId = notification.Subject?.StartsWith("drill:", StringComparison.Ordinal) == true ? notification.Subject[6..] : "";
        var scenario = await db.DrillScenarios.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scenarioId, ct);
        var when = scenario?.NextAt is { } at ? ReviewWork.Day(at, options.Value.Zone) : "";
        var url = $"{context.BaseUrl}/drills/{scenarioId}";
        var title = $"{text["notify.drill"]} {text["notify.drill_reminder_title", scenario?.Name ?? "", when]}";
        var body = string.Join('\n', title, text["notify.drill_reminder_body", scenario?.Name ?? "", when], text["notify.open_link", url]);
        var parameters = new Dictionary<string, string> { ["deadline"] = when, ["url"] = url, ["name"] = context.Person.DisplayName };
        var shortText = title.Length > 70 ? title[..69] + "…" : title;
        return new Rendered(new OutgoingMessage(notification.Kind, title, body, shortText, null, null, url, parameters, context.Culture.Name, true, notification.Id));
    }
}
