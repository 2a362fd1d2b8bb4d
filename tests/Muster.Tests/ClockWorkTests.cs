using Microsoft.EntityFrameworkCore;
using Muster.Domain.Incidents;
using Muster.Domain.People;
using Muster.Features.Demo;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Breaches and time-based levels come from the durable work table, once, across restarts.</summary>
public sealed class ClockWorkTests
{
    [Fact]
    public async Task A_breach_is_written_to_the_timeline_when_it_happens_and_only_once()
    {
        using var app = new MusterFactory();
        var client = app.Client(Role.Responder);
        var serviceId = await app.ServiceAsync("breach");
        var id = (await (await client.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId, impact = new { affectedUsers = 20_000 } })).JsonAsync())
            .GetProperty("id").GetString()!;

        app.Time.Advance(TimeSpan.FromMinutes(4));
        await app.RunDueWorkAsync();
        Assert.Equal(0, await BreachesAsync(app, id));

        app.Time.Advance(TimeSpan.FromMinutes(2));
        await app.RunDueWorkAsync();
        await app.RunDueWorkAsync();

        var breaches = await app.WithDb(db => db.TimelineEntries.Where(e => e.IncidentId == id && e.Kind == TimelineKinds.SlaBreached).ToListAsync());
        // Level 1 of the default plan: acknowledge in 5 minutes; assess takes 15, so it is still running.
        Assert.Equal(["acknowledge"], breaches.Select(b => b.From));
        Assert.Equal(app.Time.UtcNow.AddMinutes(-1), breaches[0].At);
        var incident = await (await client.GetAsync($"/api/v1/incidents/{id}")).JsonAsync();
        Assert.Equal("breached", incident.GetProperty("clocks")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_breach_fires_after_a_restart_too_once()
    {
        var database = new TestDatabase();
        try
        {
            string id;
            using (var before = MusterFactory.On(database))
            {
                var serviceId = await before.ServiceAsync("restart");
                id = (await (await before.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId, impact = new { affectedUsers = 20_000 } })).JsonAsync())
                    .GetProperty("id").GetString()!;
            }

            using var after = MusterFactory.On(database);
            after.Time.Advance(TimeSpan.FromMinutes(20));
            Assert.True(await after.RunDueWorkAsync() >= 1);
            await DrainAsync(after);
            Assert.Equal(2, await BreachesAsync(after, id));

            after.Time.Advance(TimeSpan.FromMinutes(20));
            await DrainAsync(after);
            // Repair (30 minutes) has now passed too: one more, and none of the first two again.
            Assert.Equal(3, await BreachesAsync(after, id));
        }
        finally
        {
            database.Dispose();
        }
    }

    [Fact]
    public async Task An_outage_that_passes_four_hours_raises_the_level_by_itself()
    {
        using var app = new MusterFactory();
        await app.WithDb(db => DemoData.LoadAsync(db, app.Time.UtcNow));
        var serviceId = await app.WithDb(db => db.Services.Where(s => s.Name == "客服热线与APP").Select(s => s.Id).FirstAsync());
        var client = app.Client(Role.Responder);
        var incident = await (await client.PostJsonAsync("/api/v1/incidents", new { title = "hotline down", serviceId, startedAt = app.Time.UtcNow.AddHours(-3) })).JsonAsync();
        var id = incident.GetProperty("id").GetString()!;
        Assert.Equal("L3", incident.GetProperty("severity").GetProperty("level").GetString());
        await client.PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", new { });

        app.Time.Advance(TimeSpan.FromMinutes(59));
        await app.RunDueWorkAsync();
        Assert.Equal("L3", await LevelAsync(client, id));

        app.Time.Advance(TimeSpan.FromMinutes(2));
        // The demo policy's escalation runs in the other lane at the same instant, so the level's item may run twice.
        await DrainAsync(app);
        Assert.Equal("L1", await LevelAsync(client, id));
        var raised = await app.WithDb(db => db.TimelineEntries.SingleAsync(e => e.IncidentId == id && e.Kind == TimelineKinds.SeverityRaised));
        Assert.Contains("outageMinutes > 240", raised.Note);
        Assert.Null(raised.ActorId);
    }

    [Fact]
    public async Task A_level_change_recomputes_the_deadlines()
    {
        using var app = new MusterFactory();
        var client = app.Client(Role.Responder);
        var serviceId = await app.ServiceAsync("recompute");
        var incident = await (await client.PostJsonAsync("/api/v1/incidents", new { title = "x", serviceId })).JsonAsync();
        var id = incident.GetProperty("id").GetString()!;
        var declaredAt = incident.GetProperty("declaredAt").GetDateTime();
        Assert.Equal(declaredAt.AddMinutes(30), incident.GetProperty("clocks")[0].GetProperty("deadline").GetDateTime());

        var raised = await (await client.PatchAsync($"/api/v1/incidents/{id}/impact",
            new StringContent("""{"affectedUsers": 50000}""", System.Text.Encoding.UTF8, "application/json"))).JsonAsync();

        Assert.Equal(declaredAt.AddMinutes(5), raised.GetProperty("clocks")[0].GetProperty("deadline").GetDateTime());
        var due = await app.WithDb(db => db.WorkItems.SingleAsync(w => w.Key == $"incident-clock:{id}"));
        Assert.Equal(declaredAt.AddMinutes(5), due.DueAt);
    }

    /// <summary>
    /// Runs what is due until nothing is, 5 seconds at a time (a minute at most): items of one
    /// incident that run at once (its clock, its tasks, its escalation) collide on its concurrency
    /// token, and the loser runs again after a backoff of a few seconds.
    /// </summary>
    private static async Task DrainAsync(MusterFactory app)
    {
        for (var i = 0; i < 12 && await app.RunDueWorkAsync() > 0; i++)
            app.Time.Advance(TimeSpan.FromSeconds(5));
    }

    private static Task<int> BreachesAsync(MusterFactory app, string id) =>
        app.WithDb(db => db.TimelineEntries.CountAsync(e => e.IncidentId == id && e.Kind == TimelineKinds.SlaBreached));

    private static async Task<string?> LevelAsync(HttpClient client, string id) =>
        (await (await client.GetAsync($"/api/v1/incidents/{id}")).JsonAsync()).GetProperty("severity").GetProperty("level").GetString();
}
