using System.Data.Common;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.Notifications;
using Muster.Infrastructure;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Fails every commit while <see cref="Fail"/> is set: a process that dies before its commit.</summary>
public sealed class CommitFailure : DbTransactionInterceptor
{
    private volatile bool fail;

    public bool Fail
    {
        get => fail;
        set => fail = value;
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result,
        CancellationToken cancellationToken = default) =>
        fail ? throw new InvalidOperationException("the process died before the commit") : ValueTask.FromResult(result);
}

/// <summary>Which transaction each statement EF ran on the work items ran in.</summary>
public sealed class StatementLog : DbCommandInterceptor
{
    private readonly List<(object Transaction, string Sql)> statements = [];

    public List<(object Transaction, string Sql)> Statements
    {
        get { lock (statements) return [.. statements]; }
    }

    public void Clear()
    {
        lock (statements)
            statements.Clear();
    }

    private void Record(DbCommand command)
    {
        var sql = command.CommandText;
        if (!sql.Contains("\"WorkItems\"", StringComparison.Ordinal))
            return;
        lock (statements)
            statements.Add((command.Transaction ?? new object(), sql));
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }
}

/// <summary>Runs an action once, after the first query that reads escalation policies: a change made while a batch prepares.</summary>
public sealed class AfterPolicyRead : DbCommandInterceptor
{
    private Func<Task>? once;

    public Func<Task>? Once
    {
        set => once = value;
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("FROM \"EscalationPolicies\"", StringComparison.Ordinal) && Interlocked.Exchange(ref once, null) is { } action)
            await action();
        return result;
    }
}

/// <summary>
/// Many escalations due at once fire in a few transactions, each removing its work items in the
/// same commit as its pages; a commit that never happens pages nobody, and the retry pages once.
/// </summary>
public sealed class EscalationBatchTests : IDisposable
{
    private readonly CommitFailure crash = new();
    private readonly StatementLog log = new();
    private readonly AfterPolicyRead whilePreparing = new();
    private readonly MusterFactory app;

    public EscalationBatchTests()
    {
        app = new MusterFactory
        {
            Configure = b =>
            {
                // Small batches, so that a few dozen incidents make several.
                b.UseSetting("Muster:Work:BatchSize", "40");
                b.ConfigureTestServices(s => s.ConfigureDbContext<MusterDb>((_, o) => o.AddInterceptors(crash, log, whilePreparing)));
            },
        };
    }

    public void Dispose() => app.Dispose();

