using Muster.Domain.Incidents;
using Muster.Domain.OnCall;
using Muster.Domain.Plans;
using Muster.Domain.Response;

namespace Muster.Domain.Tests.Response;

public sealed class ResponsePlannerTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 2, 0, 0, DateTimeKind.Utc);
    private static LocalizedText Text(string zh, string en) => new() { ZhCn = zh, En = en };

    private static ChecklistStep Step(string key, string role, Stage stage = Stage.Acknowledge, int? within = null, bool mitigation = false) =>
        new() { Key = key, Title = Text(key + "（中）", key), Role = role, Stage = stage, WithinMinutes = within, Mitigation = mitigation };

    public static readonly PlanDefinition Plan = Plans.Payments with
    {
        Categories = [new("device", Text("设备故障", "Device fault")), new("network", Text("网络", "Network"))],
        Roles =
        [
            new() { Key = "commander", Name = Text("指挥", "Commander"), Default = new() { Oncall = true, Team = "ops" } },
            new() { Key = "tech", Name = Text("技术组", "Technical"), Group = true, Default = new() { Schedule = "dba", People = ["a@x"] } },
            new() { Key = "comms", Name = Text("客户沟通组", "Communication"), Group = true },
        ],
        Checklists =
        [
            new() { Levels = ["L1"], Steps = [Step("convene", "commander", within: 10), Step("failover", "tech", Stage.Repair, 120, mitigation: true)] },
            new() { Categories = ["device"], Steps = [Step("backup-device", "tech", Stage.Assess, 30, mitigation: true)] },
            new() { Levels = ["L1", "L2"], Steps = [Step("convene", "commander", within: 15), Step("notify-customers", "comms", Stage.Restore, 60)] },
        ],
        ReportUpward =
        [
            new() { Levels = ["L1"], To = Text("总经理", "the general manager"), People = ["gm@x"], WithinMinutes = 30, Role = "commander", Template = "upwardReport" },
        ],
    };

    private static List<string> Keys(string level, string? category, params string[] existing) =>
        ResponsePlanner.TasksFor(Plan, level, category, existing).Select(t => t.Key).ToList();

    [Fact]
    public void The_tasks_are_the_level_and_category_steps_each_once_then_the_upward_reports_of_the_level()
    {
        Assert.Equal(["convene", "failover", "notify-customers", "upward-0"], Keys("L1", null));
        Assert.Equal(["convene", "failover", "backup-device", "notify-customers", "upward-0"], Keys("L1", "device"));
        Assert.Equal(["backup-device", "convene", "notify-customers"], Keys("L2", "device"));
        Assert.Equal(["convene", "notify-customers"], Keys("L2", "network"));
        Assert.Empty(Keys("L3", null));
    }

    [Fact]
    public void A_level_change_adds_only_the_tasks_the_incident_does_not_have()
    {
        var had = Keys("L2", null);
        Assert.Equal(["failover", "upward-0"], Keys("L1", null, [.. had]));
    }

    [Fact]
    public void The_first_checklist_naming_a_step_sets_its_deadline_and_the_upward_task_names_whom()
    {
        var tasks = ResponsePlanner.TasksFor(Plan, "L1", null, []);
        Assert.Equal(10, tasks[0].WithinMinutes);
        Assert.True(tasks[1].Mitigation);
        var upward = tasks[^1];
        Assert.Equal((0, "commander", 30), (upward.UpwardIndex, upward.Role, upward.WithinMinutes));
        Assert.Contains("总经理", upward.Title.ZhCn);
        Assert.Contains("general manager", upward.Title.En);
    }

    [Fact]
    public void Each_stage_starts_at_its_own_moment_and_a_skipped_status_starts_it_at_the_next()
    {
        var t = new SlaClockInput(T0, T0.AddMinutes(3), T0.AddMinutes(10), T0.AddMinutes(40), null, T0.AddMinutes(90), null, null);
        Assert.Equal(T0, ResponsePlanner.StageStart(Stage.Acknowledge, t));
        Assert.Equal(T0.AddMinutes(3), ResponsePlanner.StageStart(Stage.Assess, t));
        Assert.Equal(T0.AddMinutes(10), ResponsePlanner.StageStart(Stage.Repair, t));
        Assert.Equal(T0.AddMinutes(40), ResponsePlanner.StageStart(Stage.Restore, t));
        Assert.Equal(T0.AddMinutes(90), ResponsePlanner.StageStart(Stage.Verify, t));

        var straightToRepair = new SlaClockInput(T0, null, null, T0.AddMinutes(20), null, null, null, null);
        Assert.Equal(T0.AddMinutes(20), ResponsePlanner.StageStart(Stage.Assess, straightToRepair));
        Assert.Equal(T0.AddMinutes(20), ResponsePlanner.StageStart(Stage.Repair, straightToRepair));
        Assert.Null(ResponsePlanner.StageStart(Stage.Verify, straightToRepair));
    }

    [Fact]
    public void A_deadline_is_the_stage_start_plus_its_minutes_and_none_before_the_stage_starts()
    {
        var declared = new SlaClockInput(T0, null, null, null, null, null, null, null);
        Assert.Equal(T0.AddMinutes(10), ResponsePlanner.Deadline(Stage.Acknowledge, 10, declared));
        Assert.Null(ResponsePlanner.Deadline(Stage.Repair, 120, declared));
        Assert.Null(ResponsePlanner.Deadline(Stage.Acknowledge, null, declared));
        var investigating = declared with { InvestigatingAt = T0.AddMinutes(7) };
        Assert.Equal(T0.AddMinutes(127), ResponsePlanner.Deadline(Stage.Repair, 120, investigating));
    }

    [Fact]
    public void A_role_takes_the_first_default_source_that_names_anyone_and_a_single_role_one_person()
    {
        var commander = Plan.FindRole("commander")!;
        var tech = Plan.FindRole("tech")!;
        var all = new RoleCandidates { Oncall = ["p1", "p2"], Schedule = ["p3", "p4"], People = ["p5"], Team = ["p6", "p7"] };

        Assert.Equal(["p1"], ResponsePlanner.Pick(commander, all));
        Assert.Equal(["p6"], ResponsePlanner.Pick(commander, all with { Oncall = [] }));
        Assert.Equal(["p3", "p4"], ResponsePlanner.Pick(tech, all));
        Assert.Equal(["p5"], ResponsePlanner.Pick(tech, all with { Schedule = [] }));
        Assert.Empty(ResponsePlanner.Pick(tech, new RoleCandidates { Oncall = ["p1"], Team = ["p6"] }));
        Assert.Empty(ResponsePlanner.Pick(Plan.FindRole("comms")!, all));
    }

    [Fact]
    public void A_task_is_owned_by_the_first_person_of_its_role()
    {
        (string, string)[] assigned = [("tech", "p3"), ("tech", "p4"), ("commander", "p1")];
        Assert.Equal("p3", ResponsePlanner.OwnerFor("tech", assigned));
        Assert.Equal("p1", ResponsePlanner.OwnerFor("commander", assigned));
        Assert.Null(ResponsePlanner.OwnerFor("comms", assigned));
    }
}

