using Muster.Domain.Incidents;
using Muster.Domain.Learning;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class ReviewScheduleTests
{
    private static readonly DateTime Resolved = new(2026, 6, 1, 8, 30, 0, DateTimeKind.Utc);

    private static PlanDefinition WithReview(ReviewRule? rule) => Plans.Payments with { Review = rule };

    [Theory]
    [InlineData("L1", false, true)]
    [InlineData("L2", false, true)]
    [InlineData("L3", false, false)]
    [InlineData("L1", true, false)]
    public void Required_for_the_levels_the_plan_names_and_never_for_a_drill(string level, bool drill, bool required) =>
        Assert.Equal(required, ReviewSchedule.IsRequired(WithReview(new ReviewRule { RequiredFor = ["L1", "L2"] }), level, drill));

    [Fact]
    public void A_plan_without_a_review_rule_requires_none_and_gives_five_days()
    {
        Assert.False(ReviewSchedule.IsRequired(WithReview(null), "L1", false));
        Assert.Equal(Resolved.AddDays(5), ReviewSchedule.DueAt(WithReview(null), Resolved));
        Assert.Equal(Resolved.AddDays(3), ReviewSchedule.DueAt(WithReview(new ReviewRule { WithinDays = 3 }), Resolved));
    }

    [Fact]
    public void Reminders_come_daily_from_resolution_then_at_the_due_moment_then_daily_while_overdue()
    {
        // Due 2.5 days after resolution: reminders at +1d, +2d, +2.5d (due), +3d, +4d …
        var due = Resolved.AddHours(60);
        var seen = new List<DateTime>();
        var at = Resolved;
        for (var i = 0; i < 5; i++)
        {
            at = ReviewSchedule.NextReminder(Resolved, due, at);
            seen.Add(at);
        }
        Assert.Equal([Resolved.AddDays(1), Resolved.AddDays(2), due, Resolved.AddDays(3), Resolved.AddDays(4)], seen);
    }

    [Fact]
    public void A_reminder_asked_for_late_is_the_next_one_ahead_never_one_in_the_past()
    {
        var due = Resolved.AddDays(5);
        var late = Resolved.AddDays(2).AddHours(3);
        Assert.Equal(Resolved.AddDays(3), ReviewSchedule.NextReminder(Resolved, due, late));
        // Exactly on a reminder: the next one is a day later.
        Assert.Equal(Resolved.AddDays(4), ReviewSchedule.NextReminder(Resolved, due, Resolved.AddDays(3)));
    }

    [Theory]
    [InlineData("draft", -1, true)]
    [InlineData("in_review", -1, true)]
    [InlineData("published", -1, false)]
    [InlineData("draft", 1, false)]
    public void Overdue_when_past_due_and_not_published(string state, int hoursFromDue, bool overdue) =>
        Assert.Equal(overdue, ReviewSchedule.IsOverdue(Resolved, state, Resolved.AddHours(-hoursFromDue)));

    [Fact]
    public void The_review_timeline_keeps_the_steps_and_leaves_out_notes_and_counts()
    {
        Assert.True(ReviewTimeline.IsSignificant(TimelineKinds.Declared, "L2"));
        Assert.True(ReviewTimeline.IsSignificant(TimelineKinds.StatusChanged, "acknowledged"));
        Assert.True(ReviewTimeline.IsSignificant(TimelineKinds.StatusChanged, "resolved"));
        Assert.True(ReviewTimeline.IsSignificant(TimelineKinds.Paged, "Wang"));
        Assert.True(ReviewTimeline.IsSignificant(TimelineKinds.SeverityRaised, "L1"));
        Assert.False(ReviewTimeline.IsSignificant(TimelineKinds.Note, null));
        Assert.False(ReviewTimeline.IsSignificant(TimelineKinds.ImpactCounted, "3"));
        Assert.False(ReviewTimeline.IsSignificant(TimelineKinds.StatusChanged, "triggered"));
    }
}

