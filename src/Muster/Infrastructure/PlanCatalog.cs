using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Plans;

namespace Muster.Infrastructure;

/// <summary>Reads plan versions. A version never changes, so each is parsed once per process.</summary>
public sealed class PlanCatalog
{
    public const string DefaultKey = "default";

    public static readonly JsonSerializerOptions Json = PlanJson.Options;

    private readonly ConcurrentDictionary<string, PlanDefinition> versions = new();

    public async Task<PlanDefinition> GetAsync(MusterDb db, string versionId, CancellationToken ct = default)
    {
        if (versions.TryGetValue(versionId, out var plan))
            return plan;
        var json = await db.PlanVersions.Where(v => v.Id == versionId).Select(v => v.Definition).FirstAsync(ct);
        return versions[versionId] = Parse(json);
    }

    public static PlanDefinition Parse(string json) =>
        JsonSerializer.Deserialize<PlanDefinition>(json, Json) ?? throw new JsonException("The plan is empty.");

    /// <summary>The active version for a service's new incidents: its own plan's, else the default plan's.</summary>
    public async Task<(string VersionId, PlanDefinition Plan)> ActiveForAsync(MusterDb db, Service service, CancellationToken ct = default)
    {
        var versionId = await db.Plans
            .Where(p => service.PlanId != null ? p.Id == service.PlanId : p.Key == DefaultKey)
            .Select(p => p.ActiveVersionId)
            .FirstOrDefaultAsync(ct)
            ?? await db.Plans.Where(p => p.Key == DefaultKey).Select(p => p.ActiveVersionId).FirstOrDefaultAsync(ct)
            ?? throw RequestException.Unprocessable("serviceId", $"The service '{service.Name}' has no active plan; give it one under Services.");
        return (versionId, await GetAsync(db, versionId, ct));
    }

    /// <summary>Stores a plan definition (and the YAML it was written in, if any) as the next version of its plan, and makes it active unless told not to.</summary>
    public static async Task<PlanVersion> SaveVersionAsync(MusterDb db, PlanDefinition definition, string? by, DateTime now,
        string? source, bool activate, CancellationToken ct = default)
    {
        var plan = await db.Plans.FirstOrDefaultAsync(p => p.Key == definition.Key, ct);
        if (plan is null)
        {
            plan = new Plan { Key = definition.Key, CreatedAt = now };
            db.Plans.Add(plan);
        }
        plan.NameZh = definition.Name.ZhCn;
        plan.NameEn = definition.Name.En;
        var last = await db.PlanVersions.Where(v => v.PlanId == plan.Id).MaxAsync(v => (int?)v.Version, ct) ?? 0;
        var version = new PlanVersion
        {
            PlanId = plan.Id,
            Version = last + 1,
            Definition = JsonSerializer.Serialize(definition, Json),
            CreatedAt = now,
            CreatedBy = by,
            Source = source,
        };
        db.PlanVersions.Add(version);
        if (activate)
            plan.ActiveVersionId = version.Id;
        return version;
    }
}
