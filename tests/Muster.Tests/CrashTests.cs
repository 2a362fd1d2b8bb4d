using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Tests;

/// <summary>
/// Nothing a client was told is accepted may be lost: events are sent to a real muster process,
/// which is killed with SIGKILL part-way; every event that was answered 2xx is then stored once.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly string dataDir = Directory.CreateTempSubdirectory("muster-crash-").FullName;

    [Fact]
    public async Task Every_event_answered_2xx_survives_kill_9_exactly_once()
    {
        var key = await PrepareAsync();
        var url = $"http://127.0.0.1:{FreePort()}";
        var accepted = new ConcurrentBag<string>();
        using (var server = Start(url))
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
            await WaitReadyAsync(http);
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var dedup = $"crash-{sender}-{i}";
                    var body = JsonSerializer.Serialize(new
                    {
                        routing_key = key,
                        event_action = "trigger",
                        dedup_key = dedup,
                        payload = new { summary = "card reader offline", source = $"reader-{i % 50}", severity = "error", @class = "offline" },
                    });
                    try
                    {
                        using var response = await http.PostAsync("/v2/enqueue", new StringContent(body, Encoding.UTF8, "application/json"));
                        if (response.StatusCode == HttpStatusCode.Accepted)
                            accepted.Add(dedup);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();
            while (accepted.Count < 300)
                await Task.Delay(5);
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        // What was committed before the kill is in the intake journal, or already correlated into an
        // alert (each event here has a dedup key of its own, so an alert is one event).
        var journal = Journal();
        await using (var db = Open())
        {
            var correlated = await db.Alerts.Select(a => a.DedupKey).ToListAsync();
            var stored = journal.Concat(correlated).GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
            Assert.All(accepted, dedup => Assert.Equal(1, stored.GetValueOrDefault(dedup)));
            Assert.All(stored.Values, count => Assert.Equal(1, count));
        }

        // After a restart the correlator works through what was committed: one alert per event, each seen once.
        using (var restarted = Start(url))
        {
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            await WaitReadyAsync(http);
            await using var db = Open();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Journal().Count > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            var alerts = await db.Alerts.Select(a => new { a.DedupKey, a.EventCount }).ToListAsync();
            Assert.Equal(alerts.Count, alerts.Select(a => a.DedupKey).Distinct().Count());
            Assert.Subset(alerts.Select(a => a.DedupKey).ToHashSet(), accepted.ToHashSet());
            Assert.All(alerts, a => Assert.Equal(1, a.EventCount));
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    /// <summary>The dedup keys of the events in the intake journal that the correlator has not yet taken.</summary>
    private List<string> Journal()
    {
        var path = Path.Combine(dataDir, "muster.intake.db");
        if (!File.Exists(path))
            return [];
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        // Rows at or below the cursor are done and may not be deleted yet.
        command.CommandText = "SELECT DedupKey FROM Events WHERE Seq > $cursor";
        command.Parameters.AddWithValue("$cursor", Cursor());
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
            keys.Add(reader.GetString(0));
        return keys;
    }

    private long Cursor()
    {
        using var db = Open();
        return db.Settings.Where(s => s.Key == Features.Intake.IntakeJournal.CursorKey).Select(s => s.Value).FirstOrDefault() is { } value ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private async Task<string> PrepareAsync()
    {
        await using var db = Open();
        await Startup.MigrateAsync(db);
        var service = new Service { Name = "Campus card readers", CreatedAt = DateTime.UtcNow };
        var integration = new Integration { ServiceId = service.Id, Type = "events", Name = "monitoring", Secret = Features.Intake.IntegrationEndpoints.NewSecret(), CreatedAt = DateTime.UtcNow };
        db.AddRange(service, integration);
        await db.SaveChangesAsync();
        return integration.Secret;
    }

    private MusterDb Open()
    {
        var options = new DbContextOptionsBuilder<MusterDb>();
        options.UseMuster(DatabaseSetup.Sqlite, $"Data Source={Path.Combine(dataDir, "muster.db")}");
        return new MusterDb(options.Options);
    }

    private Process Start(string url)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "muster.dll"), "--urls", url, "--data-dir", dataDir, "--Logging:LogLevel:Default=Warning" })
            start.ArgumentList.Add(arg);
        start.Environment["Muster__Database__Provider"] = "sqlite";
        start.Environment.Remove("Muster__Database__ConnectionString");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient http)
    {
        // Generous: a busy two-core machine can take many seconds to start a process.
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("muster did not become ready in 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dataDir, recursive: true); }
        catch (IOException) { }
    }
}
