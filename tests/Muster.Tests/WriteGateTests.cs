using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>On SQLite every save queues for one in-process gate; no kind of failed save may keep it.</summary>
public sealed class WriteGateTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    [Fact]
    public async Task A_save_that_loses_a_concurrency_race_lets_the_next_save_through()
    {
        var serviceId = await app.ServiceAsync($"gate {Guid.NewGuid():N}");
        var declared = await (await app.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Gate check", serviceId })).JsonAsync();
        var id = declared.GetProperty("id").GetString();

        await using var first = app.Services.CreateAsyncScope();
        await using var second = app.Services.CreateAsyncScope();
        var a = first.ServiceProvider.GetRequiredService<MusterDb>();
        var b = second.ServiceProvider.GetRequiredService<MusterDb>();
        var mine = await a.Incidents.FirstAsync(i => i.Id == id);
        var theirs = await b.Incidents.FirstAsync(i => i.Id == id);
        mine.MoveTo(Domain.Incidents.IncidentStatus.Acknowledged, Domain.Incidents.Actor.System, app.Time.UtcNow.AddSeconds(1), "first");
        await a.SaveChangesAsync();
        theirs.MoveTo(Domain.Incidents.IncidentStatus.Resolved, Domain.Incidents.Actor.System, app.Time.UtcNow.AddSeconds(2), "second");
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());

        // Anything else that writes still gets through: the loser gave the gate back.
        var note = app.Client(Role.Responder).PostJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "after the race" });
        var response = await note.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(response.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Messages_that_make_the_link_key_at_once_agree_on_it_and_keep_what_they_track()
    {
        // Seven messages found no key and each tried to make it; the losers used to clear their own
        // context, so a message sent was never marked sent. Now they agree and keep their changes.
        var scopes = Enumerable.Range(0, 6).Select(_ => app.Services.CreateAsyncScope()).ToList();
        try
        {
            var contexts = scopes.Select(s => s.ServiceProvider.GetRequiredService<MusterDb>()).ToList();
            var tracked = contexts.Select(db => db.Teams.Add(new Team { Name = $"t {Guid.NewGuid():N}", CreatedAt = app.Time.UtcNow }).Entity).ToList();
            var keys = await Task.WhenAll(contexts.Select(db => Features.Notifications.ActionLinks.KeyAsync(db)));
            Assert.Single(keys.Select(Convert.ToBase64String).Distinct());
            for (var i = 0; i < contexts.Count; i++)
                Assert.Equal(EntityState.Added, contexts[i].Entry(tracked[i]).State);
        }
        finally
        {
            foreach (var scope in scopes)
                await scope.DisposeAsync();
        }
    }
}
