using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Operations;

public static class OperationsEndpoints
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/readyz", async (MusterDb db, CancellationToken ct) =>
            {
                try
                {
                    var pending = await db.Database.GetPendingMigrationsAsync(ct);
                    return pending.Any()
                        ? Results.Problem(title: "The database is not migrated.", detail: "Run 'muster migrate'.", statusCode: 503)
                        : Results.Text("ready");
                }
                catch (Exception e)
                {
                    return Results.Problem(title: "The database cannot be reached.", detail: e.Message, statusCode: 503);
                }
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/metrics", async (MusterDb db, IOptions<MusterOptions> options, CancellationToken ct) =>
            {
                if (!options.Value.MetricsEnabled)
                    return Results.NotFound();
                // Status is stored as its name: "Status < Resolved" would compare text in SQL.
                var openStatuses = Enum.GetValues<IncidentStatus>().Where(s => s < IncidentStatus.Resolved).ToArray();
                var open = await db.Incidents.Where(i => openStatuses.Contains(i.Status))
                    .GroupBy(i => i.SeverityRank).Select(g => new { Rank = g.Key, Count = g.Count() }).ToListAsync(ct);
                var work = await db.WorkItems.CountAsync(ct);
                var gauges = open.Select(o => ($"muster_open_incidents{{rank=\"{o.Rank}\"}}", (double)o.Count))
                    .Append(("muster_work_items_pending", work));
                return Results.Text(MusterMetrics.Render(gauges), "text/plain; version=0.0.4");
            })
            .AllowAnonymous().ExcludeFromDescription();
    }
}
