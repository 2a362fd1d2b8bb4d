using Muster.Domain.Status;

namespace Muster.Domain.Tests;

public sealed class StatusTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTime Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1, null, ComponentState.MajorOutage)]
    [InlineData(1, "minor", ComponentState.MajorOutage)]
    [InlineData(2, "down", ComponentState.MajorOutage)]
    [InlineData(2, "partial", ComponentState.PartialOutage)]
    [InlineData(2, null, ComponentState.PartialOutage)]
    [InlineData(3, "down", ComponentState.PartialOutage)]
    [InlineData(3, "partial", ComponentState.Degraded)]
    [InlineData(4, null, ComponentState.Degraded)]
    public void An_incident_states_by_level_and_condition(int rank, string? condition, ComponentState expected) =>
        Assert.Equal(expected, ComponentStatus.ForIncident(new IncidentSignal(rank, condition)));

    [Fact]
    public void No_incident_is_operational_and_the_worst_incident_wins()
    {
        Assert.Equal(ComponentState.Operational, ComponentStatus.Derive([], inMaintenance: false));
        Assert.Equal(ComponentState.PartialOutage, ComponentStatus.Derive([new(4, null), new(2, "partial"), new(3, null)], false));
    }

    [Fact]
    public void Maintenance_shows_unless_an_incident_is_worse()
    {
        Assert.Equal(ComponentState.Maintenance, ComponentStatus.Derive([], inMaintenance: true));
        Assert.Equal(ComponentState.Degraded, ComponentStatus.Derive([new(4, null)], inMaintenance: true));
        Assert.True(StatusPostRules.InWindow(Utc(3, 1, 1), Utc(3, 1, 3), Utc(3, 1, 2)));
        Assert.False(StatusPostRules.InWindow(Utc(3, 1, 1), Utc(3, 1, 3), Utc(3, 1, 3)));
        Assert.False(StatusPostRules.InWindow(Utc(3, 1, 1), Utc(3, 1, 3), Utc(3, 1, 0)));
    }

    [Fact]
    public void Overall_is_the_worst_component()
    {
        Assert.Equal(ComponentState.Operational, ComponentStatus.Overall([]));
        Assert.Equal(ComponentState.MajorOutage, ComponentStatus.Overall([ComponentState.Maintenance, ComponentState.MajorOutage, ComponentState.Degraded]));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Levels_one_and_two_need_approval(int rank, bool needs) => Assert.Equal(needs, StatusPostRules.NeedsApproval(rank));

    [Fact]
    public void No_incidents_is_ninety_operational_days_and_full_uptime()
    {
        var uptime = Uptime.Compute([], Utc(3, 10, 4), Shanghai);
        Assert.Equal(90, uptime.Days.Count);
        Assert.All(uptime.Days, d => Assert.Equal(ComponentState.Operational, d.Worst));
        Assert.Equal(100, uptime.Percent);
        Assert.Equal(new DateOnly(2026, 3, 10), uptime.Days[^1].Day);
        Assert.Equal(new DateOnly(2025, 12, 11), uptime.Days[0].Day);
    }

    [Fact]
    public void An_outage_across_local_midnight_counts_on_both_days()
    {
        // 23:00 to 01:30 Beijing time on 8–9 March is 15:00 to 17:30 UTC on 8 March.
        var now = Utc(3, 10, 4);
        var uptime = Uptime.Compute([new StateSpan(Utc(3, 8, 15), Utc(3, 8, 17, 30), ComponentState.MajorOutage)], now, Shanghai, days: 5);
        var byDay = uptime.Days.ToDictionary(d => d.Day);
        Assert.Equal(60, byDay[new DateOnly(2026, 3, 8)].DownMinutes);
        Assert.Equal(90, byDay[new DateOnly(2026, 3, 9)].DownMinutes);
        Assert.Equal(ComponentState.MajorOutage, byDay[new DateOnly(2026, 3, 8)].Worst);
        Assert.Equal(ComponentState.MajorOutage, byDay[new DateOnly(2026, 3, 9)].Worst);
        Assert.Equal(ComponentState.Operational, byDay[new DateOnly(2026, 3, 10)].Worst);
        // Four whole days and today's first 12 hours (04:00 UTC is noon in Beijing).
        var total = 4 * 1440 + 12 * 60;
        Assert.Equal(100 * (1 - 150.0 / total), uptime.Percent, precision: 6);
    }

    [Fact]
    public void Overlapping_outages_count_once_and_degraded_is_not_down()
    {
        var now = Utc(3, 10, 4);
        var spans = new[]
        {
            new StateSpan(Utc(3, 9, 1), Utc(3, 9, 2), ComponentState.PartialOutage),
            new StateSpan(Utc(3, 9, 1, 30), Utc(3, 9, 3), ComponentState.MajorOutage),
            new StateSpan(Utc(3, 9, 5), Utc(3, 9, 9), ComponentState.Degraded),
        };
        var day = Uptime.Compute(spans, now, Shanghai, days: 2).Days.Single(d => d.Day == new DateOnly(2026, 3, 9));
        Assert.Equal(120, day.DownMinutes);
        Assert.Equal(ComponentState.MajorOutage, day.Worst);
    }

    [Fact]
    public void An_open_incident_counts_until_now_and_maintenance_colours_without_downtime()
    {
        var now = Utc(3, 10, 4);
        var spans = new[]
        {
            new StateSpan(Utc(3, 10, 3), null, ComponentState.MajorOutage),
            new StateSpan(Utc(3, 9, 18), Utc(3, 9, 20), ComponentState.Maintenance),
        };
        var uptime = Uptime.Compute(spans, now, Shanghai, days: 2);
        Assert.Equal(60, uptime.Days[^1].DownMinutes);
        Assert.Equal(ComponentState.MajorOutage, uptime.Days[^1].Worst);
        // 18:00–20:00 UTC on the 9th is 02:00–04:00 on the 10th in Beijing: the same day as the outage, worse wins.
        Assert.Equal(ComponentState.Operational, uptime.Days[0].Worst);
    }

    [Fact]
    public void Maintenance_alone_is_a_maintenance_day_at_full_uptime()
    {
        var now = Utc(3, 10, 4);
        var uptime = Uptime.Compute([new StateSpan(Utc(3, 8, 18), Utc(3, 8, 20), ComponentState.Maintenance)], now, Shanghai, days: 3);
        Assert.Equal(ComponentState.Maintenance, uptime.Days.Single(d => d.Day == new DateOnly(2026, 3, 9)).Worst);
        Assert.Equal(100, uptime.Percent);
    }
}
