using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Infrastructure;

namespace Muster.Features.ApiKeys;

public sealed record ApiKeyRequest(string? Name, string? Role);

public sealed record ApiKeyView(string Id, string Name, string Role, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <param name="Key">Shown this once; only its hash is kept.</param>
public sealed record NewApiKey(string Id, string Name, string Role, string Key);

public static class ApiKeyEndpoints
{
    public static void MapApiKeys(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/apikeys").WithTags("API keys");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await db.ApiKeys.OrderBy(k => k.Name)
                .Select(k => new ApiKeyView(k.Id, k.Name, k.Role, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithSummary("Every API key (never the key itself).");
        api.MapPost("/", async (ApiKeyRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var created = await CreateAsync(db, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/apikeys/{created.Id}", created);
            })
            .RequireAuthorization(Policies.Admin).WithSummary("Create a key: {name, role}; the answer holds the key, once.");
        api.MapDelete("/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                await RevokeAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Admin).WithSummary("Revoke a key; it stops working at once.");
    }

    /// <summary>Revokes a key at once; revoking it again keeps the first moment.</summary>
    public static async Task RevokeAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var key = await db.ApiKeys.FindAsync([id], ct) ?? throw RequestException.NotFound("API key", id);
        key.RevokedAt ??= now;
        db.Record(user, "apikey.revoked", "apikey", key.Id, null, new { key.Name, key.Role }, now);
        await db.SaveChangesAsync(ct);
    }

    public static async Task<NewApiKey> CreateAsync(MusterDb db, ApiKeyRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Text(request.Name, "name", 100)
            .Check(Roles.TryParse(request.Role, out _), "role", "role is one of: admin, manager, responder, viewer.")
            .ThrowIfAny();
        var (key, prefix, hash) = ApiKeyHandler.NewKey();
        var row = new ApiKey { Name = request.Name!.Trim(), Role = Roles.Parse(request.Role).Name(), Prefix = prefix, Hash = hash, CreatedAt = now };
        db.ApiKeys.Add(row);
        db.Record(user, "apikey.created", "apikey", row.Id, null, new { row.Name, row.Role, row.Prefix }, now);
        await db.SaveChangesAsync(ct);
        return new NewApiKey(row.Id, row.Name, row.Role, key);
    }
}
