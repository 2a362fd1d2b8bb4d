namespace Muster.Domain.OnCall;

/// <summary>A span of UTC time, start inclusive, end exclusive.</summary>
public sealed record TimeRange(DateTime Start, DateTime End)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>Someone on call and their role in the shift: <c>primary</c>, <c>backup</c>, <c>backup2</c>...</summary>
public sealed record OnCallPerson(string PersonId, string Role);

/// <summary>Roles are positions in a shift: the first person on call is the primary.</summary>
public static class OnCallRoles
{
    public const string Primary = "primary";
    public const string Backup = "backup";

    /// <summary>The role of the person at a 0-based position: primary, backup, backup2, backup3...</summary>
    public static string ForPosition(int position) => position switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(position), position, "A position is 0 or more."),
        0 => Primary,
        1 => Backup,
        _ => $"{Backup}{position}",
    };
}

/// <summary>A span of UTC time during which the same people are on call (none, in a gap).</summary>
public sealed record ShiftSegment(DateTime Start, DateTime End, IReadOnlyList<OnCallPerson> People)
{
    public TimeSpan Duration => End - Start;

    public bool Equals(ShiftSegment? other) =>
        other is not null && Start == other.Start && End == other.End && People.SequenceEqual(other.People);

    public override int GetHashCode() => HashCode.Combine(Start, End, People.Count);

    public override string ToString() =>
        $"{Start:yyyy-MM-ddTHH:mm}Z–{End:yyyy-MM-ddTHH:mm}Z [{string.Join(", ", People.Select(p => $"{p.PersonId}:{p.Role}"))}]";
}
