using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Features.Incidents;
using Muster.Features.Plans;
using Muster.Infrastructure;

namespace Muster.Browser.Tests;

public sealed class IncidentRoomTests(MusterServer server) : IClassFixture<MusterServer>
{
    private static LocalizedText Text(string zh, string en) => new() { ZhCn = zh, En = en };

    /// <summary>A service under a plan whose every incident has two tasks for the commander, who is the responder.</summary>
    private async Task<string> IncidentAsync()
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var now = DateTime.UtcNow;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var plan = PlanEndpoints.Builtin("default") with
        {
            Key = "room-" + tag,
            Roles = [new() { Key = "commander", Name = Text("指挥长", "Commander"), Default = new() { People = [MusterServer.ResponderEmail] } }],
            Checklists =
            [
                new()
                {
                    Steps =
                    [
                        new() { Key = "convene", Title = Text("召集应急小组", "Convene the response group"), Role = "commander", WithinMinutes = 10 },
                        new() { Key = "backup", Title = Text("启用备用设备", "Switch on the backup device"), Role = "commander", WithinMinutes = 30, Mitigation = true },
                    ],
                },
            ],
        };
        var version = await PlanCatalog.SaveVersionAsync(db, plan, null, now, source: null, activate: true);
        await db.SaveChangesAsync();
        var service = new Service { Name = "Room kiosks " + tag, PlanId = version.PlanId, CreatedAt = now };
        db.Services.Add(service);
        await db.SaveChangesAsync();
        var actions = scope.ServiceProvider.GetRequiredService<IncidentActions>();
        var incident = await actions.DeclareAsync(new DeclareRequest("Kiosk card readers offline", service.Id), new Actor(null, "test"));
        return incident.Reference;
    }

    [Fact]
    public async Task Two_people_watch_one_incident_and_one_sees_the_others_task_completion_without_reloading()
    {
        var number = await IncidentAsync();
        var doer = await server.NewPageAsync();
        await MusterServer.SignInAsync(doer, MusterServer.ResponderEmail);
        var watcher = await server.NewPageAsync();
        await MusterServer.SignInAsync(watcher, MusterServer.ViewerEmail);

        await watcher.GotoAsync($"/incidents/{number}");
        await Assertions.Expect(watcher.Locator("tr[data-task='convene']")).ToHaveAttributeAsync("data-state", "open");
        await Assertions.Expect(watcher.Locator("tr[data-task='convene']")).ToContainTextAsync("Dan Duty");
        // The watcher's stream is open, and a mark on its window tells whether the page was reloaded.
        await Assertions.Expect(watcher.Locator(".room.live")).ToHaveCountAsync(1);
        await watcher.EvaluateAsync("() => window.__notReloaded = true");

        await doer.GotoAsync($"/incidents/{number}");
        await doer.Locator("tr[data-task='convene'] button[data-action='done']").ClickAsync();
        await Assertions.Expect(doer.Locator("tr[data-task='convene']")).ToHaveAttributeAsync("data-state", "done");

        await Assertions.Expect(watcher.Locator("tr[data-task='convene']")).ToHaveAttributeAsync("data-state", "done");
        await Assertions.Expect(watcher.Locator("ol.timeline li").First).ToContainTextAsync("Task done: Convene the response group");
        Assert.True(await watcher.EvaluateAsync<bool>("() => window.__notReloaded === true"));

        // The mitigation step moves the status in the watcher's header too.
        await doer.Locator("tr[data-task='backup'] button[data-action='done']").ClickAsync();
        await Assertions.Expect(watcher.Locator(".incident-head .status")).ToHaveTextAsync("mitigated");
        Assert.True(await watcher.EvaluateAsync<bool>("() => window.__notReloaded === true"));
        await Screenshots.TakeAsync(watcher, "incident-room-live");

        // Both tasks are done, in the database as on both pages.
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var n = int.Parse(number[4..], System.Globalization.CultureInfo.InvariantCulture);
        var id = await db.Incidents.Where(i => i.Number == n).Select(i => i.Id).FirstAsync();
        var open = await db.IncidentTasks.CountAsync(t => t.IncidentId == id && t.State == "open");
        Assert.Equal(0, open);
    }
}
