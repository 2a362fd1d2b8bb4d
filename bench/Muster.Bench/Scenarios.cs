using System.Diagnostics;
using System.Text.Json;

namespace Muster.Bench;

/// <summary>One kind of request, with its URL drawn anew for each request.</summary>
public sealed record Scenario(string Name, Func<Random, string> Url, bool IsList);

/// <param name="CpuMs">CPU time of this whole process (app, client and, on SQLite, the database) per request.</param>
public sealed record Result(string Name, double P50, double P95, double P99, double Max, double Mean, double CpuMs, double? Total);

public static class Scenarios
{
    private const string List = "/api/v1/incidents";

    public static IReadOnlyList<Scenario> All(Dataset d)
    {
        string Pick(Random r, IReadOnlyList<string> from) => from[r.Next(from.Count)];
        string Window(Random r)
        {
            // A 30-day window somewhere in the year of data.
            var to = DateTime.UtcNow.AddDays(-r.Next(335));
            return $"from={Uri.EscapeDataString(to.AddDays(-30).ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";
        }
        return
        [
            new("list, page 1", _ => List, true),
            new("list, status=open", _ => $"{List}?status=open", true),
            new("list, severity=1", _ => $"{List}?severity=1", true),
            new("list, serviceId", r => $"{List}?serviceId={Pick(r, d.ServiceIds)}", true),
            new("list, q=word (text search)", r => $"{List}?q={Uri.EscapeDataString(Pick(r, Loader.SearchWords))}", true),
            new("list, q=missing word", _ => $"{List}?q={Loader.MissingWord}", true),
            new("list, from/to (30 days)", r => $"{List}?{Window(r)}", true),
            new("list, status=open&severity=1&drill=false", _ => $"{List}?status=open&severity=1&drill=false", true),
            new("list, page 50", _ => $"{List}?page=50", true),
            new("incident page /{id}", r => $"{List}/{Pick(r, d.IncidentIds)}", false),
            new("timeline /{id}/timeline", r => $"{List}/{Pick(r, d.IncidentIds)}/timeline", false),
        ];
    }
}

public static class Runner
{
    public static async Task<Result> RunAsync(HttpClient http, Scenario scenario, BenchOptions options, Random random)
    {
        for (var i = 0; i < options.Warmup; i++)
            await GetAsync(http, scenario.Url(random));

        var times = new double[options.Requests];
        double totals = 0;
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        for (var i = 0; i < options.Requests; i++)
        {
            var url = scenario.Url(random);
            var start = Stopwatch.GetTimestamp();
            var body = await GetAsync(http, url);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (scenario.IsList)
            {
                using var json = JsonDocument.Parse(body);
                totals += json.RootElement.GetProperty("total").GetInt32();
            }
        }
        process.Refresh();
        var cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds / options.Requests;
        Array.Sort(times);
        return new Result(scenario.Name, Percentile(times, 50), Percentile(times, 95), Percentile(times, 99), times[^1], times.Average(), cpuMs,
            scenario.IsList ? totals / options.Requests : null);
    }

    private static async Task<byte[]> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }

    /// <summary>Nearest rank: the smallest value that at least <paramref name="p"/> percent of the values do not exceed.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
