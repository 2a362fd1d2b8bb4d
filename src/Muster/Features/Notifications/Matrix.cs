using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Features.OnCall;

namespace Muster.Features.Notifications;

/// <summary>
/// The plan's notification matrix: when an incident opens at a level or rises to it, the audiences
/// the plan names for that level are told by the channels it names. These messages inform; they go
/// out even after someone acknowledges, and through the same queue, throttle and log as pages.
/// </summary>
public static class Matrix
{
    public const string Kind = "matrix";

    public static async Task SendAsync(MusterDb db, Incident incident, PlanDefinition plan, DateTime now, CancellationToken ct = default)
    {
        if (!plan.Notify.TryGetValue(incident.SeverityLevel, out var entries) || entries.Count == 0)
            return;
        var service = await db.Services.AsNoTracking().FirstAsync(s => s.Id == incident.ServiceId, ct);
        var told = new List<string>();
        foreach (var entry in entries)
        {
            var due = now;
            if (entry.Audience == "channel")
            {
                var channels = await db.NotificationChannels.AsNoTracking()
                    .Where(c => c.Enabled && (entry.Channels.Contains(c.Name) || entry.Channels.Contains(c.Id))).ToListAsync(ct);
                foreach (var channel in channels)
                    await Outbox.QueueAsync(db, channel, incident.Id, Kind, due, now, ct);
                told.Add(string.Join(", ", channels.Select(c => c.Name)));
                continue;
            }
            var people = await AudienceAsync(db, entry, service, now, ct);
            var methods = await db.ContactMethods.AsNoTracking()
                .Where(m => people.Contains(m.PersonId) && entry.Channels.Contains(m.Type) && m.StoppedAt == null).ToListAsync(ct);
            foreach (var method in methods)
                await Outbox.QueueAsync(db, method, incident.Id, Kind, due, now, ct);
            told.Add($"{entry.Audience} ({people.Count}) by {string.Join("/", entry.Channels)}");
        }
        incident.RecordInformed(incident.SeverityLevel, string.Join("; ", told), now);
    }

    private static async Task<List<string>> AudienceAsync(MusterDb db, NotifyEntry entry, Service service, DateTime now, CancellationToken ct)
    {
        var active = db.People.AsNoTracking().Where(p => p.Active);
        return entry.Audience switch
        {
            "oncall" => (await OnCallLookup.ForServiceAsync(db, service.Id, now, ct)).Select(p => p.PersonId).ToList(),
            "team" => await active.Where(p => service.TeamId != null && p.TeamId == service.TeamId).Select(p => p.Id).ToListAsync(ct),
            "managers" => await active.Where(p => p.Role == "manager" || p.Role == "admin").Select(p => p.Id).ToListAsync(ct),
            "everyone" => await active.Select(p => p.Id).ToListAsync(ct),
            _ => await active.Where(p => entry.People.Contains(p.Email)).Select(p => p.Id).ToListAsync(ct),
        };
    }
}