public sealed class WorkingHoursTests
{
    private static readonly TimeZoneInfo Shanghai = ZoneTime.Find("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = ZoneTime.Find("America/New_York");
    private static readonly WorkingHours China = new(ChinaCalendar.All(), new(9, 0), new(18, 0), Shanghai);
    private static readonly WorkingHours Weekdays = new(WorkingCalendar.WeekendsOnly, new(9, 0), new(18, 0), Shanghai);

    private static DateTime Local(int y, int m, int d, int h, int min, TimeZoneInfo zone) => ZoneTime.ToUtc(new DateTime(y, m, d, h, min, 0), zone);

    [Fact]
    public void Time_within_the_day_counts_and_a_night_start_waits_for_the_morning()
    {
        Assert.Equal(Local(2026, 3, 10, 11, 0, Shanghai), Weekdays.Add(Local(2026, 3, 10, 10, 0, Shanghai), 60));
        Assert.Equal(Local(2026, 3, 10, 9, 30, Shanghai), Weekdays.Add(Local(2026, 3, 10, 3, 0, Shanghai), 30));
        Assert.Equal(Local(2026, 3, 11, 9, 30, Shanghai), Weekdays.Add(Local(2026, 3, 10, 17, 30, Shanghai), 60));
    }

    [Fact]
    public void A_weekend_does_not_count()
    {
        // Friday 17:00 plus two working hours: one on Friday, one on Monday.
        Assert.Equal(Local(2026, 3, 16, 10, 0, Shanghai), Weekdays.Add(Local(2026, 3, 13, 17, 0, Shanghai), 120));
    }

    [Fact]
    public void The_spring_festival_does_not_count_and_its_make_up_saturday_does()
    {
        // Friday 13 February 17:00: the Saturday after is a make-up working day.
        Assert.Equal(Local(2026, 2, 14, 10, 0, Shanghai), China.Add(Local(2026, 2, 13, 17, 0, Shanghai), 120));
        // Saturday 14 February 17:30: then nine days off; Tuesday the 24th is the next working day.
        Assert.Equal(Local(2026, 2, 24, 9, 30, Shanghai), China.Add(Local(2026, 2, 14, 17, 30, Shanghai), 60));
        // The plain weekday rule would have counted neither Saturday nor the holiday: Monday the 16th.
        Assert.Equal(Local(2026, 2, 16, 10, 0, Shanghai), Weekdays.Add(Local(2026, 2, 14, 17, 30, Shanghai), 60));
    }

    [Fact]
    public void A_day_the_clocks_go_forward_has_an_hour_less_and_one_they_go_back_an_hour_more()
    {
        var everyDay = new WorkingCalendar { Weekend = [] };
        var nights = new WorkingHours(everyDay, new(0, 0), new(6, 0), NewYork);
        // 8 March 2026: 00:00 to 06:00 is five real hours in New York. Five and a half hours of
        // working time end half an hour into the next day's window.
        Assert.Equal(Local(2026, 3, 9, 0, 30, NewYork), nights.Add(Local(2026, 3, 8, 0, 0, NewYork), 330));
        Assert.Equal(new DateTime(2026, 3, 9, 4, 30, 0, DateTimeKind.Utc), nights.Add(Local(2026, 3, 8, 0, 0, NewYork), 330));
        // 1 November 2026: seven real hours between midnight and six.
        Assert.Equal(Local(2026, 11, 1, 6, 0, NewYork), nights.Add(Local(2026, 11, 1, 0, 0, NewYork), 420));
    }

    [Fact]
    public void A_level_in_business_hours_puts_its_clock_deadlines_in_working_time_and_other_levels_do_not()
    {
        var declared = Local(2026, 3, 13, 17, 30, Shanghai); // a Friday
        var input = new SlaClockInput(declared, null, null, null, null, null, null, null);
        var business = new StageTargets { Acknowledge = 60, BusinessHours = true };
        var ack = SlaClocks.Compute(input, business, declared, Weekdays)[0];
        Assert.Equal(Local(2026, 3, 16, 9, 30, Shanghai), ack.Deadline);
        var elapsed = SlaClocks.Compute(input, business with { BusinessHours = false }, declared, Weekdays)[0];
        Assert.Equal(declared.AddMinutes(60), elapsed.Deadline);
    }

    [Fact]
    public void The_plans_times_are_read_and_a_bad_one_is_refused()
    {
        Assert.Equal(new TimeOnly(8, 30), WorkingHours.From(new BusinessHours { Start = "08:30", End = "17:00" }, WorkingCalendar.WeekendsOnly, Shanghai)!.Start);
        Assert.Null(WorkingHours.From(new BusinessHours { Start = "18:00", End = "09:00" }, WorkingCalendar.WeekendsOnly, Shanghai));
        Assert.Null(WorkingHours.From(new BusinessHours { Start = "9am" }, WorkingCalendar.WeekendsOnly, Shanghai));
    }
}

public sealed class IncidentResponseTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 2, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Duty = new("p1", "Duty officer");

