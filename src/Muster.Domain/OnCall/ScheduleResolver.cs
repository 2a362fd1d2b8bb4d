namespace Muster.Domain.OnCall;

/// <summary>
/// Who is on call when: the layers' rotations cut to their windows, the last layer with someone
/// on call winning, then the overrides in creation order. Works on boundaries (handoffs, window
/// edges, override edges), never by stepping through time, so a year resolves in milliseconds.
/// </summary>
public static class ScheduleResolver
{
    /// <summary>
    /// Contiguous segments covering <c>[fromUtc, toUtc)</c>, adjacent ones with the same people
    /// merged; a segment with no people is a gap.
    /// </summary>
    public static IReadOnlyList<ShiftSegment> Resolve(
        ScheduleDefinition schedule, WorkingCalendar calendar, IReadOnlyList<Override> overrides, DateTime fromUtc, DateTime toUtc)
    {
        var from = AsUtc(fromUtc);
        var to = AsUtc(toUtc);
        if (to < from)
            throw new ArgumentException($"The period ends ({to:O}) before it starts ({from:O}).", nameof(toUtc));
        if (to == from)
            return [];

        var zone = ZoneTime.Find(schedule.TimeZone);
        var layers = schedule.Layers.Select(layer => LayerPieces(layer, zone, calendar, from, to)).ToList();
        var applicable = overrides
            .Where(o => AsUtc(o.End) > from && AsUtc(o.Start) < to && o.End > o.Start)
            .OrderBy(o => o.CreatedAt).ThenBy(o => o.Id, StringComparer.Ordinal)
            .ToList();

        var boundaries = new SortedSet<DateTime> { from, to };
        foreach (var piece in layers.SelectMany(l => l))
        {
            boundaries.Add(piece.Start);
            boundaries.Add(piece.End);
        }
        foreach (var o in applicable)
        {
            if (AsUtc(o.Start) > from)
                boundaries.Add(AsUtc(o.Start));
            if (AsUtc(o.End) < to)
                boundaries.Add(AsUtc(o.End));
        }

        var segments = new List<ShiftSegment>();
        var cursors = new int[layers.Count];
        var start = from;
        foreach (var end in boundaries.Skip(1))
        {
            var people = PeopleAt(layers, cursors, start);
            foreach (var o in applicable)
            {
                if (AsUtc(o.Start) <= start && AsUtc(o.End) > start)
                    Apply(o, people);
            }
            var onCall = people.Select((id, i) => new OnCallPerson(id, OnCallRoles.ForPosition(i))).ToList();
            if (segments.Count > 0 && segments[^1].People.SequenceEqual(onCall))
                segments[^1] = segments[^1] with { End = end };
            else
                segments.Add(new ShiftSegment(start, end, onCall));
            start = end;
        }
        return segments;
    }

    /// <summary>Who is on call at an instant, primary first; empty in a gap.</summary>
    public static IReadOnlyList<OnCallPerson> OnCallAt(
        ScheduleDefinition schedule, WorkingCalendar calendar, IReadOnlyList<Override> overrides, DateTime instantUtc)
    {
        var instant = AsUtc(instantUtc);
        return Resolve(schedule, calendar, overrides, instant, instant.AddTicks(1))[0].People;
    }

    /// <summary>The spans of <c>[fromUtc, toUtc)</c> with nobody on call.</summary>
    public static IReadOnlyList<TimeRange> Gaps(
        ScheduleDefinition schedule, WorkingCalendar calendar, IReadOnlyList<Override> overrides, DateTime fromUtc, DateTime toUtc) =>
        Resolve(schedule, calendar, overrides, fromUtc, toUtc)
            .Where(s => s.People.Count == 0)
            .Select(s => new TimeRange(s.Start, s.End))
            .ToList();

    /// <summary>
    /// The UTC instant of a layer's <paramref name="turn"/>th handoff (0 is <see cref="ScheduleLayer.Start"/>).
    /// Handoffs step in local wall time, so a daily 09:00 handoff stays at 09:00 across DST.
    /// </summary>
    public static DateTime HandoffUtc(ScheduleLayer layer, TimeZoneInfo zone, long turn) =>
        ZoneTime.ToUtc(LocalStart(layer) + (TurnLength(layer) * turn), zone);

    /// <summary>The person ids on call in a layer's turn, in role order.</summary>
    public static IReadOnlyList<string> MembersOfTurn(ScheduleLayer layer, long turn)
    {
        var count = layer.Members.Count;
        if (count == 0 || turn < 0)
            return [];
        var size = Math.Clamp(layer.ShiftSize, 1, count);
        var first = (int)((turn % count * size) % count);
        return Enumerable.Range(0, size).Select(i => layer.Members[(first + i) % count]).ToList();
    }

    private sealed record Piece(DateTime Start, DateTime End, IReadOnlyList<string> Members);

    private static DateTime AsUtc(DateTime value) =>
        value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static DateTime LocalStart(ScheduleLayer layer) => DateTime.SpecifyKind(layer.Start, DateTimeKind.Unspecified);

