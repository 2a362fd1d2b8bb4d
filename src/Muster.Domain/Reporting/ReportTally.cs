using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Domain.Reporting;

/// <summary>
/// One incident as the reports' fast path reads it: the declaration as UTC ticks and every later
/// step as ticks after the declaration (exact, so every figure equals the one
/// <see cref="ReportMetrics"/> gives from <see cref="IncidentFacts"/>). A struct of integers: a
/// month of a million-incident year is 82,000 of them.
/// </summary>
public readonly record struct IncidentTicks
{
    public required int Number { get; init; }

    /// <summary>The declaration, in UTC ticks.</summary>
    public required long Declared { get; init; }

    public long? Acknowledged { get; init; }
    public long? Investigating { get; init; }
    public long? Repairing { get; init; }
    public long? Mitigated { get; init; }
    public long? Resolved { get; init; }
    public long? Verified { get; init; }
    public long? Closed { get; init; }
    public required string Level { get; init; }
    public int Rank { get; init; }
    public StageTargets? Targets { get; init; }
    public required string ServiceId { get; init; }
    public string? Category { get; init; }
    public bool Drill { get; init; }
    public bool Reopened { get; init; }

    public DateTime DeclaredAt => new(Declared, DateTimeKind.Utc);

    /// <summary>The same incident as the domain's definition reads it.</summary>
    public IncidentFacts ToFacts(IReadOnlyList<DeviceRef>? devices = null)
    {
        var declared = DeclaredAt;
        return new IncidentFacts
        {
            Id = Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Number = Number,
            DeclaredAt = declared,
            AcknowledgedAt = At(Acknowledged),
            InvestigatingAt = At(Investigating),
            RepairingAt = At(Repairing),
            MitigatedAt = At(Mitigated),
            ResolvedAt = At(Resolved),
            VerifiedAt = At(Verified),
            ClosedAt = At(Closed),
            Level = Level,
            Rank = Rank,
            Targets = Targets ?? StageTargets.None,
            ServiceId = ServiceId,
            Category = Category,
            Drill = Drill,
            Reopened = Reopened,
            Devices = devices ?? [],
        };

        DateTime? At(long? offset) => offset is { } o ? declared.AddTicks(o) : null;
    }
}

/// <summary>
/// The figures of <see cref="ReportMetrics.Summarize"/> in one pass over <see cref="IncidentTicks"/>:
/// no per-incident objects, no per-incident clocks. <see cref="ReportMetrics"/> stays the
/// definition; the tests hold this to it on hand-built and random sets.
/// </summary>
public static class ReportTally
{
    private static readonly Stage[] Stages = [Stage.Acknowledge, Stage.Assess, Stage.Repair, Stage.Restore, Stage.Verify];

