using System.Text.Json;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class PlanYamlTests
{
    /// <summary>The repository's plans folder, found from the test's output folder.</summary>
    public static string PlansFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Muster.slnx")))
                return Path.Combine(dir.FullName, "plans");
        throw new InvalidOperationException("The repository root (Muster.slnx) was not found.");
    }

    public static TheoryData<string> ExamplePlans => new(["default", "kiosk", "epay", "campus", "courier", "customer-service"]);

    [Theory]
    [MemberData(nameof(ExamplePlans))]
    public void Every_example_plan_is_valid_and_names_its_response(string key)
    {
        var result = PlanYaml.Parse(File.ReadAllText(Path.Combine(PlansFolder(), $"{key}.yaml")));

        Assert.Empty(result.Errors);
        var plan = result.Plan!;
        Assert.Equal(key, plan.Key);
        Assert.NotEmpty(plan.Roles);
        Assert.NotEmpty(plan.Checklists);
        Assert.NotNull(plan.Review);
        Assert.NotEmpty(plan.ReportUpward);
        Assert.NotNull(plan.FindRole(plan.Communication?.Approver ?? ""));
        foreach (var name in new[] { PlanTemplates.Announcement, PlanTemplates.CustomerSms, PlanTemplates.StatusInvestigating, PlanTemplates.StatusIdentified,
                     PlanTemplates.StatusMonitoring, PlanTemplates.StatusResolved, PlanTemplates.UpwardReport })
            Assert.True(plan.Templates.ContainsKey(name), $"{key} has no {name} template");
        // Each level of a domain plan has steps, and its top level a mitigation step.
        if (key != "default")
            Assert.Contains(plan.Checklists.SelectMany(c => c.Steps), s => s.Mitigation);
    }

    [Fact]
    public void The_kiosk_plan_switches_to_the_backup_device_at_A_and_a_staffed_counter_at_B()
    {
        var plan = PlanYaml.Parse(File.ReadAllText(Path.Combine(PlansFolder(), "kiosk.yaml"))).Plan!;

        var a = plan.StepsFor("A", "device");
        var backup = Assert.Single(a, s => s.Key == "backup-device");
        Assert.True(backup.Mitigation);
        Assert.Equal("onsite", backup.Role);
        Assert.Equal(10, backup.WithinMinutes);
        Assert.Contains(plan.StepsFor("B", null), s => s.Key == "staffed-counter" && s.Mitigation);
        Assert.DoesNotContain(plan.StepsFor("C", null), s => s.Mitigation);
        Assert.Contains(plan.Rules, r => r.Level == "B" && r.When.Any(c => c.Fact == "devicesAffected" && c.Gte == 3));
    }

    [Fact]
    public void The_customer_service_plan_fails_over_the_data_centre_within_two_hours()
    {
        var plan = PlanYaml.Parse(File.ReadAllText(Path.Combine(PlansFolder(), "customer-service.yaml"))).Plan!;

        var failover = Assert.Single(plan.StepsFor("L1", "datacenter"), s => s.Key == "failover-dc");
        Assert.Equal((true, 120, "tech"), (failover.Mitigation, failover.WithinMinutes, failover.Role));
        Assert.DoesNotContain(plan.StepsFor("L1", "api"), s => s.Key == "failover-dc");
        Assert.Equal(["commander", "duty", "tech", "comms", "business", "logistics"], plan.Roles.Select(r => r.Key));
        var upward = Assert.Single(plan.ReportUpward);
        Assert.Equal((30, "总经理"), (upward.WithinMinutes, upward.To.ZhCn));
    }

    private static PlanProblem Single(string yaml)
    {
        var result = PlanYaml.Parse(yaml);
        Assert.False(result.Valid);
        return Assert.Single(result.Errors);
    }

    private const string Head = """
        key: test
        name: {zh-CN: 测试, en: Test}
        levels:
          - {key: L1, rank: 1, name: {zh-CN: 一级, en: Level 1}, color: '#c62828'}
          - {key: L2, rank: 2, name: {zh-CN: 二级, en: Level 2}, color: '#ef6c00'}
        roles:
          - key: commander
            name: {zh-CN: 指挥长, en: Commander}
            default: {oncall: true}

        """;

    [Fact]
    public void A_wrong_field_names_the_fields_allowed_there_at_its_line_and_column()
    {
        var result = PlanYaml.Parse(Head + """
            checklists:
              - steps:
                  - key: call
                    title: {zh-CN: 打电话, en: Call}
                    owner: commander
            """);

        Assert.Equal(2, result.Errors.Count);
        var error = result.Errors.Single(e => e.Message.Contains("owner", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Message.StartsWith("A checklist step needs 'role'", StringComparison.Ordinal));

        Assert.Equal("'owner' is not a field of a checklist step; allowed: key, title, role, stage, withinMinutes, mitigation, after.", error.Message);
        Assert.Equal((14, 9), (error.Line, error.Column));
        Assert.Equal("checklists[0].steps[0].owner", error.Path);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        var error = Single(Head + """
            checklists:
              - steps:
                  - key: call
                    title: {zh-CN: 打电话, en: Call}
            """);

        Assert.Contains("needs 'role'", error.Message);
        Assert.Equal((12, 9), (error.Line, error.Column));
    }

    [Fact]
    public void A_rule_over_an_unknown_fact_lists_the_facts()
    {
        var error = Single(Head + """
            rules:
              - level: L1
                when:
                  - {fact: users, gt: 100}
            """);

        Assert.StartsWith("'users' is not an impact fact; use one of affectedUsers", error.Message);
        Assert.Equal("rules[0].when[0].fact", error.Path);
        Assert.Equal((13, 10), (error.Line, error.Column));
    }

    [Fact]
    public void A_level_used_but_not_defined_is_placed_where_it_is_used()
    {
        var result = PlanYaml.Parse(Head + """
            sla:
              L9: {acknowledge: 5}
            checklists:
              - levels: [L1, L7]
                steps:
                  - {key: call, title: {zh-CN: 打电话, en: Call}, role: commander}
            review: {requiredFor: [L3]}
            """);

        Assert.Collection(result.Errors,
            e => Assert.Equal(("sla.L9", "'L9' is not a level of this plan; use one of L1, L2.", 11, 3), (e.Path, e.Message, e.Line, e.Column)),
            e => Assert.Equal(("checklists[0].levels[1]", "'L7' is not a level of this plan; use one of L1, L2.", 13, 18), (e.Path, e.Message, e.Line, e.Column)),
            e => Assert.Equal(("review.requiredFor[0]", 16, 24), (e.Path, e.Line, e.Column)));
    }

    [Fact]
    public void A_step_owned_by_a_role_the_plan_lacks_names_the_roles()
    {
        var error = Single(Head + """
            checklists:
              - steps:
                  - key: call
                    title: {zh-CN: 打电话, en: Call}
                    role: comms
            """);

        Assert.Equal("'comms' is not a role of this plan; use one of commander.", error.Message);
        Assert.Equal((14, 9), (error.Line, error.Column));
    }

    [Fact]
    public void A_status_approver_the_plan_lacks_is_an_error_at_its_place()
    {
        var error = Single(Head + """
            communication:
              approver: comms
            """);

        Assert.Equal(("communication.approver", "'comms' is not a role of this plan; use one of commander."), (error.Path, error.Message));
        Assert.Equal((11, 3), (error.Line, error.Column));
    }

    [Fact]
    public void A_wrong_field_in_communication_names_the_fields_allowed()
    {
        var error = Single(Head + """
            communication: {approves: commander}
            """);

        Assert.Equal("'approves' is not a field of communication; allowed: approver, channels.", error.Message);
        Assert.Equal((10, 17), (error.Line, error.Column));
    }

    [Fact]
    public void Steps_that_wait_for_each_other_in_a_circle_are_an_error()
    {
        var error = Single(Head + """
            checklists:
              - steps:
                  - {key: a, title: {zh-CN: 甲, en: A}, role: commander, after: [c]}
                  - {key: b, title: {zh-CN: 乙, en: B}, role: commander, after: [a]}
                  - {key: c, title: {zh-CN: 丙, en: C}, role: commander, after: [b]}
            """);

        Assert.Equal("The steps wait for each other in a circle: a → c → b → a; remove one of these 'after's.", error.Message);
        Assert.Equal((12, 61), (error.Line, error.Column));
    }

    [Fact]
    public void A_placeholder_that_does_not_exist_lists_those_that_do()
    {
        var error = Single(Head + """
            templates:
              customerSms:
                zh-CN: '{{service}} 故障，预计 {{eta}} 恢复'
                en: '{{service}} is down until {{etaa}}'
            """);

        Assert.StartsWith("'{{etaa}}' is not a placeholder; use {{reference}}, {{title}}", error.Message);
        Assert.Equal(("templates.customerSms.en", 13, 5), (error.Path, error.Line, error.Column));
    }

    [Fact]
    public void A_template_referenced_but_not_defined_is_an_error()
    {
        var error = Single(Head + """
            reportUpward:
              - levels: [L1]
                to: {zh-CN: 总经理, en: General manager}
                template: upwardReport
            """);

        Assert.Equal("'upwardReport' is not a template of this plan; none are defined: add them under templates.", error.Message);
        Assert.Equal(13, error.Line);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_place()
    {
        var result = PlanYaml.Parse(Head + """
            checklists:
              - steps:
                  - {key: call, title: {zh-CN: 打电话, en: Call}, role: commander, stage: later, withinMinutes: soon}
            """);

        Assert.Collection(result.Errors,
            e => Assert.Equal("'later' is not a stage; use one of acknowledge, assess, repair, restore, verify.", e.Message),
            e => Assert.Equal(("withinMinutes is a whole number, such as 30; not 'soon'.", 12, 98), (e.Message, e.Line, e.Column)));
    }

    [Fact]
    public void Broken_yaml_says_where()
    {
        var error = Single("key: test\nname: {zh-CN: 测试, en: Test\nlevels: []\n");

        Assert.StartsWith("This is not valid YAML", error.Message);
        Assert.True(error.Line >= 2, error.ToString());
    }

    [Fact]
    public void A_field_written_twice_is_an_error()
    {
        var result = PlanYaml.Parse(Head + "key: other\n");

        Assert.False(result.Valid);
        Assert.Contains(result.Errors, e => e.Line == 10);
    }

    [Fact]
    public void Json_is_read_the_same_way()
    {
        var plan = Plans.Payments;
        var json = JsonSerializer.Serialize(plan, PlanJson.Options);

        var result = PlanYaml.Parse(json);

        Assert.Empty(result.Errors);
        Assert.Equal(json, JsonSerializer.Serialize(result.Plan, PlanJson.Options));
    }

    [Theory]
    [MemberData(nameof(ExamplePlans))]
    public void Written_yaml_reads_back_as_the_same_plan(string key)
    {
        var plan = PlanYaml.Parse(File.ReadAllText(Path.Combine(PlansFolder(), $"{key}.yaml"))).Plan!;

        var yaml = PlanYaml.Write(plan);
        var back = PlanYaml.Parse(yaml);

        Assert.Empty(back.Errors);
        Assert.Equal(JsonSerializer.Serialize(plan, PlanJson.Options), JsonSerializer.Serialize(back.Plan, PlanJson.Options));
    }

    [Fact]
    public void Text_that_looks_like_a_number_is_written_quoted()
    {
        var plan = Plans.Payments with { Levels = [new("1", 1, new LocalizedText { ZhCn = "true", En = "null" }, "#c62828")], Rules = [], Sla = new Dictionary<string, StageTargets>() };

        var back = PlanYaml.Parse(PlanYaml.Write(plan));

        Assert.Empty(back.Errors);
        Assert.Equal(("1", "true", "null"), (back.Plan!.Levels[0].Key, back.Plan.Levels[0].Name.ZhCn, back.Plan.Levels[0].Name.En));
    }
}
