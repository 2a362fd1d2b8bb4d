using System.Text.Json.Serialization;

namespace Muster.Domain.OnCall;

/// <summary>
/// An on-call schedule: layers of rotations in one time zone. Where several layers have someone
/// on call, the last layer in <see cref="Layers"/> wins (as in PagerDuty), so a schedule is
/// usually a base rotation followed by narrower layers (nights, weekends, holidays) on top.
/// </summary>
public sealed record ScheduleDefinition
{
    /// <summary>IANA time zone id, e.g. "Asia/Shanghai"; layer starts and restrictions are wall times in it.</summary>
    public required string TimeZone { get; init; }

    public IReadOnlyList<ScheduleLayer> Layers { get; init; } = [];
}

/// <summary>
/// One rotation: <see cref="Members"/> take turns of <see cref="RotationLength"/> ×
/// <see cref="RotationUnit"/>, <see cref="ShiftSize"/> people a turn, starting at
/// <see cref="Start"/>, on call only inside <see cref="Restrictions"/> on the <see cref="Days"/> chosen.
/// </summary>
public sealed record ScheduleLayer
{
    public required string Name { get; init; }

    /// <summary>
    /// The local wall time (in the schedule's zone) of the first handoff; every later handoff is at
    /// the same wall time of day, whatever DST does. Written without an offset; a UTC
    /// <see cref="DateTimeKind"/> is ignored (the digits are the wall time). Before it, the layer has
    /// nobody on call.
    /// </summary>
    public required DateTime Start { get; init; }

    public RotationUnit RotationUnit { get; init; } = RotationUnit.Days;

    /// <summary>How many <see cref="RotationUnit"/>s one turn lasts: 12 hours, 1 day, 1 week.</summary>
    public int RotationLength { get; init; } = 1;

    /// <summary>Person ids in rotation order; the first turn is theirs from the first.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>
    /// People on call a turn. A turn takes that many consecutive members (the first is primary, the
    /// next backup, then backup2...), and the next turn starts right after them, so over
    /// <c>Members.Count</c> turns every member is on call <c>ShiftSize</c> times. When ShiftSize and
    /// the member count share a factor the members form fixed groups (4 members, 2 a shift: a+b, c+d).
    /// </summary>
    public int ShiftSize { get; init; } = 1;

    /// <summary>When in the week the layer is on call; empty means all the time.</summary>
    public IReadOnlyList<TimeRestriction> Restrictions { get; init; } = [];

    /// <summary>Which days, by the working calendar, the layer is on call.</summary>
    public LayerDays Days { get; init; } = LayerDays.All;
}

[JsonConverter(typeof(JsonStringEnumConverter<RotationUnit>))]
public enum RotationUnit
{
    [JsonStringEnumMemberName("hours")]
    Hours,

    [JsonStringEnumMemberName("days")]
    Days,

    [JsonStringEnumMemberName("weeks")]
    Weeks,
}

/// <summary>
/// Which days a layer covers, by the working calendar. A day's window (a restriction, or the
/// whole local day without restrictions) is kept when the day it <em>starts</em> on qualifies, so a
/// working-day night window 18:00–08:00 on Friday runs into Saturday morning.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LayerDays>))]
public enum LayerDays
{
    [JsonStringEnumMemberName("all")]
    All,

    [JsonStringEnumMemberName("workingDays")]
    WorkingDays,

    [JsonStringEnumMemberName("nonWorkingDays")]
    NonWorkingDays,
}

/// <summary>
/// A window of local wall time on some days of the week: <see cref="From"/> to <see cref="To"/> on
/// each of <see cref="Days"/>. When <see cref="To"/> is not after <see cref="From"/> the window
/// wraps midnight and ends the next day (18:00–08:00); From equal to To is a whole day. A window
/// belongs to the day it starts on.
/// </summary>
public sealed record TimeRestriction
{
    /// <summary>The days the window starts on; empty means every day.</summary>
    [JsonConverter(typeof(DayOfWeekListJsonConverter))]
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [];

    public TimeOnly From { get; init; }

    public TimeOnly To { get; init; }

    public bool Equals(TimeRestriction? other) =>
        other is not null && Days.SequenceEqual(other.Days) && From == other.From && To == other.To;

    public override int GetHashCode() => HashCode.Combine(Days.Count, From, To);
}
