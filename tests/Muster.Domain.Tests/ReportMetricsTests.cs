using Muster.Domain.Plans;
using Muster.Domain.Reporting;

namespace Muster.Domain.Tests;

/// <summary>
/// The report figures over a hand-built November in Shanghai (UTC+8): the period is
/// 2026-10-31T16:00Z to 2026-11-30T16:00Z. Every expected figure is worked out beside it.
/// </summary>
public sealed class ReportMetricsTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly ReportPeriod November = ReportPeriod.Month(2026, 11, Shanghai);
    private static readonly DateTime Now = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly StageTargets L1 = new() { Acknowledge = 5, Assess = 15, Repair = 30, Restore = 120, Verify = 30 };
    private static readonly StageTargets L2 = new() { Acknowledge = 15, Assess = 30, Repair = 60, Restore = 240, Verify = 60 };
    private static readonly DeviceRef Kiosk1 = new("k1", "K-001", "kiosk", "Library");
    private static readonly DeviceRef Reader1 = new("r1", "R-001", "card_reader", "Canteen");

    private static DateTime Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, DateTimeKind.Utc);

    // A: declared Nov 2 10:00 local; every step on time; resolved, never verified.
    private static readonly IncidentFacts A = new()
    {
        Id = "a",
        Number = 1,
        DeclaredAt = Utc(11, 2, 2, 0),
        Level = "L1",
        Rank = 1,
        Targets = L1,
        ServiceId = "s1",
        Devices = [Kiosk1],
        AcknowledgedAt = Utc(11, 2, 2, 3),
        InvestigatingAt = Utc(11, 2, 2, 10),
        RepairingAt = Utc(11, 2, 2, 20),
        MitigatedAt = Utc(11, 2, 3, 0),
        ResolvedAt = Utc(11, 2, 3, 30),
    };

    // B: declared Nov 5 23:30 local; acknowledged late (20 > 15), assess skipped after its deadline
    // (repair began at 40 > 30), repair began in time (40 <= 60), resolved after 5 h (> 240 min). Reopened once: these are its final times.
    private static readonly IncidentFacts B = new()
    {
        Id = "b",
        Number = 2,
        DeclaredAt = Utc(11, 5, 15, 30),
        Level = "L2",
        Rank = 2,
        Targets = L2,
        ServiceId = "s1",
        Devices = [Kiosk1, Reader1],
        AcknowledgedAt = Utc(11, 5, 15, 50),
        RepairingAt = Utc(11, 5, 16, 10),
        ResolvedAt = Utc(11, 5, 20, 30),
        Reopened = true,
    };

    // C: declared Oct 31 23:00 local, before the period, resolved inside it: belongs to October.
    private static readonly IncidentFacts C = new()
    {
        Id = "c",
        Number = 3,
        DeclaredAt = Utc(10, 31, 15, 0),
        Level = "L1",
        Rank = 1,
        Targets = L1,
        ServiceId = "s1",
        Devices = [Kiosk1],
        AcknowledgedAt = Utc(10, 31, 15, 1),
        ResolvedAt = Utc(10, 31, 17, 0),
    };

    // D: declared Nov 30 23:59 local, the last minute of the period; still open at Now (8 h 1 min later).
    private static readonly IncidentFacts D = new()
    {
        Id = "d",
        Number = 4,
        DeclaredAt = Utc(11, 30, 15, 59),
        Level = "L1",
        Rank = 1,
        Targets = L1,
        ServiceId = "s2",
        Devices = [Kiosk1],
    };

    // E: declared Dec 1 00:00 local, the instant the period ends: belongs to December.
    private static readonly IncidentFacts E = new()
    {
        Id = "e",
        Number = 5,
        DeclaredAt = Utc(11, 30, 16, 0),
        Level = "L1",
        Rank = 1,
        Targets = L1,
        ServiceId = "s1",
    };

    // F: a drill on Nov 10: acknowledged at 1 min, resolved at 10 min.
    private static readonly IncidentFacts F = new()
    {
        Id = "f",
        Number = 6,
        DeclaredAt = Utc(11, 10, 2, 0),
        Level = "L1",
        Rank = 1,
        Targets = L1,
        ServiceId = "s1",
        Devices = [Kiosk1],
        Drill = true,
        AcknowledgedAt = Utc(11, 10, 2, 1),
        ResolvedAt = Utc(11, 10, 2, 10),
    };

    private static readonly IncidentFacts[] All = [A, B, C, D, E, F];

    private static ReportSummary Summary(bool drills = false, IEnumerable<PageFact>? pages = null) =>
        ReportMetrics.Summarize(All, November, Shanghai, Now, drills,
            fleet: [new DeviceFleet("kiosk", 50, 0.02), new DeviceFleet("card_reader", 10, 0.05), new DeviceFleet("door", 5, null)],
            hours: [new PersonHoursInput("p1", 100, 30), new PersonHoursInput("p2", 50, 10)],
            pages: pages);

    [Fact]
    public void The_month_is_local_midnight_to_local_midnight()
    {
        Assert.Equal(Utc(10, 31, 16, 0), November.From);
        Assert.Equal(Utc(11, 30, 16, 0), November.To);
        var q = ReportPeriod.Quarter(2026, 11, Shanghai);
        Assert.Equal(Utc(9, 30, 16, 0), q.From);
        Assert.Equal(new DateTime(2026, 12, 31, 16, 0, 0, DateTimeKind.Utc), q.To);
        Assert.Throws<ArgumentException>(() => new ReportPeriod(November.To, November.From));
    }

    [Fact]
    public void A_period_counts_incidents_declared_in_it_once_drills_only_when_asked()
    {
        // C before the start and E at the exclusive end are out; D in the last minute is in.
        Assert.Equal(["a", "b", "d"], ReportMetrics.InPeriod(All, November, includeDrills: false).Select(i => i.Id));
        Assert.Equal(["a", "b", "d", "f"], ReportMetrics.InPeriod(All.Append(B), November, includeDrills: true).Select(i => i.Id));

        var s = Summary();
        Assert.Equal(3, s.IncidentCount);
        Assert.Equal(1, s.OpenCount); // D
        Assert.Equal(1, s.ReopenedCount); // B, counted once
        Assert.Equal(1, s.DrillCount); // F, shown as left out
        Assert.Equal(4, Summary(drills: true).IncidentCount);
    }

    [Fact]
    public void Mean_times_run_from_declaration_over_the_incidents_that_reached_the_step()
    {
        var s = Summary();
        // Acknowledged: A at 3 min (180 s), B at 20 min (1,200 s); D never.
        Assert.Equal(new DurationStats(2, 690, 690, 1200), s.Acknowledge);
        // Assessed (investigating): only A, at 10 min.
        Assert.Equal(new DurationStats(1, 600, 600, 600), s.Assess);
        // Mitigated: only A, at 60 min.
        Assert.Equal(new DurationStats(1, 3600, 3600, 3600), s.Mitigate);
        // Resolved: A at 90 min (5,400 s), B at 5 h (18,000 s): MTTR 11,700 s.
        Assert.Equal(new DurationStats(2, 11_700, 11_700, 18_000), s.Resolve);

        // With the drill F (acknowledged at 60 s, resolved at 600 s): MTTA (180 + 1200 + 60) / 3 = 480.
        var withDrill = Summary(drills: true);
        Assert.Equal(480, withDrill.Acknowledge.Mean);
        Assert.Equal(180, withDrill.Acknowledge.Median);
        Assert.Equal((5400 + 18_000 + 600) / 3.0, withDrill.Resolve.Mean);
    }

    [Fact]
    public void Duration_statistics()
    {
        // Sorted 1, 2, 3, 4, 100: mean 110 / 5 = 22, median the third, p90 the ceil(4.5) = 5th.
        Assert.Equal(new DurationStats(5, 22, 3, 100), DurationStats.Of([100, 3, 1, 4, 2]));
        // Ten values 1..10: median (5 + 6) / 2, p90 the 9th.
        Assert.Equal(new DurationStats(10, 5.5, 5.5, 9), DurationStats.Of(Enumerable.Range(1, 10).Select(i => (double)i)));
        Assert.Equal(DurationStats.Empty, DurationStats.Of([]));
    }

    [Fact]
    public void Sla_compliance_per_stage_and_level()
    {
        var cells = Summary().Sla.ToDictionary(c => (c.Stage, c.Level));
        // Acknowledge: A met (3 <= 5); D breached (still not acknowledged 8 h later); B breached (20 > 15).
        Assert.Equal((1, 1, 0), Counts(cells[(Stage.Acknowledge, "L1")]));
        Assert.Equal((0, 1, 0), Counts(cells[(Stage.Acknowledge, "L2")]));
        // Assess: A met (10 <= 15), D breached; B never investigated and repair began at 40 > 30: breached.
        Assert.Equal((1, 1, 0), Counts(cells[(Stage.Assess, "L1")]));
        Assert.Equal((0, 1, 0), Counts(cells[(Stage.Assess, "L2")]));
        // Repair: A began at 20 <= 30; D breached; B began at 40 <= 60.
        Assert.Equal((1, 1, 0), Counts(cells[(Stage.Repair, "L1")]));
        Assert.Equal((1, 0, 0), Counts(cells[(Stage.Repair, "L2")]));
        // Restore: A mitigated at 60 <= 120; D breached; B resolved at 300 > 240.
        Assert.Equal((1, 1, 0), Counts(cells[(Stage.Restore, "L1")]));
        Assert.Equal((0, 1, 0), Counts(cells[(Stage.Restore, "L2")]));
        // Verify: A resolved and never verified, 30 min long past: breached; D not resolved: open. B: breached.
        Assert.Equal((0, 1, 1), Counts(cells[(Stage.Verify, "L1")]));
        Assert.Equal((0, 1, 0), Counts(cells[(Stage.Verify, "L2")]));
        Assert.Equal(0.5, cells[(Stage.Acknowledge, "L1")].Compliance);
        Assert.Null(new SlaCell(Stage.Verify, "L1", 1, 0, 0, 3).Compliance);
        Assert.Equal(10, cells.Count);

        // The drill F: acknowledged in time; assess and repair made moot in time by the resolve at 10 min (skipped: in no count).
        var drills = Summary(drills: true).Sla.ToDictionary(c => (c.Stage, c.Level));
        Assert.Equal((2, 1, 0), Counts(drills[(Stage.Acknowledge, "L1")]));
        Assert.Equal((1, 1, 0), Counts(drills[(Stage.Assess, "L1")]));
        Assert.Equal((2, 1, 0), Counts(drills[(Stage.Restore, "L1")]));

        static (int, int, int) Counts(SlaCell c) => (c.Met, c.Breached, c.Open);
    }

    [Fact]
    public void Counts_by_service_category_device_type_place_and_local_hour()
    {
        var s = Summary();
        Assert.Equal([new CountRow("s1", 2), new CountRow("s2", 1)], s.ByService);
        Assert.Equal([new CountRow(null, 3)], s.ByCategory); // no incident carries a category yet
        // B names a kiosk and a card reader: it counts once under each.
        Assert.Equal([new CountRow("kiosk", 3), new CountRow("card_reader", 1)], s.ByDeviceType);
        Assert.Equal([new CountRow("Library", 3), new CountRow("Canteen", 1)], s.ByPlace);
        // Local hours: A 10:00, B 23:30, D 23:59.
        var hours = new int[24];
        hours[10] = 1;
        hours[23] = 2;
        Assert.Equal(hours, s.ByHour);

        var none = ReportMetrics.Count([E], i => i.Devices.Count == 0 ? [null] : i.Devices.Select(d => (string?)d.Type));
        Assert.Equal([new CountRow(null, 1)], none);
    }

    [Fact]
    public void Failure_rate_per_device_type_against_its_target()
    {
        var rates = Summary().FailureRates.ToDictionary(r => r.Type);
        // November has 30 days, so the 30-day scale is 1. Kiosks: A, B, D name one: 3 / 50 = 6% > 2%.
        Assert.Equal(new FailureRate("kiosk", 3, 50, 0.06, 0.02), rates["kiosk"]);
        Assert.False(rates["kiosk"].Met);
        // Card readers: B: 1 / 10 = 10% > 5%.
        Assert.Equal(0.1, rates["card_reader"].Rate);
        Assert.False(rates["card_reader"].Met);
        // Doors: none failed, no target.
        Assert.Equal(0, rates["door"].Rate);
        Assert.Null(rates["door"].Met);

        // Over a quarter (92 days), one incident on 10 readers is 1/10 × 30/92.
        var quarter = ReportPeriod.Quarter(2026, 11, Shanghai);
        var q = ReportMetrics.FailureRates([B], [new DeviceFleet("card_reader", 10, 0.05)], quarter).Single(r => r.Type == "card_reader");
        Assert.Equal(0.1 * 30 / 92, q.Rate!.Value, 12);
        Assert.True(q.Met);
        // A type with incidents but no devices in service has no rate.
        Assert.Null(ReportMetrics.FailureRates([A], [], November).Single().Rate);
    }

    [Fact]
    public void Repeat_failures_of_one_device()
    {
        // K-001 is named by A, B and D in November (C is October's, F a drill); with the drill, in order declared: A, B, F (Nov 10), D.
        var repeat = Assert.Single(Summary().RepeatFailures);
        Assert.Equal("K-001", repeat.Device.Code);
        Assert.Equal(3, repeat.Count);
        Assert.Equal([1, 2, 4], repeat.Numbers);
        Assert.Equal([1, 2, 6, 4], Assert.Single(Summary(drills: true).RepeatFailures).Numbers);
        Assert.Empty(ReportMetrics.RepeatFailures([A, B, D], threshold: 4));
    }

    [Fact]
    public void On_call_load_counts_pages_and_night_pages_in_the_period()
    {
        PageFact[] pages =
        [
            new("p1", "a", Utc(11, 2, 2, 1)), // 10:01 local: day
            new("p1", "b", Utc(11, 5, 15, 31)), // 23:31 local: night
            new("p1", "a", Utc(11, 15, 23, 0)), // 07:00 local on the 16th: day (night ends at 07:00)
            new("p2", "a", Utc(11, 20, 22, 30)), // 06:30 local on the 21st: night
            new("p2", "d", Utc(11, 30, 16, 0)), // 00:00 local on Dec 1: outside the period
            new("p2", "f", Utc(11, 10, 2, 1)), // the drill's page
        ];
        var load = Summary(pages: pages).OnCall.ToDictionary(l => l.PersonId);
        Assert.Equal(new OnCallLoad("p1", 100, 30, 3, 1), load["p1"]);
        Assert.Equal(new OnCallLoad("p2", 50, 10, 1, 1), load["p2"]);
        Assert.Equal(2, Summary(drills: true, pages: pages).OnCall.Single(l => l.PersonId == "p2").Pages);
    }

    [Fact]
    public void The_trend_is_daily_for_a_month_and_monthly_for_longer()
    {
        var trend = Summary().Trend;
        Assert.Equal(30, trend.Count);
        Assert.Equal(November.From, trend[0].From);
        Assert.Equal(November.To, trend[^1].To);
        var nov2 = trend[1];
        Assert.Equal((1, 180.0, 5400.0), (nov2.Count, nov2.Mtta!.Value, nov2.Mttr!.Value));
        var nov5 = trend[4];
        Assert.Equal((1, 1200.0, 18_000.0), (nov5.Count, nov5.Mtta!.Value, nov5.Mttr!.Value));
        Assert.Equal(1, trend[^1].Count);
        Assert.Null(trend[^1].Mtta);
        Assert.Equal(3, trend.Sum(t => t.Count));

        var quarter = ReportMetrics.Trend([C, A, B, D], ReportPeriod.Quarter(2026, 11, Shanghai), Shanghai);
        Assert.Equal([1, 3, 0], quarter.Select(t => t.Count));
    }
}