    /// <param name="incidents">The incidents, drills included (they are counted apart unless <paramref name="includeDrills"/>).</param>
    /// <param name="devices">The devices each incident names, by incident number, first reported first.</param>
    /// <param name="pages">The pages of the period, each marked when its incident is a drill.</param>
    public static ReportSummary Summarize(
        IReadOnlyList<IncidentTicks> incidents, IReadOnlyDictionary<int, IReadOnlyList<DeviceRef>> devices,
        ReportPeriod period, TimeZoneInfo zone, DateTime now,
        bool includeDrills = false,
        IEnumerable<DeviceFleet>? fleet = null,
        IEnumerable<PersonHoursInput>? hours = null,
        IEnumerable<PageFact>? pages = null,
        int repeatThreshold = ReportMetrics.DefaultRepeatThreshold)
    {
        var from = period.From.Ticks;
        var to = period.To.Ticks;
        var nowTicks = now.Ticks;
        var seen = new HashSet<int>();
        int count = 0, open = 0, reopened = 0, drills = 0;
        var ack = new List<double>();
        var assess = new List<double>();
        var mitigate = new List<double>();
        var resolve = new List<double>();
        var sla = new Dictionary<(Stage, string), (int Rank, int Met, int Breached, int Open)>();
        var byService = new Dictionary<string, int>(StringComparer.Ordinal);
        var byCategory = new Dictionary<string, int>(StringComparer.Ordinal);
        var byType = new Dictionary<string, int>(StringComparer.Ordinal);
        var byPlace = new Dictionary<string, int>(StringComparer.Ordinal);
        int noService = 0, noCategory = 0, noType = 0, noPlace = 0;
        var byHour = new int[24];
        var buckets = ReportMetrics.TrendBuckets(period, zone);
        var starts = buckets.Select(b => b.From).ToArray();
        var trend = buckets.Select(_ => (Count: 0, Ack: new List<double>(), Resolve: new List<double>())).ToArray();
        var withDevices = new List<IncidentFacts>();
        var hourOf = new Dictionary<long, int>();

        foreach (var i in incidents)
        {
            if (i.Declared < from || i.Declared >= to || !seen.Add(i.Number))
                continue;
            if (i.Drill)
            {
                drills++;
                if (!includeDrills)
                    continue;
            }
            count++;
            if (i.Resolved is null)
                open++;
            if (i.Reopened)
                reopened++;
            Add(ack, i.Acknowledged);
            Add(assess, i.Investigating);
            Add(mitigate, i.Mitigated);
            Add(resolve, i.Resolved);
            Tally(i);
            Increment(byService, i.ServiceId, ref noService);
            Increment(byCategory, i.Category, ref noCategory);
            var named = devices.TryGetValue(i.Number, out var d) ? d : [];
            if (named.Count == 0)
            {
                noType++;
                noPlace++;
            }
            else
            {
                foreach (var type in named.Select(x => x.Type).Distinct())
                    Increment(byType, type, ref noType);
                foreach (var place in named.Select(x => x.Place).Distinct())
                    Increment(byPlace, place, ref noPlace);
                withDevices.Add(new IncidentFacts { Id = "", Number = i.Number, DeclaredAt = i.DeclaredAt, Devices = named });
            }
            // The local hour: the zone is read once per UTC hour, not once per incident.
            var utcHour = i.Declared / TimeSpan.TicksPerHour;
            if (!hourOf.TryGetValue(utcHour, out var hour))
                hourOf[utcHour] = hour = LocalHourOf(utcHour, zone);
            byHour[hour >= 0 ? hour : TimeZoneInfo.ConvertTimeFromUtc(i.DeclaredAt, zone).Hour]++;
            var b = ReportMetrics.Bucket(starts, i.DeclaredAt);
            trend[b].Count++;
            Add(trend[b].Ack, i.Acknowledged);
            Add(trend[b].Resolve, i.Resolved);
        }

        return new ReportSummary(
            period, count, open, reopened, drills, includeDrills,
            DurationStats.Of(ack), DurationStats.Of(assess), DurationStats.Of(mitigate), DurationStats.Of(resolve),
            sla.Select(c => new SlaCell(c.Key.Item1, c.Key.Item2, c.Value.Rank, c.Value.Met, c.Value.Breached, c.Value.Open))
                .OrderBy(c => c.Stage).ThenBy(c => c.Rank).ThenBy(c => c.Level, StringComparer.Ordinal).ToList(),
            ReportMetrics.CountRows(byService, noService),
            ReportMetrics.CountRows(byCategory, noCategory),
            ReportMetrics.CountRows(byType, noType),
            ReportMetrics.CountRows(byPlace, noPlace),
            byHour,
            ReportMetrics.FailureRates(byType, fleet ?? [], period),
            ReportMetrics.RepeatFailures(withDevices, repeatThreshold),
            ReportMetrics.Load(hours ?? [], pages ?? [], period, zone, includeDrills),
            buckets.Select((bucket, n) => new TrendPoint(bucket.From, bucket.To, trend[n].Count, DurationStats.Of(trend[n].Ack).Mean, DurationStats.Of(trend[n].Resolve).Mean)).ToList());

        void Tally(in IncidentTicks i)
        {
            var targets = i.Targets ?? StageTargets.None;
            foreach (var stage in Stages)
            {
                if (targets.For(stage) is not { } minutes)
                    continue;
                var state = State(stage, i, minutes * TimeSpan.TicksPerMinute, nowTicks - i.Declared);
                var key = (stage, i.Level);
                var c = sla.GetValueOrDefault(key, (Rank: i.Rank, Met: 0, Breached: 0, Open: 0));
                sla[key] = state switch
                {
                    ClockState.Met => c with { Met = c.Met + 1 },
                    ClockState.Breached => c with { Breached = c.Breached + 1 },
                    ClockState.Running or ClockState.Pending => c with { Open = c.Open + 1 },
                    _ => c,
                };
            }
        }
    }

    /// <summary>
    /// The state of one stage's clock, as <see cref="SlaClocks.Compute"/> gives it, in ticks after the
    /// declaration: <paramref name="limit"/> is the target, <paramref name="now"/> the instant read at.
    /// </summary>
    public static ClockState State(Stage stage, in IncidentTicks i, long limit, long now)
    {
        var restored = Earliest(i.Mitigated, i.Resolved);
        return stage switch
        {
            Stage.Acknowledge => Clock(0, i.Acknowledged, Earliest(Earliest(i.Investigating, i.Repairing), restored)),
            Stage.Assess => Clock(0, i.Investigating, Earliest(i.Repairing, restored)),
            Stage.Repair => Clock(0, i.Repairing, restored),
            Stage.Restore => Clock(0, restored, null),
            Stage.Verify => i.Resolved is { } r ? Clock(r, i.Verified, i.Closed) : ClockState.Pending,
            _ => throw new ArgumentOutOfRangeException(nameof(stage)),
        };

        ClockState Clock(long start, long? met, long? moot) => (met, moot) switch
        {
            ({ } m, _) => m - start <= limit ? ClockState.Met : ClockState.Breached,
            (null, { } x) => x - start <= limit ? ClockState.Skipped : ClockState.Breached,
            _ => now - start >= limit ? ClockState.Breached : ClockState.Running,
        };
    }

    private static long? Earliest(long? a, long? b) => a is { } x ? (b is { } y ? Math.Min(x, y) : x) : b;

    private static void Add(List<double> seconds, long? ticks)
    {
        if (ticks is { } t)
            seconds.Add(new TimeSpan(t).TotalSeconds);
    }

    private static void Increment(Dictionary<string, int> counts, string? key, ref int none)
    {
        if (string.IsNullOrEmpty(key))
            none++;
        else
            counts[key] = counts.GetValueOrDefault(key) + 1;
    }

    /// <summary>
    /// The local hour every instant of a UTC hour falls in; -1 when they do not share one (an
    /// offset that is not whole hours, or one that changes inside the hour).
    /// </summary>
    private static int LocalHourOf(long utcHour, TimeZoneInfo zone)
    {
        var start = new DateTime(utcHour * TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var offset = zone.GetUtcOffset(start);
        if (offset.Ticks % TimeSpan.TicksPerHour != 0 || zone.GetUtcOffset(start.AddTicks(TimeSpan.TicksPerHour - 1)) != offset)
            return -1;
        return TimeZoneInfo.ConvertTimeFromUtc(start, zone).Hour;
    }
}
