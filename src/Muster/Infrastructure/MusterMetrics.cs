using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Muster.Infrastructure;

/// <summary>
/// A few counters in Prometheus text format. The OpenTelemetry Prometheus exporter does not
/// restore here (docs/decisions/0003), and this is all /metrics needs.
/// </summary>
public static class MusterMetrics
{
    private static readonly ConcurrentDictionary<string, long> Counters = new();

    public static void HttpRequest(int status) => Add($"muster_http_requests_total{{code=\"{status / 100}xx\"}}");

    public static void IncidentDeclared() => Add("muster_incidents_declared_total");

    public static void EventsAccepted(int count) => Counters.AddOrUpdate("muster_intake_events_total", count, (_, v) => v + count);

    public static void WorkDone(string kind) => Add($"muster_work_items_done_total{{kind=\"{kind}\"}}");

    public static void WorkFailed(string kind) => Add($"muster_work_items_failed_total{{kind=\"{kind}\"}}");

    /// <summary>A change read and applied again because Muster's own work moved the incident meanwhile: counted, not logged.</summary>
    public static void ConflictRetried() => Add("muster_incident_change_retries_total");

    private static void Add(string series) => Counters.AddOrUpdate(series, 1, (_, v) => v + 1);

    /// <summary>Counters, plus gauges the caller reads from the database at scrape time.</summary>
    public static string Render(IEnumerable<(string Series, double Value)> gauges)
    {
        var text = new StringBuilder();
        foreach (var group in Counters.OrderBy(c => c.Key).GroupBy(c => c.Key.Split('{')[0]))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" counter\n");
            foreach (var (series, value) in group)
                text.Append(series).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        foreach (var group in gauges.GroupBy(g => g.Series.Split('{')[0]))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" gauge\n");
            foreach (var (series, value) in group)
                text.Append(series).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }
}
