using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests.Notifications;

/// <summary>Counts the transactions committed, and fails them while <see cref="Fail"/> is set (a process that dies before its commit).</summary>
public sealed class CommitCounter : DbTransactionInterceptor
{
    private int commits;
    private volatile bool fail;

    public int Commits => Volatile.Read(ref commits);

    public bool Fail
    {
        get => fail;
        set => fail = value;
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result,
        CancellationToken cancellationToken = default) =>
        fail ? throw new InvalidOperationException("the process died before the commit") : ValueTask.FromResult(result);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref commits);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Many messages due at once go out in batches: sent side by side, their outcomes recorded in one
/// commit a batch, each with its own idempotency key; a receiver that fails holds back and doubles
/// nobody else's, and a commit that never happens sends again with the same keys.
/// </summary>
public sealed class DeliveryBatchTests : IAsyncLifetime
{
    private readonly CommitCounter commits = new();
    private readonly StandIn hooks = new();
    private MusterFactory App { get; set; } = default!;

    public async Task InitializeAsync()
    {
        await hooks.InitializeAsync();
        hooks.Vendor = seen => seen.Path switch
        {
            "/bad" => Answer.Json("{\"error\":\"down\"}", 503),
            "/gone" => Answer.Json("{\"error\":\"no such hook\"}", 404),
            _ => Answer.Json("{}"),
        };
        App = new MusterFactory
        {
            Configure = b =>
            {
                b.UseSetting("Muster:Work:BatchSize", "40");
                b.ConfigureTestServices(s => s.ConfigureDbContext<MusterDb>((_, o) => o.AddInterceptors(commits)));
            },
        };
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await hooks.DisposeAsync();
    }

    /// <summary>One open incident and a page of it due now to each of so many people per path, each by a webhook to that path.</summary>
    private async Task<Dictionary<string, List<string>>> PagesAsync(params (string Path, int Count)[] receivers)
    {
        var serviceId = await App.ServiceAsync($"batch delivery {Guid.NewGuid():N}");
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Till network down", serviceId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var incidentId = (await response.JsonAsync()).GetProperty("id").GetString()!;
        await App.RunDueWorkAsync();
        var now = App.Time.UtcNow;
        return await App.WithDb(async db =>
        {
            var made = new Dictionary<string, List<string>>();
            foreach (var (path, count) in receivers)
            {
                var channel = new NotificationChannel { Type = "webhook", Name = $"hook {path} {Guid.NewGuid():N}", Settings = $$"""{"url":"{{hooks.Url}}{{path}}","secret":"s3cret"}""", CreatedAt = now };
                db.NotificationChannels.Add(channel);
                made[path] = [];
                for (var i = 0; i < count; i++)
                {
                    var person = new Person { Email = $"d{i}.{Guid.NewGuid():N}@muster.test", DisplayName = $"Duty {i}", Role = "responder", Language = "en", CreatedAt = now };
                    var method = new ContactMethod { PersonId = person.Id, Type = "webhook", Address = "-", ChannelId = channel.Id, CreatedAt = now };
                    db.People.Add(person);
                    db.ContactMethods.Add(method);
                    var page = Outbox.Message(method, incidentId, PageMessages.PageKind, now, now, step: 1, round: 0);
                    Outbox.Enqueue(db, page, now);
                    made[path].Add(page.Id);
                }
            }
            await db.SaveChangesAsync();
            return made;
        });
    }

    private List<string> Keys(string path) => hooks.Requests.Where(r => r.Path == path).Select(r => r.Header("Idempotency-Key")).ToList();

