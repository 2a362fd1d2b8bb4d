using System.Globalization;

namespace Muster.Domain.OnCall;

/// <summary>Errors make a policy unusable; warnings point at steps that page no one or never page.</summary>
public sealed record EscalationValidation(IReadOnlyList<OnCallIssue> Errors, IReadOnlyList<OnCallIssue> Warnings)
{
    public bool IsValid => Errors.Count == 0;
}

public static class EscalationValidator
{
    /// <summary>The most repetitions a policy may ask for, as in PagerDuty: beyond it paging is noise.</summary>
    public const int MaxRepeatCount = 9;

    /// <summary>
    /// How far after an incident opens a step still counts as reachable. An incident not acknowledged
    /// in a day has been handled some other way, so a step that first pages later is dead weight.
    /// </summary>
    public static readonly TimeSpan ReachHorizon = TimeSpan.FromHours(24);

    /// <summary>The span the caller is expected to compute schedule gaps over (from now).</summary>
    public static readonly TimeSpan GapHorizon = TimeSpan.FromDays(14);

    /// <param name="exists">Whether a target of a type and id exists.</param>
    /// <param name="scheduleGaps">
    /// A schedule's gaps over the next <see cref="GapHorizon"/>, computed by the caller (which owns
    /// the clock) with <see cref="ScheduleResolver.Gaps"/>; without it gaps are not checked.
    /// </param>
    public static EscalationValidation Validate(
        EscalationPolicyDefinition policy,
        Func<EscalationTargetType, string, bool> exists,
        Func<string, IReadOnlyList<TimeRange>>? scheduleGaps = null)
    {
        var errors = new List<OnCallIssue>();
        var warnings = new List<OnCallIssue>();
        var steps = policy.Steps;
        if (steps.Count == 0)
            errors.Add(new("steps", "A policy needs at least one step."));

        var firstPage = TimeSpan.Zero;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var path = $"steps[{i}]";
            if (step.DelayMinutes < 0)
                errors.Add(new($"{path}.delayMinutes", $"Step {i + 1}'s delay is {step.DelayMinutes}; a delay is 0 or more minutes."));
            if (step.Targets.Count == 0)
                errors.Add(new($"{path}.targets", $"Step {i + 1} pages no one; add a person, a schedule or a team."));
            if (i > 0 && firstPage > ReachHorizon)
                warnings.Add(new(path, $"Step {i + 1} first pages {Hours(firstPage)} after the escalation starts, beyond the {ReachHorizon.TotalHours}-hour horizon, so in practice it is never reached; shorten the delays before it."));

            for (var j = 0; j < step.Targets.Count; j++)
                CheckTarget(step, i, j, exists, scheduleGaps, errors, warnings);
            firstPage += TimeSpan.FromMinutes(Math.Max(step.DelayMinutes, 0));
        }

        if (steps.Count > 0 && (policy.RepeatFromStep < 1 || policy.RepeatFromStep > steps.Count))
            errors.Add(new("repeatFromStep", $"repeatFromStep is a step number from 1 to {steps.Count}; it is {policy.RepeatFromStep}."));
        if (policy.RepeatCount is < 0 or > MaxRepeatCount)
            errors.Add(new("repeatCount", $"repeatCount is how many times the steps run again, 0 to {MaxRepeatCount}; it is {policy.RepeatCount}."));
        if (policy.ReescalateAfterMinutes is <= 0)
            errors.Add(new("reescalateAfterMinutes", "reescalateAfterMinutes is 1 or more minutes, or left out to never re-escalate."));

        if (errors.Count == 0 && policy.RepeatCount > 0)
            CheckRepetitions(policy, warnings);
        return new EscalationValidation(errors, warnings);
    }

    private static void CheckTarget(
        EscalationStep step, int i, int j, Func<EscalationTargetType, string, bool> exists,
        Func<string, IReadOnlyList<TimeRange>>? scheduleGaps, List<OnCallIssue> errors, List<OnCallIssue> warnings)
    {
        var target = step.Targets[j];
        var path = $"steps[{i}].targets[{j}]";
        if (!Enum.IsDefined(target.Type))
        {
            errors.Add(new($"{path}.type", "A target's type is one of: person, schedule, team."));
            return;
        }
        var type = target.Type.ToString().ToLowerInvariant();
        if (string.IsNullOrWhiteSpace(target.Id))
        {
            errors.Add(new($"{path}.id", $"The {type} to page is missing its id."));
            return;
        }
        if (!exists(target.Type, target.Id))
        {
            errors.Add(new(path, $"There is no {type} '{target.Id}'."));
            return;
        }
        if (step.Targets.Take(j).Contains(target))
            warnings.Add(new(path, $"The {type} '{target.Id}' is already a target of step {i + 1}."));
        else if (target.Type == EscalationTargetType.Schedule && scheduleGaps?.Invoke(target.Id) is { Count: > 0 } gaps)
        {
            var first = gaps[0];
            warnings.Add(new(path, string.Create(CultureInfo.InvariantCulture,
                $"Schedule '{target.Id}' has nobody on call {(gaps.Count == 1 ? "once" : $"{gaps.Count} times")} in the next {GapHorizon.TotalDays} days, first from {first.Start:yyyy-MM-dd HH:mm} to {first.End:yyyy-MM-dd HH:mm} UTC; step {i + 1} pages no one from it then.")));
        }
    }

    // Repetitions that page at the same instant as the pass before, or that start beyond the horizon.
    private static void CheckRepetitions(EscalationPolicyDefinition policy, List<OnCallIssue> warnings)
    {
        var repeated = policy.Steps.Skip(policy.RepeatFromStep - 1).ToList();
        if (repeated.All(s => s.DelayMinutes == 0))
        {
            var which = repeated.Count == 1 ? $"Step {policy.RepeatFromStep} has" : $"Steps {policy.RepeatFromStep} to {policy.Steps.Count} have";
            warnings.Add(new("repeatCount", $"{which} no delay, so every repetition pages at the same instant as the first pass; give step {policy.Steps.Count} a delay."));
            return;
        }
        var starts = EscalationPlanner.Plan(policy, DateTime.UnixEpoch).Firings
            .Where(f => f.Repetition > 0 && f.Step == policy.RepeatFromStep)
            .ToList();
        var reachable = starts.Count(f => f.At - DateTime.UnixEpoch <= ReachHorizon);
        if (reachable < starts.Count)
            warnings.Add(new("repeatCount", $"Only {reachable} of the {starts.Count} repetitions start within {Hours(ReachHorizon)} of the escalation starting; the rest are never reached in practice."));
    }

    private static string Hours(TimeSpan span) => span.Minutes == 0
        ? $"{(long)span.TotalHours} hours"
        : $"{(long)span.TotalHours} h {span.Minutes} min";
}
