namespace Muster.Domain.OnCall;

/// <summary>
/// A step that needs everyone on shift to acknowledge (<see cref="EscalationStep.RequireAll"/>):
/// the incident is acknowledged only when the last person that step paged has answered.
/// </summary>
public static class StepAcknowledgement
{
    /// <summary>
    /// Who the step still waits for once <paramref name="by"/> acknowledges. Empty means the
    /// incident is acknowledged now: the step does not need everyone, or <paramref name="by"/> is
    /// not one of the people it paged (a commander or manager who takes the incident settles it).
    /// </summary>
    public static IReadOnlyList<string> Outstanding(bool requireAll, IReadOnlyCollection<string> paged, IReadOnlyCollection<string> acknowledged, string? by)
    {
        if (!requireAll || by is null || !paged.Contains(by))
            return [];
        return paged.Where(p => p != by && !acknowledged.Contains(p)).Distinct().ToList();
    }
}