    [Fact]
    public async Task Many_due_messages_are_sent_once_each_with_their_own_key_and_recorded_in_a_commit_a_batch_while_a_failing_receiver_holds_back_nobody()
    {
        var pages = await PagesAsync(("/good", 100), ("/bad", 3), ("/gone", 3));
        var bad = pages;
        var before = commits.Commits;

        await App.RunDueWorkAsync();

        // Every page to the good receiver went once, each with its own key: its notification's id.
        Assert.Equal(pages["/good"].Order(), Keys("/good").Order());
        // 106 messages in batches of about 40: a handful of commits, not one a message.
        Assert.InRange(commits.Commits - before, 1, 5);
        var rows = await App.WithDb(db => db.Notifications.AsNoTracking().Where(n => n.Kind == PageMessages.PageKind && n.Step == 1).ToDictionaryAsync(n => n.Id));
        Assert.All(pages["/good"], id => Assert.Equal(("sent", 1), (rows[id].Status, rows[id].Attempts)));
        // The receiver that answered 503 is tried again later; the one that answered 404 has failed for good.
        Assert.All(bad["/bad"], id => Assert.Equal(("queued", 1), (rows[id].Status, rows[id].Attempts)));
        Assert.All(bad["/gone"], id => Assert.Equal("failed", rows[id].Status));
        var left = await App.WithDb(db => db.WorkItems.AsNoTracking().Where(w => w.Kind == Outbox.DeliverWork).ToListAsync());
        Assert.Equal(bad["/bad"].Select(Outbox.DeliverKey).Order(), left.Select(w => w.Key).Order());
        Assert.All(left, w => Assert.Equal(App.Time.UtcNow.AddSeconds(15), w.DueAt));
        Assert.All(left, w => Assert.Null(w.LeaseOwner));

        // The retry sends the failing receiver's messages again with the same keys, and nobody else's.
        App.Time.Advance(TimeSpan.FromSeconds(16));
        await App.RunDueWorkAsync();
        Assert.Equal(pages["/good"].Count, Keys("/good").Count);
        Assert.Equal(bad["/bad"].Concat(bad["/bad"]).Order(), Keys("/bad").Order());
        Assert.Equal(bad["/gone"].Order(), Keys("/gone").Order());
    }

    [Fact]
    public async Task A_person_whose_every_message_of_a_step_fails_in_one_batch_is_not_reached_once()
    {
        var serviceId = await App.ServiceAsync($"not reached {Guid.NewGuid():N}");
        var response = await App.Client(Role.Responder).PostJsonAsync("/api/v1/incidents", new { title = "Scanner offline", serviceId });
        var incidentId = (await response.JsonAsync()).GetProperty("id").GetString()!;
        await App.RunDueWorkAsync();
        var now = App.Time.UtcNow;
        var personId = await App.WithDb(async db =>
        {
            var gone = new NotificationChannel { Type = "webhook", Name = $"gone {Guid.NewGuid():N}", Settings = $$"""{"url":"{{hooks.Url}}/gone","secret":"s3cret"}""", CreatedAt = now };
            var person = new Person { Email = $"two.{Guid.NewGuid():N}@muster.test", DisplayName = "Two Ways", Role = "responder", Language = "en", CreatedAt = now };
            db.NotificationChannels.Add(gone);
            db.People.Add(person);
            for (var i = 0; i < 2; i++)
            {
                var method = new ContactMethod { PersonId = person.Id, Type = "webhook", Address = $"-{i}", ChannelId = gone.Id, CreatedAt = now };
                db.ContactMethods.Add(method);
                Outbox.Enqueue(db, Outbox.Message(method, incidentId, PageMessages.PageKind, now, now, step: 1, round: 0), now);
            }
            await db.SaveChangesAsync();
            return person.Id;
        });

        await App.RunDueWorkAsync();

        Assert.Equal(2, await App.WithDb(db => db.Notifications.CountAsync(n => n.PersonId == personId && n.Status == "failed")));
        Assert.Equal(1, await App.WithDb(db => db.TimelineEntries.CountAsync(e => e.IncidentId == incidentId && e.Kind == Muster.Domain.Incidents.TimelineKinds.NotReached)));
    }

    [Fact]
    public async Task A_batch_whose_commit_never_happens_is_sent_again_with_the_same_keys_and_recorded_once()
    {
        var pages = (await PagesAsync(("/good", 50)))["/good"];
        commits.Fail = true;
        await App.RunDueWorkAsync();
        commits.Fail = false;
        Assert.True(await App.WithDb(db => db.Notifications.AllAsync(n => !pages.Contains(n.Id) || n.Status == "queued")));
        var first = Keys("/good");
        Assert.Equal(pages.Order(), first.Distinct().Order());

        App.Time.Advance(TimeSpan.FromMinutes(10));
        await App.RunDueWorkAsync();
        var all = Keys("/good");
        // At least once each, and only ever under its own key: the receiver sees repeats it can drop.
        Assert.Equal(pages.Order(), all.Distinct().Order());
        Assert.True(await App.WithDb(db => db.Notifications.Where(n => pages.Contains(n.Id)).AllAsync(n => n.Status == "sent")));
        Assert.False(await App.WithDb(db => db.WorkItems.AnyAsync(w => w.Kind == Outbox.DeliverWork)));
        // Once recorded, never sent again.
        var sent = all.Count;
        App.Time.Advance(TimeSpan.FromMinutes(10));
        await App.RunDueWorkAsync();
        Assert.Equal(sent, Keys("/good").Count);
    }
}
