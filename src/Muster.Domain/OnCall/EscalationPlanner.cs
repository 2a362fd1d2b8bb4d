namespace Muster.Domain.OnCall;

/// <summary>A step paging: <see cref="Step"/> is 1-based, <see cref="Repetition"/> 0 is the first pass.</summary>
public sealed record EscalationFiring(int Step, int Repetition, DateTime At);

/// <summary>Every paging of a policy in order, and the instant after the last step's delay when it is exhausted.</summary>
public sealed record EscalationPlan(IReadOnlyList<EscalationFiring> Firings, DateTime ExhaustedAt);

/// <summary>
/// When each step of an escalation policy pages, from the instant the escalation started. Pure
/// arithmetic on the delays: the caller stops at acknowledgement and restarts on re-escalation.
/// Invalid values are read leniently (negative delays as 0, an out-of-range repeat step as 1) so a
/// stored policy never breaks paging; <see cref="EscalationValidator"/> refuses them on the way in.
/// </summary>
public static class EscalationPlanner
{
    /// <summary>Every firing, in order (steps with no delay between them fire at the same instant, in step order).</summary>
    public static EscalationPlan Plan(EscalationPolicyDefinition policy, DateTime startedUtc)
    {
        var shape = new Shape(policy);
        var firings = Enumerable.Range(0, shape.Total).Select(k => shape.Firing(k, startedUtc)).ToList();
        return new EscalationPlan(firings, shape.ExhaustedAt(startedUtc));
    }

    /// <summary>The latest firing at or before <paramref name="nowUtc"/> (the step in force); null before the start or without steps.</summary>
    public static EscalationFiring? StepAt(EscalationPolicyDefinition policy, DateTime startedUtc, DateTime nowUtc)
    {
        var shape = new Shape(policy);
        var index = shape.LastIndexAtOrBefore(nowUtc - startedUtc);
        return index < 0 ? null : shape.Firing(index, startedUtc);
    }

    /// <summary>The first firing after <paramref name="nowUtc"/>; null once the last one has fired.</summary>
    public static EscalationFiring? NextFire(EscalationPolicyDefinition policy, DateTime startedUtc, DateTime nowUtc)
    {
        var shape = new Shape(policy);
        var next = shape.LastIndexAtOrBefore(nowUtc - startedUtc) + 1;
        return next < shape.Total ? shape.Firing(next, startedUtc) : null;
    }

    /// <summary>Whether every step has fired and the last delay has passed with no acknowledgement.</summary>
    public static bool IsExhausted(EscalationPolicyDefinition policy, DateTime startedUtc, DateTime nowUtc) =>
        policy.Steps.Count > 0 && nowUtc >= new Shape(policy).ExhaustedAt(startedUtc);

    /// <summary>When an acknowledged incident last touched at <paramref name="lastTouchedUtc"/> escalates again from step 1; null if the policy does not re-escalate.</summary>
    public static DateTime? ReescalateAt(EscalationPolicyDefinition policy, DateTime lastTouchedUtc) =>
        policy.ReescalateAfterMinutes is > 0 and var minutes ? lastTouchedUtc.AddMinutes(minutes) : null;

    /// <summary>
    /// The policy as offsets from the start. Firing k is step k+1 of the first pass for k &lt; N,
    /// then repetitions of steps RepeatFromStep..N. A repetition's cycle is the sum of the delays of
    /// the steps it repeats.
    /// </summary>
    private sealed class Shape
    {
        private readonly TimeSpan[] _offsets;   // when each step fires in the first pass
        private readonly TimeSpan _firstPass;    // the last step's offset plus its delay
        private readonly TimeSpan _cycle;
        private readonly int _from;              // 0-based step each repetition starts from
        private readonly int _repeats;

        public Shape(EscalationPolicyDefinition policy)
        {
            var steps = policy.Steps;
            _offsets = new TimeSpan[steps.Count];
            var offset = TimeSpan.Zero;
            for (var i = 0; i < steps.Count; i++)
            {
                _offsets[i] = offset;
                offset += TimeSpan.FromMinutes(Math.Max(steps[i].DelayMinutes, 0));
            }
            _firstPass = offset;
            _from = policy.RepeatFromStep >= 1 && policy.RepeatFromStep <= steps.Count ? policy.RepeatFromStep - 1 : 0;
            _repeats = steps.Count == 0 ? 0 : Math.Max(policy.RepeatCount, 0);
            _cycle = steps.Count == 0 ? TimeSpan.Zero : _firstPass - _offsets[_from];
            Total = steps.Count + (_repeats * (steps.Count - _from));
        }

        public int Total { get; }

        private int CycleSteps => _offsets.Length - _from;

        public DateTime ExhaustedAt(DateTime start) => start + _firstPass + (_cycle * _repeats);

        public EscalationFiring Firing(int index, DateTime start)
        {
            if (index < _offsets.Length)
                return new EscalationFiring(index + 1, 0, start + _offsets[index]);
            var inRepeats = index - _offsets.Length;
            var repetition = (inRepeats / CycleSteps) + 1;
            var step = _from + (inRepeats % CycleSteps);
            return new EscalationFiring(step + 1, repetition, start + _firstPass + (_cycle * (repetition - 1)) + (_offsets[step] - _offsets[_from]));
        }

        public int LastIndexAtOrBefore(TimeSpan elapsed)
        {
            if (_offsets.Length == 0 || elapsed < TimeSpan.Zero)
                return -1;
            if (_repeats == 0 || elapsed < _firstPass)
                return LastStepAtOrBefore(0, elapsed);
            var intoRepeats = elapsed - _firstPass;
            var repetition = _cycle == TimeSpan.Zero
                ? _repeats
                : (int)Math.Min((intoRepeats.Ticks / _cycle.Ticks) + 1, _repeats);
            var intoCycle = intoRepeats - (_cycle * (repetition - 1));
            var step = LastStepAtOrBefore(_from, intoCycle + _offsets[_from]);
            return _offsets.Length + ((repetition - 1) * CycleSteps) + (step - _from);
        }

        private int LastStepAtOrBefore(int first, TimeSpan offset)
        {
            var step = first;
            while (step + 1 < _offsets.Length && _offsets[step + 1] <= offset)
                step++;
            return step;
        }
    }
}
