using System.Security.Claims;
using System.Text.Json;
using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>Writes a configuration change to the audit log, in the same save as the change itself.</summary>
public static class Audit
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Record(this MusterDb db, ClaimsPrincipal? user, string action, string entityType, string entityId,
        object? before, object? after, DateTime now)
    {
        var actor = user?.Identity?.IsAuthenticated == true ? user.Actor() : new Domain.Incidents.Actor(null, "muster (command line)");
        db.AuditEntries.Add(new AuditEntry
        {
            At = now,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
        });
    }
}