public sealed class DrillScheduleTests
{
    private static readonly TimeZoneInfo Shanghai = ZoneTime.Find("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = ZoneTime.Find("America/New_York");

    private static DateTime Utc(int y, int m, int d, int h = 0, int min = 0) => new(y, m, d, h, min, 0, DateTimeKind.Utc);

    [Fact]
    public void Quarterly_on_the_15th_of_the_quarters_first_month_at_ten_in_Shanghai()
    {
        var r = new QuarterlyRecurrence(1, 15, new TimeOnly(10, 0));
        var next = DrillSchedule.Occurrences(r, null, Shanghai, Utc(2026, 2, 1)).Take(4).ToList();
        // 10:00 in Shanghai is 02:00 UTC.
        Assert.Equal([Utc(2026, 4, 15, 2), Utc(2026, 7, 15, 2), Utc(2026, 10, 15, 2), Utc(2027, 1, 15, 2)], next);
    }

    [Fact]
    public void At_the_quarters_edge_the_year_turns_and_a_late_day_is_the_months_last()
    {
        // The third month of each quarter on the 31st: March 31, June 30, September 30, December 31.
        var r = new QuarterlyRecurrence(3, 31, new TimeOnly(9, 0));
        var after = Utc(2026, 12, 31, 1, 0); // 09:00 in Shanghai on December 31 is 01:00 UTC: exactly then is not after.
        var next = DrillSchedule.Occurrences(r, null, Shanghai, after).Take(4).ToList();
        Assert.Equal([Utc(2027, 3, 31, 1), Utc(2027, 6, 30, 1), Utc(2027, 9, 30, 1), Utc(2027, 12, 31, 1)], next);
        // A minute earlier, December 31 itself is next.
        Assert.Equal(Utc(2026, 12, 31, 1), DrillSchedule.Next(r, null, Shanghai, after.AddMinutes(-1)));
    }

    [Fact]
    public void The_first_day_of_a_quarter_in_Shanghai_is_the_evening_before_in_utc()
    {
        // 06:00 on 1 April in Shanghai is 22:00 on 31 March UTC.
        var r = new QuarterlyRecurrence(1, 1, new TimeOnly(6, 0));
        Assert.Equal(Utc(2026, 3, 31, 22), DrillSchedule.Next(r, null, Shanghai, Utc(2026, 3, 31, 21)));
        Assert.Equal(Utc(2026, 6, 30, 22), DrillSchedule.Next(r, null, Shanghai, Utc(2026, 3, 31, 22)));
    }

    [Fact]
    public void Quarterly_times_follow_the_local_clock_across_daylight_saving()
    {
        var r = new QuarterlyRecurrence(1, 10, new TimeOnly(9, 0));
        var next = DrillSchedule.Occurrences(r, null, NewYork, Utc(2026, 1, 1)).Take(2).ToList();
        Assert.Equal([Utc(2026, 1, 10, 14), Utc(2026, 4, 10, 13)], next); // EST then EDT
    }

    [Fact]
    public void A_one_off_drill_before_a_device_goes_live_slots_in_among_the_quarterly_ones()
    {
        var r = new QuarterlyRecurrence(1, 15, new TimeOnly(10, 0));
        var oneOff = Utc(2026, 5, 20, 6);
        var next = DrillSchedule.Occurrences(r, oneOff, Shanghai, Utc(2026, 2, 1)).Take(3).ToList();
        Assert.Equal([Utc(2026, 4, 15, 2), oneOff, Utc(2026, 7, 15, 2)], next);
        // Passed one-offs are gone; without a recurrence a one-off is the only occurrence.
        Assert.Equal([Utc(2026, 7, 15, 2)], DrillSchedule.Occurrences(r, oneOff, Shanghai, oneOff).Take(1));
        Assert.Equal([oneOff], DrillSchedule.Occurrences(null, oneOff, Shanghai, Utc(2026, 1, 1)));
        Assert.Null(DrillSchedule.Next(null, oneOff, Shanghai, oneOff));
    }

    [Fact]
    public void Reminders_go_so_many_days_before_or_at_once_when_that_is_past()
    {
        var at = Utc(2026, 4, 15, 2);
        Assert.Equal(Utc(2026, 4, 12, 2), DrillSchedule.ReminderAt(at, 3, Utc(2026, 4, 1)));
        Assert.Equal(Utc(2026, 4, 14), DrillSchedule.ReminderAt(at, 3, Utc(2026, 4, 14)));
    }

    [Theory]
    [InlineData(0, 15, false)]
    [InlineData(4, 15, false)]
    [InlineData(1, 0, false)]
    [InlineData(1, 32, false)]
    [InlineData(3, 31, true)]
    public void A_recurrence_names_a_month_of_the_quarter_and_a_day(int month, int day, bool valid) =>
        Assert.Equal(valid, !new QuarterlyRecurrence(month, day, new TimeOnly(9, 0)).Problems().Any());
}

public sealed class DrillTimingTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 2, 0, 0, DateTimeKind.Utc);
    private static readonly StageTargets Targets = new() { Acknowledge = 5, Assess = 15, Repair = 30, Restore = 60 };

    [Fact]
    public void Each_stage_is_timed_against_the_plans_target()
    {
        // Acknowledged at 3 min (met), investigating at 20 (missed the 15), repairing at 25 (met 30), restored at 70 (missed 60).
        var input = new SlaClockInput(T0, T0.AddMinutes(3), T0.AddMinutes(20), T0.AddMinutes(25), T0.AddMinutes(70), T0.AddMinutes(70), null, null);
        var stages = DrillTiming.Stages(input, Targets, T0.AddMinutes(80)).ToDictionary(s => s.Stage);
        Assert.Equal((DrillResult.Met, TimeSpan.FromMinutes(3)), (stages[Stage.Acknowledge].Result, stages[Stage.Acknowledge].Elapsed!.Value));
        Assert.Equal((DrillResult.Missed, TimeSpan.FromMinutes(20)), (stages[Stage.Assess].Result, stages[Stage.Assess].Elapsed!.Value));
        Assert.Equal(DrillResult.Met, stages[Stage.Repair].Result);
        Assert.Equal((DrillResult.Missed, TimeSpan.FromMinutes(70)), (stages[Stage.Restore].Result, stages[Stage.Restore].Elapsed!.Value));
        Assert.Equal(DrillResult.NotTimed, stages[Stage.Verify].Result); // no target for verify in this plan
        Assert.Equal("failed", DrillTiming.Verdict([.. stages.Values]));
    }

    [Fact]
    public void Each_checklist_task_is_timed_against_its_deadline_and_a_late_one_fails_the_drill()
    {
        var due = T0.AddMinutes(10);
        var onTime = DrillTiming.Task("backup", 10, due, open: false, skipped: false, T0.AddMinutes(7), T0.AddMinutes(30));
        Assert.Equal((DrillResult.Met, TimeSpan.FromMinutes(7)), (onTime.Result, onTime.Taken!.Value));
        var late = DrillTiming.Task("notify", 10, due, open: false, skipped: false, T0.AddMinutes(12), T0.AddMinutes(30));
        Assert.Equal((DrillResult.Missed, TimeSpan.FromMinutes(12)), (late.Result, late.Taken!.Value));
        Assert.Equal(DrillResult.Skipped, DrillTiming.Task("x", 10, due, open: false, skipped: true, T0.AddMinutes(5), T0.AddMinutes(30)).Result);
        Assert.Equal(DrillResult.Missed, DrillTiming.Task("x", 10, due, open: false, skipped: true, T0.AddMinutes(11), T0.AddMinutes(30)).Result);
        var running = DrillTiming.Task("x", 10, due, open: true, skipped: false, null, T0.AddMinutes(4));
        Assert.Equal((DrillResult.Running, TimeSpan.FromMinutes(4)), (running.Result, running.Taken!.Value));
        Assert.Equal(DrillResult.Missed, DrillTiming.Task("x", 10, due, open: true, skipped: false, null, T0.AddMinutes(11)).Result);
        Assert.Equal(DrillResult.NotTimed, DrillTiming.Task("x", null, null, open: false, skipped: false, T0.AddMinutes(1), T0.AddMinutes(30)).Result);

        var done = new SlaClockInput(T0, T0.AddMinutes(2), T0.AddMinutes(10), T0.AddMinutes(20), null, T0.AddMinutes(50), null, null);
        var stages = DrillTiming.Stages(done, Targets, T0.AddMinutes(55));
        Assert.Equal("passed", DrillTiming.Verdict(stages, [onTime]));
        Assert.Equal("failed", DrillTiming.Verdict(stages, [onTime, late]));
    }

    [Fact]
    public void A_drill_that_met_every_target_passes_and_one_still_running_is_open()
    {
        var done = new SlaClockInput(T0, T0.AddMinutes(2), T0.AddMinutes(10), T0.AddMinutes(20), null, T0.AddMinutes(50), null, null);
        Assert.Equal("passed", DrillTiming.Verdict(DrillTiming.Stages(done, Targets, T0.AddMinutes(55))));
        var running = new SlaClockInput(T0, T0.AddMinutes(2), null, null, null, null, null, null);
        var stages = DrillTiming.Stages(running, Targets, T0.AddMinutes(4));
        Assert.Equal("running", DrillTiming.Verdict(stages));
        Assert.Equal(TimeSpan.FromMinutes(4), stages.Single(s => s.Stage == Stage.Assess).Elapsed);
    }

    [Fact]
    public void Skipping_straight_to_repair_within_target_counts_as_skipped_not_missed()
    {
        var input = new SlaClockInput(T0, T0.AddMinutes(1), null, T0.AddMinutes(10), null, T0.AddMinutes(40), null, null);
        var assess = DrillTiming.Stages(input, Targets, T0.AddMinutes(41)).Single(s => s.Stage == Stage.Assess);
        Assert.Equal(DrillResult.Skipped, assess.Result);
    }
}
