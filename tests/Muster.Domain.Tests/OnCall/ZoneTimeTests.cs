using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class ZoneTimeTests
{
    [Theory]
    // New York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist, read as EST (UTC-5).
    [InlineData(NewYork, 2026, 3, 8, 1, 30, 6, 30)]
    [InlineData(NewYork, 2026, 3, 8, 2, 30, 7, 30)]
    [InlineData(NewYork, 2026, 3, 8, 3, 30, 7, 30)]
    // New York, fall back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice, the first (EDT) is taken.
    [InlineData(NewYork, 2026, 11, 1, 1, 30, 5, 30)]
    [InlineData(NewYork, 2026, 11, 1, 2, 30, 7, 30)]
    // London, spring forward 2026-03-29 01:00 GMT -> 02:00 BST: 01:30 does not exist, read as GMT.
    [InlineData(London, 2026, 3, 29, 1, 30, 1, 30)]
    [InlineData(London, 2026, 3, 29, 2, 30, 1, 30)]
    // London, fall back 2026-10-25 02:00 BST -> 01:00 GMT: 01:30 twice, the BST one first.
    [InlineData(London, 2026, 10, 25, 1, 30, 0, 30)]
    [InlineData(London, 2026, 10, 25, 2, 30, 2, 30)]
    [InlineData(Shanghai, 2026, 10, 1, 9, 0, 1, 0)]
    public void Local_wall_times_map_to_one_instant(string zone, int y, int m, int d, int h, int min, int utcHour, int utcMinute) =>
        Assert.Equal(Utc(y, m, d, utcHour, utcMinute), ZoneTime.ToUtc(Local(y, m, d, h, min), ZoneTime.Find(zone)));

    [Fact]
    public void Unknown_zones_are_reported_not_guessed()
    {
        Assert.False(ZoneTime.TryFind("Mars/Olympus_Mons", out _));
        Assert.False(ZoneTime.TryFind("", out _));
        Assert.True(ZoneTime.TryFind("Asia/Shanghai", out var zone));
        Assert.Equal(TimeSpan.FromHours(8), zone.BaseUtcOffset);
    }
}
