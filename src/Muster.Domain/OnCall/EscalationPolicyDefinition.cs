using System.Text.Json.Serialization;

namespace Muster.Domain.OnCall;

/// <summary>
/// Who is paged, in which order, until someone acknowledges. Step 1 pages at once; each step's
/// <see cref="EscalationStep.DelayMinutes"/> is the wait after it before the next step. After the
/// last step's delay the policy goes back to <see cref="RepeatFromStep"/>, <see cref="RepeatCount"/>
/// times; after the last delay of the last repetition it is exhausted.
/// </summary>
public sealed record EscalationPolicyDefinition
{
    public IReadOnlyList<EscalationStep> Steps { get; init; } = [];

    /// <summary>How many more times the steps run after the first pass: 0 runs them once. At most 9.</summary>
    public int RepeatCount { get; init; }

    /// <summary>The step (1-based) each repetition starts from; the steps before it page only once.</summary>
    public int RepeatFromStep { get; init; } = 1;

    /// <summary>
    /// When set, an incident acknowledged but not touched (no note, no status change) for this many
    /// minutes escalates again from step 1, as if it had just opened.
    /// </summary>
    public int? ReescalateAfterMinutes { get; init; }
}

public sealed record EscalationStep
{
    /// <summary>Minutes to wait after this step pages before the next one does.</summary>
    public int DelayMinutes { get; init; }

    public IReadOnlyList<EscalationTarget> Targets { get; init; } = [];

    /// <summary>
    /// Everyone this step pages (everyone on shift, for a schedule) must acknowledge before the
    /// incident counts as acknowledged at this step; otherwise the first acknowledgement is enough.
    /// </summary>
    public bool RequireAll { get; init; }
}

/// <summary>A person, everyone on call in a schedule, or a team.</summary>
public sealed record EscalationTarget(EscalationTargetType Type, string Id);

[JsonConverter(typeof(JsonStringEnumConverter<EscalationTargetType>))]
public enum EscalationTargetType
{
    [JsonStringEnumMemberName("person")]
    Person,

    [JsonStringEnumMemberName("schedule")]
    Schedule,

    [JsonStringEnumMemberName("team")]
    Team,
}
