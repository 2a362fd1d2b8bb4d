using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class EscalationTests
{
    private static readonly DateTime T0 = Utc(2026, 6, 1, 2);

    private static EscalationStep Step(int delay, params EscalationTarget[] targets) => new() { DelayMinutes = delay, Targets = targets };

    private static readonly EscalationTarget Duty = new(EscalationTargetType.Schedule, "duty");
    private static readonly EscalationTarget Lead = new(EscalationTargetType.Person, "lead");
    private static readonly EscalationTarget Managers = new(EscalationTargetType.Team, "managers");

    /// <summary>Offsets 0, 5, 15; first pass ends at 30; repetitions of steps 2-3 every 25 minutes.</summary>
    private static readonly EscalationPolicyDefinition ThreeSteps = new()
    {
        Steps = [Step(5, Duty), Step(10, Lead), Step(15, Managers)],
        RepeatCount = 2,
        RepeatFromStep = 2,
    };

    private static EscalationFiring F(int step, int repetition, int minutes) => new(step, repetition, T0.AddMinutes(minutes));

    [Fact]
    public void The_plan_lists_every_firing_with_repeats_from_step_two()
    {
        var plan = EscalationPlanner.Plan(ThreeSteps, T0);
        Assert.Equal([F(1, 0, 0), F(2, 0, 5), F(3, 0, 15), F(2, 1, 30), F(3, 1, 40), F(2, 2, 55), F(3, 2, 65)], plan.Firings);
        Assert.Equal(T0.AddMinutes(80), plan.ExhaustedAt);
    }

    [Theory]
    [InlineData(0, 1, 0, 0)]
    [InlineData(4.99, 1, 0, 0)]
    [InlineData(5, 2, 0, 5)]
    [InlineData(29, 3, 0, 15)]
    [InlineData(30, 2, 1, 30)]
    [InlineData(54, 3, 1, 40)]
    [InlineData(55, 2, 2, 55)]
    [InlineData(65, 3, 2, 65)]
    [InlineData(10_000, 3, 2, 65)]
    public void The_step_in_force(double minutes, int step, int repetition, int firedAt) =>
        Assert.Equal(F(step, repetition, firedAt), EscalationPlanner.StepAt(ThreeSteps, T0, T0.AddMinutes(minutes)));

    [Theory]
    [InlineData(-1, 1, 0, 0)]
    [InlineData(0, 2, 0, 5)]
    [InlineData(15, 2, 1, 30)]
    [InlineData(40, 2, 2, 55)]
    [InlineData(64.5, 3, 2, 65)]
    public void The_next_firing(double minutes, int step, int repetition, int firesAt) =>
        Assert.Equal(F(step, repetition, firesAt), EscalationPlanner.NextFire(ThreeSteps, T0, T0.AddMinutes(minutes)));

    [Fact]
    public void After_the_last_firing_nothing_is_next_and_the_policy_is_exhausted_after_the_last_delay()
    {
        Assert.Null(EscalationPlanner.NextFire(ThreeSteps, T0, T0.AddMinutes(65)));
        Assert.False(EscalationPlanner.IsExhausted(ThreeSteps, T0, T0.AddMinutes(79)));
        Assert.True(EscalationPlanner.IsExhausted(ThreeSteps, T0, T0.AddMinutes(80)));
        Assert.Null(EscalationPlanner.StepAt(ThreeSteps, T0, T0.AddMinutes(-1)));
    }

    [Fact]
    public void Repeating_from_step_one()
    {
        var policy = new EscalationPolicyDefinition { Steps = [Step(5, Duty), Step(10, Lead)], RepeatCount = 1 };
        var plan = EscalationPlanner.Plan(policy, T0);
        Assert.Equal([F(1, 0, 0), F(2, 0, 5), F(1, 1, 15), F(2, 1, 20)], plan.Firings);
        Assert.Equal(T0.AddMinutes(30), plan.ExhaustedAt);
        Assert.Equal(F(1, 1, 15), EscalationPlanner.StepAt(policy, T0, T0.AddMinutes(19)));
    }

    [Fact]
    public void Steps_without_delay_fire_together_and_the_step_in_force_is_the_last_of_them()
    {
        var policy = new EscalationPolicyDefinition { Steps = [Step(0, Duty), Step(0, Lead), Step(10, Managers)] };
        Assert.Equal([F(1, 0, 0), F(2, 0, 0), F(3, 0, 0)], EscalationPlanner.Plan(policy, T0).Firings);
        Assert.Equal(F(3, 0, 0), EscalationPlanner.StepAt(policy, T0, T0));
        Assert.Null(EscalationPlanner.NextFire(policy, T0, T0));
        Assert.Equal(T0.AddMinutes(10), EscalationPlanner.Plan(policy, T0).ExhaustedAt);
    }

    [Fact]
    public void A_policy_without_steps_never_fires()
    {
        var empty = new EscalationPolicyDefinition { RepeatCount = 3 };
        Assert.Empty(EscalationPlanner.Plan(empty, T0).Firings);
        Assert.Null(EscalationPlanner.StepAt(empty, T0, T0.AddHours(1)));
        Assert.Null(EscalationPlanner.NextFire(empty, T0, T0));
        Assert.False(EscalationPlanner.IsExhausted(empty, T0, T0.AddHours(1)));
    }

    [Fact]
    public void Stored_invalid_values_are_read_leniently()
    {
        var odd = new EscalationPolicyDefinition { Steps = [Step(-5, Duty), Step(10, Lead)], RepeatCount = -1, RepeatFromStep = 7 };
        Assert.Equal([F(1, 0, 0), F(2, 0, 0)], EscalationPlanner.Plan(odd, T0).Firings);
    }

    [Fact]
    public void Reescalation_is_due_the_set_minutes_after_the_last_touch()
    {
        Assert.Equal(T0.AddMinutes(30), EscalationPlanner.ReescalateAt(ThreeSteps with { ReescalateAfterMinutes = 30 }, T0));
        Assert.Null(EscalationPlanner.ReescalateAt(ThreeSteps, T0));
    }

    private static readonly HashSet<(EscalationTargetType, string)> Known =
        [(EscalationTargetType.Schedule, "duty"), (EscalationTargetType.Person, "lead"), (EscalationTargetType.Team, "managers")];

    private static bool Exists(EscalationTargetType type, string id) => Known.Contains((type, id));

    [Fact]
    public void A_sound_policy_has_no_errors_or_warnings()
    {
        var result = EscalationValidator.Validate(ThreeSteps, Exists, _ => []);
        Assert.True(result.IsValid);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Errors_name_the_step_and_target()
    {
        var policy = new EscalationPolicyDefinition
        {
            Steps =
            [
                Step(-1, Duty, new(EscalationTargetType.Person, "ghost")),
                Step(5),
                Step(5, new(EscalationTargetType.Team, " "), new((EscalationTargetType)7, "x")),
            ],
            RepeatCount = 10,
            RepeatFromStep = 4,
            ReescalateAfterMinutes = 0,
        };
        var errors = EscalationValidator.Validate(policy, Exists).Errors;
        Assert.Equal(
            ["steps[0].delayMinutes", "steps[0].targets[1]", "steps[1].targets", "steps[2].targets[0].id", "steps[2].targets[1].type", "repeatFromStep", "repeatCount", "reescalateAfterMinutes"],
            errors.Select(e => e.Path));
        Assert.Equal("There is no person 'ghost'.", errors[1].Message);
        Assert.Equal("Step 2 pages no one; add a person, a schedule or a team.", errors[2].Message);
        Assert.Equal("repeatFromStep is a step number from 1 to 3; it is 4.", errors[5].Message);
    }

    [Fact]
    public void A_policy_needs_steps()
    {
        var result = EscalationValidator.Validate(new EscalationPolicyDefinition(), Exists);
        Assert.Equal("steps", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Steps_first_paging_beyond_a_day_are_warned_as_unreachable()
    {
        // Step 2 pages at 24 h exactly (reachable); step 3 at 24 h 1 min; step 4 later still.
        var policy = new EscalationPolicyDefinition { Steps = [Step(1440, Duty), Step(1, Lead), Step(5, Managers), Step(5, Lead)] };
        var result = EscalationValidator.Validate(policy, Exists);
        Assert.True(result.IsValid);
        Assert.Equal(["steps[2]", "steps[3]"], result.Warnings.Select(w => w.Path));
        Assert.Equal(
            "Step 3 first pages 24 h 1 min after the escalation starts, beyond the 24-hour horizon, so in practice it is never reached; shorten the delays before it.",
            result.Warnings[0].Message);
    }

    [Fact]
    public void Repetitions_beyond_a_day_are_warned()
    {
        // Pass of 6 h; repetitions start at 6, 12, 18, 24, 30... h: 4 of 9 within the day.
        var policy = new EscalationPolicyDefinition { Steps = [Step(60, Duty), Step(300, Lead)], RepeatCount = 9 };
        var warning = Assert.Single(EscalationValidator.Validate(policy, Exists).Warnings);
        Assert.Equal("repeatCount", warning.Path);
        Assert.Equal("Only 4 of the 9 repetitions start within 24 hours of the escalation starting; the rest are never reached in practice.", warning.Message);
    }

    [Fact]
    public void Repetitions_without_delay_are_warned()
    {
        var policy = new EscalationPolicyDefinition { Steps = [Step(10, Duty), Step(0, Lead)], RepeatCount = 2, RepeatFromStep = 2 };
        var warning = Assert.Single(EscalationValidator.Validate(policy, Exists).Warnings);
        Assert.Equal("repeatCount", warning.Path);
        Assert.Equal("Step 2 has no delay, so every repetition pages at the same instant as the first pass; give step 2 a delay.", warning.Message);
    }

    [Fact]
    public void A_last_step_without_delay_is_fine_when_the_repeated_steps_have_some()
    {
        // Pages at 0 and 10, then again at 10 and 20: the repetition follows the last step at once, by design.
        var policy = new EscalationPolicyDefinition { Steps = [Step(10, Duty), Step(0, Lead)], RepeatCount = 1 };
        Assert.Empty(EscalationValidator.Validate(policy, Exists).Warnings);
        Assert.Equal([F(1, 0, 0), F(2, 0, 10), F(1, 1, 10), F(2, 1, 20)], EscalationPlanner.Plan(policy, T0).Firings);
    }

    [Fact]
    public void A_target_twice_in_a_step_is_warned()
    {
        var policy = new EscalationPolicyDefinition { Steps = [Step(5, Lead, Duty, Lead)] };
        Assert.Equal("steps[0].targets[2]", Assert.Single(EscalationValidator.Validate(policy, Exists).Warnings).Path);
    }

    [Fact]
    public void Schedules_with_gaps_in_the_next_fourteen_days_are_warned_at_their_target()
    {
        var policy = new EscalationPolicyDefinition { Steps = [Step(5, Lead), Step(5, Managers, Duty)] };
        IReadOnlyList<TimeRange> Gaps(string id) => id == "duty"
            ? [new(Utc(2026, 6, 6, 16), Utc(2026, 6, 7, 1)), new(Utc(2026, 6, 13, 16), Utc(2026, 6, 14, 1))]
            : [];
        var warning = Assert.Single(EscalationValidator.Validate(policy, Exists, Gaps).Warnings);
        Assert.Equal("steps[1].targets[1]", warning.Path);
        Assert.Equal("Schedule 'duty' has nobody on call 2 times in the next 14 days, first from 2026-06-06 16:00 to 2026-06-07 01:00 UTC; step 2 pages no one from it then.", warning.Message);
    }

    [Fact]
    public void Gaps_computed_by_the_resolver_feed_the_validator()
    {
        // An office-hours schedule has nights off: a gap warning comes straight from ScheduleResolver.Gaps.
        var office = Schedule(Shanghai, Layer(Local(2026, 1, 1), "o") with { Restrictions = [Window(9, 18)] });
        var now = Utc(2026, 6, 1);
        var result = EscalationValidator.Validate(
            new EscalationPolicyDefinition { Steps = [Step(5, Duty)] },
            Exists,
            _ => ScheduleResolver.Gaps(office, WorkingCalendar.WeekendsOnly, [], now, now + EscalationValidator.GapHorizon));
        Assert.Contains("has nobody on call 15 times in the next 14 days, first from 2026-06-01 00:00 to 2026-06-01 01:00 UTC", Assert.Single(result.Warnings).Message);
    }

    [Fact]
    public void A_policy_round_trips_through_web_json()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(ThreeSteps with { ReescalateAfterMinutes = 30 }, System.Text.Json.JsonSerializerOptions.Web);
        Assert.Contains("{\"type\":\"schedule\",\"id\":\"duty\"}", json);
        Assert.Contains("\"repeatFromStep\":2", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<EscalationPolicyDefinition>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(ThreeSteps.Steps[2].Targets, back.Steps[2].Targets);
        Assert.Equal(30, back.ReescalateAfterMinutes);
    }
}