    // Wall-clock length of a turn: adding it to a local time moves the wall clock exactly that far.
    private static TimeSpan TurnLength(ScheduleLayer layer)
    {
        var length = Math.Max(layer.RotationLength, 1);
        return layer.RotationUnit switch
        {
            RotationUnit.Hours => TimeSpan.FromHours(length),
            RotationUnit.Days => TimeSpan.FromDays(length),
            RotationUnit.Weeks => TimeSpan.FromDays(7 * length),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.RotationUnit, "Unknown rotation unit."),
        };
    }

    private static List<string> PeopleAt(List<List<Piece>> layers, int[] cursors, DateTime instant)
    {
        List<string>? people = null;
        for (var i = 0; i < layers.Count; i++)
        {
            var pieces = layers[i];
            while (cursors[i] < pieces.Count && pieces[cursors[i]].End <= instant)
                cursors[i]++;
            if (cursors[i] < pieces.Count && pieces[cursors[i]].Start <= instant)
                people = [.. pieces[cursors[i]].Members];
        }
        return people ?? [];
    }

    private static void Apply(Override o, List<string> people)
    {
        switch (o.Kind)
        {
            case OverrideKind.Add:
                if (!people.Contains(o.PersonId))
                    people.Add(o.PersonId);
                break;
            case OverrideKind.Remove:
                people.Remove(o.PersonId);
                break;
            case OverrideKind.Replace:
                var index = o.ReplacesPersonId is null ? -1 : people.IndexOf(o.ReplacesPersonId);
                if (index < 0 || o.ReplacesPersonId == o.PersonId)
                    break;
                people[index] = o.PersonId;
                // The substitute may already be on call in another role: they hold only the one taken over.
                for (var i = people.Count - 1; i >= 0; i--)
                {
                    if (i != index && people[i] == o.PersonId)
                        people.RemoveAt(i);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(o), o.Kind, "Unknown override kind.");
        }
    }

    // The layer's turns cut to its windows, within [from, to), in order and without overlap.
    private static List<Piece> LayerPieces(ScheduleLayer layer, TimeZoneInfo zone, WorkingCalendar calendar, DateTime from, DateTime to)
    {
        var pieces = new List<Piece>();
        if (layer.Members.Count == 0)
            return pieces;
        var windows = Windows(layer, zone, calendar, from, to);
        if (windows.Count == 0)
            return pieces;

        var turn = Math.Max(TurnAt(layer, zone, windows[0].Start), 0);
        var window = 0;
        var turnStart = HandoffUtc(layer, zone, turn);
        while (window < windows.Count && turnStart < to)
        {
            var turnEnd = HandoffUtc(layer, zone, turn + 1);
            // A turn can be empty when its handoff falls in a skipped hour that the next one also maps past.
            if (turnEnd > turnStart)
            {
                while (window < windows.Count && windows[window].End <= turnStart)
                    window++;
                for (var w = window; w < windows.Count && windows[w].Start < turnEnd; w++)
                {
                    var start = Max(windows[w].Start, turnStart);
                    var end = Min(windows[w].End, turnEnd);
                    if (end > start)
                        pieces.Add(new Piece(start, end, MembersOfTurn(layer, turn)));
                }
            }
            turn++;
            turnStart = turnEnd;
        }
        return pieces;
    }

    // The turn in progress at an instant; -1 before the layer starts.
    private static long TurnAt(ScheduleLayer layer, TimeZoneInfo zone, DateTime instant)
    {
        if (instant < HandoffUtc(layer, zone, 0))
            return -1;
        var wallElapsed = ZoneTime.ToLocal(instant, zone) - LocalStart(layer);
        var turn = Math.Max(wallElapsed.Ticks / TurnLength(layer).Ticks, 0);
        // The estimate is off by at most one around a DST change; settle it on the real handoffs.
        while (HandoffUtc(layer, zone, turn + 1) <= instant)
            turn++;
        while (turn > 0 && HandoffUtc(layer, zone, turn) > instant)
            turn--;
        return turn;
    }

    // When the layer may be on call within [from, to): its restriction windows (or whole days) on
    // the days its Days setting keeps, merged and in order.
    private static List<TimeRange> Windows(ScheduleLayer layer, TimeZoneInfo zone, WorkingCalendar calendar, DateTime from, DateTime to)
    {
        IReadOnlyList<TimeRestriction> restrictions = layer.Restrictions.Count > 0 ? layer.Restrictions : [new TimeRestriction()];
        var raw = new List<TimeRange>();
        // A window starts at most a day (plus a DST hour) before it ends, so start a day early.
        var firstDay = DateOnly.FromDateTime(ZoneTime.ToLocal(from, zone)).AddDays(-1);
        var lastDay = DateOnly.FromDateTime(ZoneTime.ToLocal(to, zone));
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            var dayQualifies = layer.Days switch
            {
                LayerDays.WorkingDays => calendar.IsWorkingDay(day),
                LayerDays.NonWorkingDays => !calendar.IsWorkingDay(day),
                _ => true,
            };
            if (!dayQualifies)
                continue;
            foreach (var r in restrictions)
            {
                if (r.Days.Count > 0 && !r.Days.Contains(day.DayOfWeek))
                    continue;
                var endDay = r.To > r.From ? day : day.AddDays(1);
                var start = Max(ZoneTime.ToUtc(day.ToDateTime(r.From), zone), from);
                var end = Min(ZoneTime.ToUtc(endDay.ToDateTime(r.To), zone), to);
                if (end > start)
                    raw.Add(new TimeRange(start, end));
            }
        }

        raw.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<TimeRange>();
        foreach (var range in raw)
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End)
                merged[^1] = merged[^1] with { End = Max(merged[^1].End, range.End) };
            else
                merged.Add(range);
        }
        return merged;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