    private static Incident New(string id = "i1", int number = 1042) =>
        Incident.Declare(id, number, "Payments failing", null, "s1", "v1", ResponsePlannerTests.Plan, new ImpactFacts(), null, false, Duty, T0);

    [Fact]
    public void A_mitigation_moves_an_open_incident_to_mitigated_and_only_the_first_counts()
    {
        var incident = New();
        incident.MoveTo(IncidentStatus.Investigating, Duty, T0.AddMinutes(5), null);
        incident.RecordMitigation("backup-device", Duty, T0.AddMinutes(20));
        Assert.Equal((IncidentStatus.Mitigated, T0.AddMinutes(20)), (incident.Status, incident.MitigatedAt));
        incident.RecordMitigation("failover", Duty, T0.AddMinutes(40));
        Assert.Equal(T0.AddMinutes(20), incident.MitigatedAt);
    }

    [Fact]
    public void A_mitigation_after_resolution_keeps_the_status_and_records_the_time()
    {
        var incident = New();
        incident.MoveTo(IncidentStatus.Resolved, Duty, T0.AddMinutes(30), null);
        incident.RecordMitigation("backup-device", Duty, T0.AddMinutes(31));
        Assert.Equal((IncidentStatus.Resolved, T0.AddMinutes(31)), (incident.Status, incident.MitigatedAt));
        Assert.Equal(TimelineKinds.Mitigated, incident.Timeline[^1].Kind);
    }

    [Fact]
    public void The_category_must_be_one_the_plan_names()
    {
        var incident = New();
        Assert.True(incident.SetCategory("device", ResponsePlannerTests.Plan, Duty, T0));
        Assert.False(incident.SetCategory("device", ResponsePlannerTests.Plan, Duty, T0));
        var e = Assert.Throws<DomainException>(() => incident.SetCategory("weather", ResponsePlannerTests.Plan, Duty, T0));
        Assert.Equal("category", e.Field);
        Assert.True(incident.SetCategory(null, ResponsePlannerTests.Plan, Duty, T0));
        Assert.Null(incident.Category);
    }

    [Fact]
    public void A_merged_incident_is_closed_with_a_link_and_both_timelines_say_so()
    {
        var a = New("a", 1);
        var b = New("b", 2);
        b.MergeInto(a, Duty, T0.AddMinutes(3));
        Assert.Equal((IncidentStatus.Closed, "a"), (b.Status, b.MergedIntoId));
        Assert.Equal((TimelineKinds.MergedInto, "INC-1"), (b.Timeline[^1].Kind, b.Timeline[^1].To));
        Assert.Equal((TimelineKinds.MergedFrom, "INC-2"), (a.Timeline[^1].Kind, a.Timeline[^1].To));
        Assert.Throws<DomainException>(() => a.MergeInto(b, Duty, T0.AddMinutes(4)));
        Assert.Throws<DomainException>(() => a.MergeInto(a, Duty, T0.AddMinutes(4)));
    }
}
