using System.Text.Json.Serialization;

namespace Muster.Domain.OnCall;

/// <summary>
/// A change to a schedule for a while. Overrides are applied on top of the layers, one after the
/// other in <see cref="CreatedAt"/> order (then by <see cref="Id"/>), so where two conflict the
/// later one wins.
/// </summary>
public sealed record Override
{
    public required string Id { get; init; }

    /// <summary>UTC; inclusive.</summary>
    public required DateTime Start { get; init; }

    /// <summary>UTC; exclusive.</summary>
    public required DateTime End { get; init; }

    public required OverrideKind Kind { get; init; }

    /// <summary>Who is added, removed, or put in <see cref="ReplacesPersonId"/>'s place.</summary>
    public required string PersonId { get; init; }

    /// <summary>For <see cref="OverrideKind.Replace"/>: who steps aside.</summary>
    public string? ReplacesPersonId { get; init; }

    public required DateTime CreatedAt { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<OverrideKind>))]
public enum OverrideKind
{
    /// <summary>Puts the person on call as well, after those already on call (primary if nobody is).</summary>
    [JsonStringEnumMemberName("add")]
    Add,

    /// <summary>Takes the person off call; those after them move up a role.</summary>
    [JsonStringEnumMemberName("remove")]
    Remove,

    /// <summary>Puts the person in the replaced person's place and role; nothing where the replaced person is not on call.</summary>
    [JsonStringEnumMemberName("replace")]
    Replace,
}
