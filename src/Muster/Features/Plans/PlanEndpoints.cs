using System.Reflection;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.Plans;
using Muster.Infrastructure;

namespace Muster.Features.Plans;

public sealed record PlanSummary(string Id, string Key, string NameZh, string NameEn, int? ActiveVersion, string? ActiveVersionId, int Versions);

public sealed record PlanVersionView(string Id, string PlanId, int Version, bool Active, DateTime CreatedAt, string? CreatedBy, PlanDefinition Definition);

/// <summary>One error of a plan with its place: the JSON path, and the line and column in the text sent.</summary>
public sealed record PlanErrorView(string Path, string Message, int Line, int Column);

public sealed record PlanCheck(bool Valid, string? Key, IReadOnlyList<PlanErrorView> Errors);

public static class PlanEndpoints
{
    public const string YamlType = "application/yaml";

    /// <summary>The most a plan's text may be: far more than any real plan.</summary>
    public const int MaxPlanChars = 1_000_000;

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
        api.MapGet("/{idOrKey}/export", async (string idOrKey, MusterDb db, CancellationToken ct) =>
            {
                var plan = await FindAsync(db, idOrKey, ct);
                var version = await db.PlanVersions.FirstOrDefaultAsync(v => v.Id == plan.ActiveVersionId, ct)
                    ?? throw RequestException.NotFound("plan version", plan.Key);
                return Yaml(ExportText(version));
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("The active version as YAML: the text it was written in, comments and all.");
        api.MapGet("/{idOrKey}/versions", async (string idOrKey, MusterDb db, CancellationToken ct) =>
            {
                var plan = await FindAsync(db, idOrKey, ct);
                var versions = await db.PlanVersions.Where(v => v.PlanId == plan.Id).OrderByDescending(v => v.Version).ToListAsync(ct);
                return TypedResults.Ok(versions.Select(v => View(v, plan)).ToList());
            })
            .RequireAuthorization(Policies.Viewer).WithSummary("Every version of a plan, newest first.");
        api.MapGet("/{idOrKey}/versions/{version:int}", async (string idOrKey, int version, HttpRequest http, MusterDb db, CancellationToken ct) =>
            {
                var (plan, row) = await FindVersionAsync(db, idOrKey, version, ct);
                return WantsYaml(http) ? Yaml(ExportText(row)) : Results.Ok(View(row, plan));
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("One version of a plan: JSON, or its YAML when asked for application/yaml.");
        api.MapGet("/{idOrKey}/versions/{version:int}/export", async (string idOrKey, int version, MusterDb db, CancellationToken ct) =>
                Yaml(ExportText((await FindVersionAsync(db, idOrKey, version, ct)).Version)))
            .RequireAuthorization(Policies.Viewer).WithSummary("One version of a plan as YAML.");
        api.MapPost("/", async (HttpRequest http, bool? activate, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var (text, yaml) = await ReadTextAsync(http, ct);
                var (version, errors) = await SaveTextAsync(db, text, yaml, user, time.GetUtcNow().UtcDateTime, activate ?? true, ct);
                if (version is null)
                    throw Rejected(errors);
                var plan = await db.Plans.FirstAsync(p => p.Id == version.PlanId, ct);
                return TypedResults.Created($"/api/v1/plans/{plan.Key}/versions/{version.Version}", View(version, plan));
            })
            .Accepts<PlanDefinition>("application/json", YamlType)
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Store a plan (JSON, or YAML as application/yaml) as the next version of the plan with its key, and activate it unless ?activate=false. Versions never change; an invalid plan stores nothing and lists every error with its path, line and column.");
        api.MapPost("/validate", async (HttpRequest http, CancellationToken ct) =>
            {
                var (text, _) = await ReadTextAsync(http, ct);
                return TypedResults.Ok(Check(text));
            })
            .Accepts<PlanDefinition>("application/json", YamlType)
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Check a plan (JSON or YAML) without storing it: every error with its path, line and column.");
        api.MapPost("/{idOrKey}/versions/{version:int}/activate", async (string idOrKey, int version, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var (plan, row) = await FindVersionAsync(db, idOrKey, version, ct);
                await ActivateAsync(db, plan, row, user, time.GetUtcNow().UtcDateTime, ct);
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
    public static Task<PlanVersion> SaveAsync(MusterDb db, PlanDefinition definition, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default) =>
        SaveAsync(db, definition, user, now, null, true, ct);

    /// <summary>Validates and stores a definition, with the YAML it was written in, as a new version; activates it if asked.</summary>
    public static async Task<PlanVersion> SaveAsync(MusterDb db, PlanDefinition definition, ClaimsPrincipal? user, DateTime now,
        string? source, bool activate, CancellationToken ct = default)
    {
        var errors = PlanValidator.Validate(definition);
        if (errors.Count > 0)
            throw new RequestException(StatusCodes.Status400BadRequest, "The plan has errors.",
                errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        var version = await PlanCatalog.SaveVersionAsync(db, definition, user?.Identity?.Name, now, source, activate, ct);
        db.Record(user, "plan.version_created", "plan", version.PlanId, null,
            new { definition.Key, version.Version, active = activate, from = source is null ? "json" : "yaml" }, now);
        await db.SaveChangesAsync(ct);
        return version;
    }

    /// <summary>
    /// Reads a plan from its text (YAML, or JSON, which is YAML too) and stores it as a new version when it
    /// has no error; otherwise stores nothing and returns every error with its line and column.
    /// </summary>
    public static async Task<(PlanVersion? Version, IReadOnlyList<PlanProblem> Errors)> SaveTextAsync(MusterDb db, string text, bool keepSource,
        ClaimsPrincipal? user, DateTime now, bool activate, CancellationToken ct = default)
    {
        var parsed = PlanYaml.Parse(text);
        if (!parsed.Valid)
            return (null, parsed.Errors);
        return (await SaveAsync(db, parsed.Plan!, user, now, keepSource ? text : null, activate, ct), []);
    }

    public static async Task ActivateAsync(MusterDb db, Plan plan, PlanVersion row, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var before = plan.ActiveVersionId;
        plan.ActiveVersionId = row.Id;
        db.Record(user, "plan.activated", "plan", plan.Id, new { activeVersionId = before }, new { activeVersionId = row.Id, row.Version }, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Checks a plan's text without storing anything.</summary>
    public static PlanCheck Check(string text)
    {
        var parsed = PlanYaml.Parse(text);
        return new(parsed.Valid, parsed.Plan?.Key, parsed.Errors.Select(e => new PlanErrorView(e.Path, e.Message, e.Line, e.Column)).ToList());
    }

    /// <summary>A version's YAML: the text a person wrote, or, for a version made from JSON, YAML written from its definition.</summary>
    public static string ExportText(PlanVersion version) =>
        version.Source ?? PlanYaml.Write(PlanCatalog.Parse(version.Definition));

    /// <summary>The text of a plan that ships inside Muster: the default plan and the five demo plans (plans/*.yaml).</summary>
    public static string BuiltinSource(string key)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"plans/{key}.yaml")
            ?? throw new InvalidOperationException($"No built-in plan '{key}'.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A plan that ships inside Muster, read from its YAML.</summary>
    public static PlanDefinition Builtin(string key)
    {
        var parsed = PlanYaml.Parse(BuiltinSource(key));
        return parsed.Valid ? parsed.Plan! : throw new InvalidOperationException($"The built-in plan '{key}' has errors: {string.Join("; ", parsed.Errors)}");
    }

    /// <summary>Stores a built-in plan as the next version of its plan, keeping its YAML.</summary>
    public static Task<PlanVersion> SaveBuiltinAsync(MusterDb db, string key, DateTime now, CancellationToken ct = default) =>
        SaveAsync(db, Builtin(key), null, now, BuiltinSource(key), true, ct);

    /// <summary>400 with every error by path, and an extension member <c>locations</c> giving each error's line and column.</summary>
    public static RequestException Rejected(IReadOnlyList<PlanProblem> errors) =>
        new(StatusCodes.Status400BadRequest, "The plan has errors.",
            errors.GroupBy(e => e.Path.Length == 0 ? "body" : e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
        {
            Extensions = new Dictionary<string, object?>
            {
                ["locations"] = errors.Select(e => new PlanErrorView(e.Path.Length == 0 ? "body" : e.Path, e.Message, e.Line, e.Column)).ToList(),
            },
        };

    private static async Task<(string Text, bool Yaml)> ReadTextAsync(HttpRequest http, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Body, Encoding.UTF8);
        var buffer = new char[MaxPlanChars + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        if (read > MaxPlanChars)
            throw RequestException.Invalid("body", $"A plan is at most {MaxPlanChars:N0} characters.");
        var text = new string(buffer, 0, read);
        if (string.IsNullOrWhiteSpace(text))
            throw RequestException.Invalid("body", "The body is empty; send a plan as YAML (application/yaml) or JSON.");
        var type = http.ContentType ?? "";
        return (text, type.Contains("yaml", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase));
    }

    private static bool WantsYaml(HttpRequest http) =>
        http.Headers.Accept.Any(a => a is not null && a.Contains("yaml", StringComparison.OrdinalIgnoreCase));

    private static IResult Yaml(string text) => Results.Text(text, $"{YamlType}; charset=utf-8", Encoding.UTF8);

    public static async Task<Plan> FindAsync(MusterDb db, string idOrKey, CancellationToken ct) =>
        await db.Plans.FirstOrDefaultAsync(p => p.Id == idOrKey || p.Key == idOrKey, ct) ?? throw RequestException.NotFound("plan", idOrKey);

    public static async Task<(Plan Plan, PlanVersion Version)> FindVersionAsync(MusterDb db, string idOrKey, int version, CancellationToken ct)
    {
        var plan = await FindAsync(db, idOrKey, ct);
        var row = await db.PlanVersions.FirstOrDefaultAsync(v => v.PlanId == plan.Id && v.Version == version, ct)
            ?? throw RequestException.NotFound("plan version", $"{plan.Key} v{version}");
        return (plan, row);
    }

    private static async Task<PlanVersionView> VersionAsync(MusterDb db, Plan plan, string? versionId, CancellationToken ct)
    {
        var version = await db.PlanVersions.FirstOrDefaultAsync(v => v.Id == versionId, ct) ?? throw RequestException.NotFound("plan version", plan.Key);
        return View(version, plan);
    }

    private static PlanVersionView View(PlanVersion v, Plan plan) =>
        new(v.Id, v.PlanId, v.Version, plan.ActiveVersionId == v.Id, v.CreatedAt, v.CreatedBy, PlanCatalog.Parse(v.Definition));
}
