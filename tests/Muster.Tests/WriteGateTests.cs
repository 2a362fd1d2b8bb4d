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
}
