using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

/// <summary>The validator over the response sections: scope, categories, business hours, roles, checklists, templates, review, upward reports.</summary>
public sealed class PlanResponseValidationTests
{
    private static LocalizedText Text(string zh, string en) => new() { ZhCn = zh, En = en };

    private static readonly PlanDefinition Valid = Plans.Payments with
    {
        Categories = [new("device", Text("设备", "Device"))],
        Scope = new() { Services = ["kiosk"], Categories = ["device"] },
        BusinessHours = new() { Calendar = "cn-2026", Start = "08:30", End = "17:30" },
        Roles =
        [
            new() { Key = "commander", Name = Text("指挥长", "Commander"), Default = new() { Oncall = true } },
            new() { Key = "tech", Name = Text("技术组", "Technical group"), Group = true, Default = new() { Team = "ops", People = ["a@example.com", "b@example.com"] } },
        ],
        Checklists =
        [
            new()
            {
                Levels = ["L1"], Categories = ["device"],
                Steps =
                [
                    new() { Key = "backup", Title = Text("启用备用设备", "Backup device"), Role = "tech", WithinMinutes = 10, Mitigation = true },
                    new() { Key = "report", Title = Text("上报", "Report"), Role = "commander", Stage = Stage.Assess, After = ["backup"] },
                ],
            },
        ],
        Templates = new Dictionary<string, LocalizedText> { ["upwardReport"] = Text("{{title}} {{levelName}}", "{{title}} {{ levelName }}") },
        Review = new() { RequiredFor = ["L1", "L2"], WithinDays = 5, Template = "upwardReport" },
        ReportUpward = [new() { Levels = ["L1"], To = Text("总经理", "General manager"), People = ["gm@example.com"], Role = "commander", Template = "upwardReport" }],
    };

    private static Dictionary<string, string> Errors(PlanDefinition plan) =>
        PlanValidator.Validate(plan).GroupBy(e => e.Path).ToDictionary(g => g.Key, g => string.Join(" | ", g.Select(e => e.Message)));

    [Fact]
    public void A_full_plan_is_valid() => Assert.Empty(PlanValidator.Validate(Valid));

    [Fact]
    public void Categories_referenced_but_not_defined_name_those_that_are()
    {
        var errors = Errors(Valid with
        {
            Scope = new() { Categories = ["network"] },
            Checklists = [Valid.Checklists[0] with { Categories = ["power"] }],
        });

        Assert.Equal("'network' is not a category of this plan; use one of device.", errors["scope.categories[0]"]);
        Assert.Equal("'power' is not a category of this plan; use one of device.", errors["checklists[0].categories[0]"]);
    }

    [Fact]
    public void Duplicate_keys_are_errors()
    {
        var errors = Errors(Valid with
        {
            Categories = [.. Valid.Categories, new("device", Text("设备", "Device"))],
            Roles = [.. Valid.Roles, Valid.Roles[0]],
            Checklists = [.. Valid.Checklists, new() { Steps = [Valid.Checklists[0].Steps[0]] }],
        });

        Assert.Contains("used twice", errors["categories[1].key"]);
        Assert.Contains("used twice", errors["roles[2].key"]);
        Assert.Equal("The step key 'backup' is used twice (first at checklists[0].steps[0]); each step needs its own key.", errors["checklists[1].steps[0].key"]);
    }

    [Theory]
    [InlineData("9:00", "18:00", "businessHours.start")]
    [InlineData("09:00", "24:00", "businessHours.end")]
    [InlineData("18:00", "09:00", "businessHours.end")]
    public void Business_hours_are_two_times_of_day_in_order(string start, string end, string path)
    {
        var errors = Errors(Valid with { BusinessHours = new() { Start = start, End = end } });

        Assert.Single(errors);
        Assert.True(errors.ContainsKey(path), string.Join("; ", errors));
    }

    [Fact]
    public void An_unknown_calendar_names_those_known()
    {
        var errors = Errors(Valid with { BusinessHours = new() { Calendar = "us-2026" } });

        Assert.Equal("'us-2026' is not a working calendar; use cn, cn-2025, cn-2026, or leave it out for Monday to Friday.", errors["businessHours.calendar"]);
    }

