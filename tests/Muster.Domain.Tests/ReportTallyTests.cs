using System.Text.Json;
using Muster.Domain.Incidents;
using Muster.Domain.Plans;
using Muster.Domain.Reporting;

namespace Muster.Domain.Tests;

/// <summary>
/// The reports' fast path (<see cref="ReportTally"/>) against the definition (<see cref="ReportMetrics"/>):
/// the same summary, figure for figure, on sets built to sit on every edge (a step exactly at its
/// deadline and one tick after, incidents on the period's edges, drills, reopened ones, repeated
/// numbers) in zones with and without daylight saving and with a half-hour offset.
/// </summary>
public sealed class ReportTallyTests
{
    private static readonly StageTargets L1 = new() { Acknowledge = 5, Assess = 15, Repair = 30, Restore = 120, Verify = 30 };
    private static readonly StageTargets L2 = new() { Acknowledge = 15, Restore = 240 };
    private static readonly DeviceRef[] Devices =
    [
        new("k1", "K-001", "kiosk", "Library"), new("k2", "K-002", "kiosk", null), new("r1", "R-001", "card_reader", "Canteen"), new("d1", "D-001", "door", "Library"),
    ];

    public static TheoryData<string, int, int, bool> Cases() => new()
    {
        { "Asia/Shanghai", 2026, 11, false },
        { "Asia/Shanghai", 2026, 11, true },
        { "Europe/Berlin", 2026, 3, false },
        { "Europe/Berlin", 2026, 10, true },
        { "Asia/Kolkata", 2026, 11, false },
        { "Australia/Lord_Howe", 2026, 4, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_tally_gives_the_summary_the_definition_gives(string zoneId, int year, int month, bool includeDrills)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var period = ReportPeriod.Month(year, month, zone);
        var now = period.To.AddDays(-3);
        var random = new Random(year * 100 + month + (includeDrills ? 1 : 0));
        var (rows, devices) = Build(random, period, 3000);
        var pages = rows.Take(200).Select((r, n) => new PageFact("p" + (n % 7), r.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), r.DeclaredAt.AddMinutes(n % 50), r.Drill)).ToList();
        var fleet = new[] { new DeviceFleet("kiosk", 40, 0.02), new DeviceFleet("door", 10, 0.05), new DeviceFleet("printer", 3, null) };
        var hours = new[] { new PersonHoursInput("p1", 100, 20), new PersonHoursInput("p9", 8, 0) };

        var expected = ReportMetrics.Summarize(rows.Select(r => r.ToFacts(devices.GetValueOrDefault(r.Number))), period, zone, now, includeDrills, fleet, hours, pages);
        var actual = ReportTally.Summarize(rows, devices, period, zone, now, includeDrills, fleet, hours, pages);

        Assert.Equal(Json(expected), Json(actual));
        // The set reaches every state, so the comparison above covers each.
        Assert.Contains(actual.Sla, c => c.Met > 0 && c.Breached > 0 && c.Open > 0);
        Assert.True(actual.ReopenedCount > 0 && actual.DrillCount > 0 && actual.RepeatFailures.Count > 0);
    }

    [Fact]
    public void Each_clock_state_is_the_one_the_clocks_give()
    {
        var random = new Random(7);
        var declared = new DateTime(2026, 11, 2, 2, 0, 0, DateTimeKind.Utc);
        var states = new HashSet<ClockState>();
        for (var n = 0; n < 20_000; n++)
        {
            var row = Row(random, n, declared.Ticks, L1);
            var now = declared.AddTicks(Offset(random, 30) ?? 0);
            foreach (var clock in SlaClocks.Compute(row.ToFacts().ClockInput, L1, now))
            {
                var limit = L1.For(clock.Stage)!.Value * TimeSpan.TicksPerMinute;
                Assert.Equal(clock.State, ReportTally.State(clock.Stage, row, limit, now.Ticks - declared.Ticks));
                states.Add(clock.State);
            }
        }
        Assert.Equal(Enum.GetValues<ClockState>().Length, states.Count);
    }

    private static string Json(ReportSummary summary) => JsonSerializer.Serialize(summary);

    /// <summary>Incidents over the period and a day either side, a few numbers repeated, a tenth of them drills.</summary>
    private static (List<IncidentTicks> Rows, Dictionary<int, IReadOnlyList<DeviceRef>> Devices) Build(Random random, ReportPeriod period, int count)
    {
        var rows = new List<IncidentTicks>();
        var devices = new Dictionary<int, IReadOnlyList<DeviceRef>>();
        var from = period.From.AddDays(-1).Ticks;
        var span = (period.To.AddDays(1) - period.From.AddDays(-1)).Ticks;
        for (var n = 0; n < count; n++)
        {
            var number = n % 97 == 0 && n > 0 ? n - 1 : n;
            var declared = n % 50 == 0 ? period.From.Ticks + (n % 100 == 0 ? 0 : -1)
                : n % 51 == 0 ? period.To.Ticks - (n % 102 == 0 ? 1 : 0)
                : from + (long)(random.NextDouble() * span);
            var level = random.Next(3);
            rows.Add(Row(random, number, declared, level == 0 ? L1 : level == 1 ? L2 : null) with
            {
                Level = level == 0 ? "L1" : level == 1 ? "L2" : "L3",
                Rank = level + 1,
                ServiceId = "s" + random.Next(4),
                Category = random.Next(3) switch { 0 => null, 1 => "hardware", _ => "software" },
                Drill = random.Next(10) == 0,
                Reopened = random.Next(15) == 0,
            });
            if (random.Next(3) == 0 && !devices.ContainsKey(number))
                devices[number] = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Devices[random.Next(Devices.Length)]).ToList();
        }
        return (rows, devices);
    }

    /// <summary>An incident whose steps fall on, just before, just after or far from the targets' deadlines, or never come.</summary>
    private static IncidentTicks Row(Random random, int number, long declared, StageTargets? targets)
    {
        var resolved = Offset(random, 120);
        return new IncidentTicks
        {
            Number = number,
            Declared = declared,
            Level = "L1",
            Rank = 1,
            Targets = targets,
            ServiceId = "s",
            Acknowledged = Offset(random, 5),
            Investigating = Offset(random, 15),
            Repairing = Offset(random, 30),
            Mitigated = Offset(random, 120),
            Resolved = resolved,
            Verified = resolved is { } r ? r + Offset(random, 30) : null,
            Closed = resolved is { } c ? c + Offset(random, 30) : null,
        };
    }

    private static long? Offset(Random random, int minutes)
    {
        var limit = minutes * TimeSpan.TicksPerMinute;
        return random.Next(6) switch
        {
            0 => null,
            1 => limit,
            2 => limit + 1,
            3 => limit - 1,
            _ => (long)(random.NextDouble() * limit * 2) + random.Next(1000),
        };
    }
}