    /// <summary>
    /// <paramref name="count"/> triggered incidents, each on its own service whose policy is
    /// [step 1: a person with no contact method, step 2: the incident's own person, by email], in the
    /// state step 1 leaves them: the step-2 item (the policy's last firing) due now.
    /// </summary>
    private async Task<List<(string IncidentId, string PersonId)>> DueAsync(int count, TimeSpan dueIn = default)
    {
        var made = new List<(string, string)>();
        var responder = app.Client(Role.Responder);
        for (var i = 0; i < count; i++)
        {
            var serviceId = await app.ServiceAsync($"batch {i} {Guid.NewGuid():N}");
            var response = await responder.PostJsonAsync("/api/v1/incidents", new { title = $"Reader {i} offline", serviceId });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            made.Add(((await response.JsonAsync()).GetProperty("id").GetString()!, ""));
        }
        var now = app.Time.UtcNow;
        return await app.WithDb(async db =>
        {
            var nobody = new Person { Email = $"nobody.{Guid.NewGuid():N}@muster.test", DisplayName = "Nobody", Role = "responder", Language = "en", CreatedAt = now };
            db.People.Add(nobody);
            var result = new List<(string, string)>();
            foreach (var (incidentId, _) in made)
            {
                var person = new Person { Email = $"p.{Guid.NewGuid():N}@muster.test", DisplayName = $"Person {result.Count}", Role = "responder", Language = "en", CreatedAt = now };
                db.People.Add(person);
                db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "email", Address = person.Email, CreatedAt = now });
                var policy = new EscalationPolicy
                {
                    Name = $"batch {Guid.NewGuid():N}",
                    Definition = JsonSerializer.Serialize(new
                    {
                        steps = new object[]
                        {
                            new { delayMinutes = 30, targets = new[] { new { type = "person", id = nobody.Id } } },
                            new { delayMinutes = 30, targets = new[] { new { type = "person", id = person.Id } } },
                        },
                    }),
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.EscalationPolicies.Add(policy);
                var serviceId = await db.Incidents.Where(x => x.Id == incidentId).Select(x => x.ServiceId).FirstAsync();
                (await db.Services.FirstAsync(s => s.Id == serviceId)).EscalationPolicyId = policy.Id;
                await db.ScheduleAsync(Paging.EscalateWork, Paging.EscalateKey(incidentId), now + dueIn,
                    Paging.Payload(new EscalationState(policy.Id, now.AddMinutes(-30), 1)), now);
                result.Add((incidentId, person.Id));
            }
            await db.SaveChangesAsync();
            return result;
        });
    }

    private Task<List<Notification>> StepTwoAsync() => app.WithDb(db => db.Notifications.Where(n => n.Step == 2).ToListAsync());

    private Task<int> EscalationsLeftAsync() => app.WithDb(db => db.WorkItems.CountAsync(w => w.Kind == Paging.EscalateWork));

    [Fact]
    public async Task Many_due_escalations_fire_in_one_commit_per_batch_with_exactly_one_page_each_and_a_message_due_later_is_not_kept_waiting()
    {
        var batch = app.Services.GetRequiredService<WorkRunner>().BatchSize;
        var count = batch + 30;
        var due = await DueAsync(count);
        // A message queued after all of them: it must not wait until every escalation has run.
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var methodId = await app.WithDb(db => db.ContactMethods.Select(m => m.Id).FirstAsync());
        Assert.Equal(HttpStatusCode.Accepted, (await app.Client(Role.Manager).PostAsync($"/api/v1/contact-methods/{methodId}/test", null)).StatusCode);
        var testKey = await app.WithDb(db => db.WorkItems.Where(w => w.Kind == Outbox.DeliverWork).Select(w => w.Key).SingleAsync());

        log.Clear();
        var now = app.Time.UtcNow;
        await app.RunDueWorkAsync();

        // Two batches (40 + 30), each one transaction that locks its items and removes them. That the
        // pages are written in the same transaction is the next test's: a commit that fails leaves neither.
        var statements = log.Statements;
        var batches = statements.Where(s => s.Sql.Contains("SET \"LeaseUntil\" = \"LeaseUntil\"", StringComparison.Ordinal)).Select(s => s.Transaction)
            .Distinct(ReferenceEqualityComparer.Instance).ToList();
        Assert.Equal((count + batch - 1) / batch, batches.Count);
        Assert.All(batches, t => Assert.Contains(statements, s => ReferenceEquals(s.Transaction, t) && s.Sql.Contains("DELETE FROM \"WorkItems\"", StringComparison.Ordinal)));
        var pages = await StepTwoAsync();
        Assert.Equal(count, pages.Count);
        Assert.All(due, d => Assert.Single(pages, p => p.IncidentId == d.IncidentId && p.PersonId == d.PersonId));
        // Written by multi-row statements: every column as a tracked save would have written it.
        Assert.All(pages, p =>
        {
            Assert.Equal("page", p.Kind);
            Assert.Equal(0, p.Round);
            Assert.Equal("email", p.Type);
            Assert.NotNull(p.ContactMethodId);
            Assert.Null(p.ChannelId);
            Assert.Equal(now, p.CreatedAt);
            Assert.Equal(now, p.DueAt);
            Assert.Equal(DateTimeKind.Utc, p.DueAt.Kind);
        });
        // Each page has its delivery queued, or already tried by the other lane of the runner (no
        // SMTP server here: failed); step 2 was the last firing, so no escalation item is left.
        var deliveries = await app.WithDb(db => db.WorkItems.Where(w => w.Kind == Outbox.DeliverWork).Select(w => w.Payload).ToListAsync());
        Assert.All(pages, p => Assert.True(deliveries.Contains(p.Id) || p.Status == "failed", $"page {p.Id} is {p.Status} with no delivery queued"));
        Assert.Equal(0, await EscalationsLeftAsync());
        var paged = await app.WithDb(db => db.TimelineEntries.CountAsync(e => e.Kind == "paged" && e.From == "2"));
        Assert.Equal(count, paged);
        // The test message ran in the same round (it is no longer in the table, or failed and waits for a retry).
        var test = await app.WithDb(db => db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Key == testKey));
        Assert.True(test is null || test.LastError is not null, "the test message waited behind the escalations");

        // Nothing fires twice.
        app.Time.Advance(TimeSpan.FromHours(2));
        await app.RunDueWorkAsync();
        Assert.Equal(count, (await StepTwoAsync()).Count);
    }

    [Fact]
    public async Task An_incident_changed_while_its_batch_reads_runs_again_with_a_fresh_read_and_one_acknowledged_then_pages_nobody()
    {
        var due = await DueAsync(4);
        var (changed, acknowledged) = (due[1].IncidentId, due[2].IncidentId);
        whilePreparing.Once = async () =>
        {
            var later = app.Time.UtcNow.AddSeconds(1);
            await app.WithDb(db => db.Incidents.Where(i => i.Id == changed).ExecuteUpdateAsync(s => s.SetProperty(i => i.UpdatedAt, later)));
            Assert.Equal(HttpStatusCode.OK, (await app.Client(Role.Responder).PostAsync($"/api/v1/incidents/{acknowledged}/acknowledge", null)).StatusCode);
        };

        await app.RunDueWorkAsync();

        // The batch read both incidents before they changed. The changed one is handed back, whole
        // and with no error; the acknowledgement removed its incident's item, so it pages nobody.
        var pages = await StepTwoAsync();
        Assert.Equal(new[] { due[0].IncidentId, due[3].IncidentId }.Order(StringComparer.Ordinal), pages.Select(p => p.IncidentId).Order(StringComparer.Ordinal));
        var left = await app.WithDb(db => db.WorkItems.AsNoTracking().SingleAsync(w => w.Kind == Paging.EscalateWork));
        Assert.Equal(Paging.EscalateKey(changed), left.Key);
        Assert.Null(left.LeaseOwner);
        Assert.Null(left.LastError);

        await app.RunDueWorkAsync();
        pages = await StepTwoAsync();
        Assert.Equal(3, pages.Count);
        Assert.Single(pages, p => p.IncidentId == changed);
        Assert.DoesNotContain(pages, p => p.IncidentId == acknowledged);
        Assert.Equal(0, await EscalationsLeftAsync());
    }

    [Fact]
    public async Task The_running_lane_reads_steps_ahead_but_fires_them_only_when_due_and_not_for_an_incident_acknowledged_meanwhile()
    {
        var dueIn = WorkRunner.Lookahead / 2;
        var due = await DueAsync(3, dueIn);
        var dueAt = app.Time.UtcNow + dueIn;
        var runner = app.Services.GetRequiredService<WorkRunner>();
        await runner.StartAsync(CancellationToken.None);
        try
        {
            // Within the lookahead: the lane claims and reads the steps, and fires none of them yet.
            await Until(() => app.WithDb(db => db.WorkItems.AllAsync(w => w.Kind != Paging.EscalateWork || w.LeaseOwner != null)), "the lane to claim the steps ahead");
            Assert.Empty(await StepTwoAsync());
            Assert.Equal(HttpStatusCode.OK, (await app.Client(Role.Responder).PostAsync($"/api/v1/incidents/{due[0].IncidentId}/acknowledge", null)).StatusCode);

            app.Time.Advance(dueIn);
            app.Services.GetRequiredService<WorkSignal>().Notify();
            await Until(async () => (await StepTwoAsync()).Count == 2, "the two unacknowledged steps to fire");
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None);
        }
        var pages = await StepTwoAsync();
        Assert.DoesNotContain(pages, p => p.IncidentId == due[0].IncidentId);
        Assert.All(due.Skip(1), d => Assert.Single(pages, p => p.IncidentId == d.IncidentId));
        Assert.All(pages, p => Assert.True(p.CreatedAt >= dueAt, $"a step due at {dueAt:O} fired at {p.CreatedAt:O}"));
        Assert.Equal(0, await EscalationsLeftAsync());
    }

    /// <summary>Waits for the runner's background lanes (real threads, real waits) to reach a state.</summary>
    private static async Task Until(Func<Task<bool>> reached, string what)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await reached())
                return;
            await Task.Delay(50);
        }
        Assert.Fail($"Gave up waiting for {what}.");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(10_000, true)]
    [InlineData(10_001, false)]
    public void A_batch_size_out_of_range_stops_the_start_naming_the_setting(int size, bool valid)
    {
        var problems = new MusterOptions { Work = new WorkOptions { BatchSize = size } }.Problems().ToList();
        if (valid)
            Assert.Empty(problems);
        else
            Assert.Contains(problems, p => p.StartsWith("Muster__Work__BatchSize is", StringComparison.Ordinal) && p.Contains("such as 1000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_whose_commit_never_happens_pages_nobody_and_its_retry_pages_each_incident_once()
    {
        var due = await DueAsync(5);

        crash.Fail = true;
        await app.RunDueWorkAsync();
        crash.Fail = false;

        // The pages and the removal of the items were one transaction: neither happened.
        Assert.Empty(await StepTwoAsync());
        var items = await app.WithDb(db => db.WorkItems.AsNoTracking().Where(w => w.Kind == Paging.EscalateWork).ToListAsync());
        Assert.Equal(5, items.Count);
        Assert.All(items, w => Assert.Null(w.LeaseOwner));
        Assert.All(items, w => Assert.Contains("died before the commit", w.LastError));

        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.RunDueWorkAsync();
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.RunDueWorkAsync();

        var pages = await StepTwoAsync();
        Assert.All(due, d => Assert.Single(pages, p => p.IncidentId == d.IncidentId));
        Assert.Equal(5, pages.Count);
        Assert.Equal(0, await EscalationsLeftAsync());
    }

    [Fact]
    public async Task Items_leased_by_a_process_that_was_killed_run_again_at_once_after_a_restart_on_sqlite()
    {
        var due = await DueAsync(3);
        // As if a process had claimed them and been killed with kill -9.
        var now = app.Time.UtcNow;
        await app.WithDb(db => db.WorkItems.Where(w => w.Kind == Paging.EscalateWork).ExecuteUpdateAsync(s => s
            .SetProperty(w => w.LeaseOwner, "dead-host:4242:0")
            .SetProperty(w => w.LeaseUntil, now + WorkRunner.Lease)));

        await app.RunDueWorkAsync();
        Assert.Empty(await StepTwoAsync());

        var runner = app.Services.GetRequiredService<WorkRunner>();
        var released = await runner.ReleaseOrphanedLeasesAsync();
        if (TestDatabase.IsPostgres)
        {
            // Other live processes may share a PostgreSQL database: there the lease runs out.
            Assert.Equal(0, released);
            app.Time.Advance(WorkRunner.Lease + TimeSpan.FromSeconds(1));
        }
        else
        {
            Assert.Equal(3, released);
        }
        await app.RunDueWorkAsync();
        var pages = await StepTwoAsync();
        Assert.All(due, d => Assert.Single(pages, p => p.IncidentId == d.IncidentId));
    }
}
