using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Muster.Bench;
using Muster.Data;
using Muster.Features.ApiKeys;
using Muster.Infrastructure;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), $"muster-bench-{Guid.NewGuid():N}");
var ownsDataDir = options.DataDir is null;
var appArgs = new List<string>
{
    "--urls", "http://127.0.0.1:0",
    "--data-dir", dataDir,
    "--database", options.Database,
    // The app's own name, so that it finds muster.staticwebassets.*.json beside this program.
    "--applicationName", "muster",
    // As appsettings.json has it: no line per request or per query on the console.
    "--Logging:LogLevel:Default=Warning",
    "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
    "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Warning",
};
if (!string.IsNullOrWhiteSpace(options.Connection))
    appArgs.AddRange(["--connection", options.Connection]);

var app = MusterApp.Build([.. appArgs]);
try
{
    var started = Stopwatch.StartNew();
    await app.StartAsync();
    var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    Console.WriteLine($"Muster on {baseUrl} ({options.Database}) ready in {started.ElapsedMilliseconds} ms; data in {dataDir}");

    var dataset = await Loader.LoadAsync(app.Services, options, Console.Out);
    if (dataset.Loaded)
    {
        Console.WriteLine($"Loaded {dataset.Incidents} incidents and {dataset.TimelineEntries} timeline entries in {dataset.LoadTime.TotalSeconds:F1} s " +
            $"({dataset.Incidents / dataset.LoadTime.TotalSeconds:F0} incidents/s).");
    }

    string key;
    await using (var scope = app.Services.CreateAsyncScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        key = (await ApiKeyEndpoints.CreateAsync(db, new ApiKeyRequest($"bench {Guid.NewGuid():N}", "admin"), null, DateTime.UtcNow)).Key;
    }

    using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromMinutes(2),
    };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("zh-CN"));

    var scenarios = Scenarios.All(dataset);
    var loadBefore = LoadAverage();
    var results = new List<Result>();
    foreach (var scenario in scenarios)
    {
        var result = await Runner.RunAsync(http, scenario, options, new Random(options.Seed));
        results.Add(result);
        Console.WriteLine($"  {scenario.Name,-34} p50 {result.P50,8:F2} ms  p99 {result.P99,8:F2} ms");
    }

    var report = Report(options, dataset, results, $"{loadBefore} before, {LoadAverage()} after");
    Console.WriteLine();
    Console.WriteLine(report);
    if (options.Out is { } outFile)
        await File.WriteAllTextAsync(outFile, report);

    if (options.Explain)
        await Explain.PrintAsync(app.Services, http, scenarios, new Random(options.Seed), Console.Out);
    return 0;
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    if (ownsDataDir)
    {
        // On PostgreSQL the folder holds only the data-protection keys.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDir, recursive: true);
    }
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static string Report(BenchOptions options, Dataset dataset, List<Result> results, string load)
{
    var inv = CultureInfo.InvariantCulture;
    var database = options.Database == "sqlite" ? "SQLite" : "PostgreSQL";
    var analyze = !options.AnalyzeOrDefault ? "ANALYZE not run" : options.Database == "postgres" ? "VACUUM ANALYZE run" : "ANALYZE run";
    var loaded = dataset.Loaded ? string.Create(inv, $", loaded in {dataset.LoadTime.TotalSeconds:F0} s") : "";
    var text = new StringBuilder();
    text.AppendLine(inv, $"**{database}**: {dataset.Incidents:N0} incidents, {dataset.TimelineEntries:N0} timeline entries{loaded}; {analyze} after loading. " +
        $"{options.Requests} requests per row after {options.Warmup} warm-up, one at a time over HTTP/1.1 keep-alive; " +
        $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}; " +
        $"load average (1, 5, 15 min) {load}.");
    text.AppendLine();
    text.AppendLine("| request | p50 ms | p95 ms | p99 ms | max ms | mean ms | CPU ms/req | rows matched (mean) |");
    text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in results)
    {
        var total = r.Total is { } t ? t.ToString("N0", inv) : "";
        text.AppendLine(inv, $"| {r.Name} | {r.P50:F1} | {r.P95:F1} | {r.P99:F1} | {r.Max:F1} | {r.Mean:F1} | {r.CpuMs:F1} | {total} |");
    }
    return text.ToString();
}
