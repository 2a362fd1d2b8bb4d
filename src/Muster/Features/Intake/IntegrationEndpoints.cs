using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Intake;

public sealed record IntegrationRequest(string? Type, string? Name, int? IntervalSeconds = null, int? GraceSeconds = null, int? RateLimitPerMinute = null);

/// <param name="Url">The full URL to give the source; for the events API the secret is the routing key.</param>
public sealed record IntegrationView(string Id, string ServiceId, string Type, string Name, bool Enabled, string Secret, string Url,
    int? IntervalSeconds, int? GraceSeconds, int? RateLimitPerMinute, DateTime CreatedAt, DateTime? LastEventAt);

public static class IntegrationEndpoints
{
    public static readonly IReadOnlyList<string> Types = ["events", "prometheus", "alertmanager", "grafana", "zabbix", "heartbeat"];

    /// <summary>The types whose endpoint exists today; the others can be created ahead of their endpoint.</summary>

    public static void MapIntegrations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Integrations");
        api.MapGet("/services/{serviceId}/integrations", async (string serviceId, MusterDb db, PublicUrl links, CancellationToken ct) =>
            {
                var rows = await db.Integrations.Where(i => i.ServiceId == serviceId).OrderBy(i => i.Name).ToListAsync(ct);
                return TypedResults.Ok(rows.Select(i => View(i, links)).ToList());
            })
            .RequireAuthorization(Policies.Manager).WithSummary("A service's integrations, with their URLs and secrets.");
        api.MapPost("/services/{serviceId}/integrations", async (string serviceId, IntegrationRequest request, ClaimsPrincipal user, MusterDb db, PublicUrl links, TimeProvider time, CancellationToken ct) =>
            {
                var integration = await CreateAsync(db, serviceId, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/integrations/{integration.Id}", View(integration, links));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Create an integration: {type: events|prometheus|alertmanager|grafana|zabbix|heartbeat, name, intervalSeconds?, graceSeconds?}.");
        foreach (var verb in Changes)
        {
            api.MapPost($"/integrations/{{id}}/{verb}", async (string id, ClaimsPrincipal user, MusterDb db, IntakeIntegrations known, PublicUrl links, TimeProvider time,
                    CancellationToken ct) =>
                    TypedResults.Ok(View(await ChangeAsync(db, known, id, verb, user, time.GetUtcNow().UtcDateTime, ct), links)))
                .RequireAuthorization(Policies.Manager).WithSummary($"{verb[..1].ToUpperInvariant()}{verb[1..]} an integration.");
        }
    }

    /// <summary>What a manager may do to an integration: turn it off or on, or give it a new secret.</summary>
    public static readonly IReadOnlyList<string> Changes = ["disable", "enable", "rotate"];

    public static async Task<Integration> ChangeAsync(MusterDb db, IntakeIntegrations known, string id, string verb, ClaimsPrincipal? user, DateTime now,
        CancellationToken ct = default)
    {
        var integration = await db.Integrations.FindAsync([id], ct) ?? throw RequestException.NotFound("integration", id);
        var before = new { integration.Enabled };
        switch (verb)
        {
            case "disable": integration.Enabled = false; break;
            case "enable": integration.Enabled = true; break;
            case "rotate": integration.Secret = NewSecret(); break;
            default: throw new ArgumentOutOfRangeException(nameof(verb), verb, "disable, enable or rotate");
        }
        db.Record(user, $"integration.{verb}", "integration", integration.Id, before, new { integration.Enabled, rotated = verb == "rotate" }, now);
        await db.SaveChangesAsync(ct);
        known.Forget();
        return integration;
    }

    public static async Task<Integration> CreateAsync(MusterDb db, string serviceId, IntegrationRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var heartbeat = request.Type == "heartbeat";
        new Problems.Errors()
            .Check(request.Type is not null && Types.Contains(request.Type), "type", $"type is one of: {string.Join(", ", Types)}.")
            .Text(request.Name, "name", 100)
            .Check(!heartbeat || request.IntervalSeconds is >= 10, "intervalSeconds", "A heartbeat needs intervalSeconds of 10 or more.")
            .Check(request.GraceSeconds is null or >= 0, "graceSeconds", "graceSeconds cannot be negative.")
            .Check(request.RateLimitPerMinute is null or >= 1, "rateLimitPerMinute", "rateLimitPerMinute is 1 or more, or left out for no limit.")
            .ThrowIfAny();
        if (!await db.Services.AnyAsync(s => s.Id == serviceId, ct))
            throw RequestException.NotFound("service", serviceId);
        var integration = new Integration
        {
            ServiceId = serviceId,
            Type = request.Type!,
            Name = request.Name!.Trim(),
            Secret = NewSecret(),
            IntervalSeconds = request.IntervalSeconds,
            GraceSeconds = request.GraceSeconds,
            RateLimitPerMinute = request.RateLimitPerMinute,
            CreatedAt = now,
        };
        db.Integrations.Add(integration);
        if (heartbeat)
            await db.ScheduleAsync(HeartbeatHook.Work, $"{HeartbeatHook.Work}:{integration.Id}", HeartbeatHook.DueAt(integration, now), integration.Id, now, ct);
        db.Record(user, "integration.created", "integration", integration.Id, null, new { integration.ServiceId, integration.Type, integration.Name }, now);
        await db.SaveChangesAsync(ct);
        return integration;
    }

    /// <summary>32 hex characters, the length of a PagerDuty routing key, so clients that check it are content.</summary>
    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static IntegrationView View(Integration i, PublicUrl links)
    {
        var baseUrl = links.Base;
        var url = i.Type switch
        {
            "events" => $"{baseUrl}/v2/enqueue",
            "prometheus" => $"{baseUrl}/api/v2/alerts",
            // Made by Muster for people's reports; they arrive at each device's /r/{token} page.
            "reports" => $"{baseUrl}/devices",
            _ => $"{baseUrl}/hooks/{i.Type}/{i.Secret}",
        };
        return new IntegrationView(i.Id, i.ServiceId, i.Type, i.Name, i.Enabled, i.Secret, url, i.IntervalSeconds, i.GraceSeconds, i.RateLimitPerMinute, i.CreatedAt, i.LastEventAt);
    }
}