    [Fact]
    public void A_role_default_is_checked()
    {
        var errors = Errors(Valid with
        {
            Roles =
            [
                new() { Key = "commander", Name = Text("指挥长", "Commander"), Default = new() { People = ["a@example.com", "b@example.com"] } },
                new() { Key = "tech", Name = Text("技术组", ""), Group = true, Default = new() { People = ["not-an-address"] } },
                new() { Key = "logistics", Name = Text("后勤组", "Logistics"), Group = true, Default = new() },
            ],
        });

        Assert.Contains("A role holds one person", errors["roles[0].default.people"]);
        Assert.Contains("both zh-CN and en", errors["roles[1].name"]);
        Assert.Contains("is not an email address", errors["roles[1].default.people[0]"]);
        Assert.Contains("oncall: true, schedule, people or team", errors["roles[2].default"]);
    }

    [Fact]
    public void A_step_after_an_unknown_step_or_itself_is_an_error()
    {
        var steps = Valid.Checklists[0].Steps;
        var errors = Errors(Valid with
        {
            Checklists = [Valid.Checklists[0] with { Steps = [steps[0] with { After = ["backup"], WithinMinutes = 0 }, steps[1] with { After = ["dns"] }] }],
        });

        Assert.Contains("cannot wait for itself", errors["checklists[0].steps[0].after[0]"]);
        Assert.Contains("withinMinutes is a whole number of minutes greater than 0", errors["checklists[0].steps[0].withinMinutes"]);
        Assert.Equal("'dns' is not a step of this plan; after names step keys, such as backup.", errors["checklists[0].steps[1].after[0]"]);
    }

    [Fact]
    public void A_cycle_across_checklists_is_found_once()
    {
        var errors = PlanValidator.Validate(Valid with
        {
            Checklists =
            [
                new() { Steps = [new() { Key = "a", Title = Text("甲", "A"), Role = "tech", After = ["b"] }] },
                new() { Steps = [new() { Key = "b", Title = Text("乙", "B"), Role = "tech", After = ["a"] }, new() { Key = "c", Title = Text("丙", "C"), Role = "tech", After = ["a"] }] },
            ],
        });

        var cycle = Assert.Single(errors);
        Assert.Equal("checklists[0].steps[0].after", cycle.Path);
        Assert.Contains("a → b → a", cycle.Message);
    }

    [Fact]
    public void Templates_references_and_placeholders_are_checked()
    {
        var errors = Errors(Valid with
        {
            Templates = new Dictionary<string, LocalizedText>
            {
                ["upwardReport"] = Text("{{title}} {{owner}}", "{{title}}"),
                ["sms"] = Text("", "x"),
            },
            Review = Valid.Review! with { Template = "review", RequiredFor = ["L4"], WithinDays = 0 },
            ReportUpward = [Valid.ReportUpward[0] with { Template = "upward", Channels = ["fax"], Role = "ceo", WithinMinutes = 0, Levels = [] }],
        });

        Assert.StartsWith("'{{owner}}' is not a placeholder; use {{reference}}", errors["templates.upwardReport.zh-CN"]);
        Assert.Equal("A template is written in both zh-CN and en.", errors["templates.sms"]);
        Assert.Equal("'review' is not a template of this plan; use one of upwardReport, sms.", errors["review.template"]);
        Assert.Contains("not a level of this plan", errors["review.requiredFor[0]"]);
        Assert.Contains("1 or more", errors["review.withinDays"]);
        Assert.Contains("not a template", errors["reportUpward[0].template"]);
        Assert.Contains("'fax' is not a kind of contact method", errors["reportUpward[0].channels"]);
        Assert.Equal("'ceo' is not a role of this plan; use one of commander, tech.", errors["reportUpward[0].role"]);
        Assert.Contains("greater than 0", errors["reportUpward[0].withinMinutes"]);
        Assert.Contains("Name the levels", errors["reportUpward[0].levels"]);
    }

    [Fact]
    public void A_step_of_a_plan_without_roles_says_to_add_them()
    {
        var errors = Errors(Valid with { Roles = [], ReportUpward = [] });

        Assert.Equal("'tech' is not a role of this plan; none are defined: add them under roles.", errors["checklists[0].steps[0].role"]);
    }
}
