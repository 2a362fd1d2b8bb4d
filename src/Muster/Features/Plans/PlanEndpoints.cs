using System.Reflection;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Plans;
using Muster.Infrastructure;

namespace Muster.Features.Plans;

public sealed record PlanSummary(string Id, string Key, string NameZh, string NameEn, int? ActiveVersion, string? ActiveVersionId, int Versions);

public sealed record PlanVersionView(string Id, string PlanId, int Version, bool Active, DateTime CreatedAt, string? CreatedBy, PlanDefinition Definition);

public static class PlanEndpoints
{
    public static void MapPlans(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/plans").WithTags("Plans");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every plan with its active version.");
        api.MapGet("/{idOrKey}", async (string idOrKey, MusterDb db, CancellationToken ct) =>
            {
                var plan = await FindAsync(db, idOrKey, ct);
                return TypedResults.Ok(await VersionAsync(db, plan, plan.ActiveVersionId, ct));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("A plan's active version, with its definition.");
        api.MapGet("/{idOrKey}/versions", async (string idOrKey, MusterDb db, CancellationToken ct) =>
            {
                var plan = await FindAsync(db, idOrKey, ct);
                var versions = await db.PlanVersions.Where(v => v.PlanId == plan.Id).OrderByDescending(v => v.Version).ToListAsync(ct);
                return TypedResults.Ok(versions.Select(v => View(v, plan)).ToList());
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Every version of a plan, newest first.");
        api.MapPost("/", async (HttpRequest http, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var definition = await ReadAsync(http, ct);
                var version = await SaveAsync(db, definition, user, time.GetUtcNow().UtcDateTime, ct);
                var plan = await db.Plans.FirstAsync(p => p.Id == version.PlanId, ct);
                return TypedResults.Created($"/api/v1/plans/{plan.Key}", View(version, plan));
            })
            .Accepts<PlanDefinition>("application/json")
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Store a plan (JSON) as the next version of the plan with its key, and activate it. Versions never change.");
        api.MapPost("/{idOrKey}/versions/{version:int}/activate", async (string idOrKey, int version, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var plan = await FindAsync(db, idOrKey, ct);
                var row = await db.PlanVersions.FirstOrDefaultAsync(v => v.PlanId == plan.Id && v.Version == version, ct)
                    ?? throw RequestException.NotFound("plan version", $"{plan.Key} v{version}");
                var before = plan.ActiveVersionId;
                plan.ActiveVersionId = row.Id;
                db.Record(user, "plan.activated", "plan", plan.Id, new { activeVersionId = before }, new { activeVersionId = row.Id, version }, time.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
                return TypedResults.Ok(View(row, plan));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Make an earlier or later version the active one for new incidents.");
    }

    public static async Task<List<PlanSummary>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        await db.Plans.OrderBy(p => p.Key).Select(p => new PlanSummary(p.Id, p.Key, p.NameZh, p.NameEn,
                db.PlanVersions.Where(v => v.Id == p.ActiveVersionId).Select(v => (int?)v.Version).FirstOrDefault(), p.ActiveVersionId,
                db.PlanVersions.Count(v => v.PlanId == p.Id)))
            .ToListAsync(ct);

    /// <summary>Validates and stores a definition as a new version; the previous versions stay as they were.</summary>
    public static async Task<PlanVersion> SaveAsync(MusterDb db, PlanDefinition definition, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var errors = PlanValidator.Validate(definition);
        if (errors.Count > 0)
            throw new RequestException(StatusCodes.Status400BadRequest, "The plan has errors.",
                errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        var version = await PlanCatalog.SaveVersionAsync(db, definition, user?.Identity?.Name, now, ct);
        db.Record(user, "plan.version_created", "plan", version.PlanId, null, new { definition.Key, version.Version }, now);
        await db.SaveChangesAsync(ct);
        return version;
    }

    /// <summary>The plans that ship inside Muster: the default plan and the five demo plans.</summary>
    public static PlanDefinition Builtin(string key)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"plans/{key}.json")
            ?? throw new InvalidOperationException($"No built-in plan '{key}'.");
        return JsonSerializer.Deserialize<PlanDefinition>(stream, PlanCatalog.Json)!;
    }

    private static async Task<PlanDefinition> ReadAsync(HttpRequest http, CancellationToken ct)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<PlanDefinition>(http.Body, PlanCatalog.Json, ct)
                ?? throw RequestException.Invalid("body", "The body is empty; send a plan as JSON.");
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw RequestException.Invalid(path, $"The plan is not valid JSON here: {e.Message.Split(". Path:")[0]}.");
        }
    }

    private static async Task<Plan> FindAsync(MusterDb db, string idOrKey, CancellationToken ct) =>
        await db.Plans.FirstOrDefaultAsync(p => p.Id == idOrKey || p.Key == idOrKey, ct) ?? throw RequestException.NotFound("plan", idOrKey);

    private static async Task<PlanVersionView> VersionAsync(MusterDb db, Plan plan, string? versionId, CancellationToken ct)
    {
        var version = await db.PlanVersions.FirstOrDefaultAsync(v => v.Id == versionId, ct) ?? throw RequestException.NotFound("plan version", plan.Key);
        return View(version, plan);
    }

    private static PlanVersionView View(PlanVersion v, Plan plan) =>
        new(v.Id, v.PlanId, v.Version, plan.ActiveVersionId == v.Id, v.CreatedAt, v.CreatedBy, PlanCatalog.Parse(v.Definition));
}
