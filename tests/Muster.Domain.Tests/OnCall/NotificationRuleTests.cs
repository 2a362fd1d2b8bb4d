using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class NotificationRuleTests
{
    private static readonly DateTime Paged = Utc(2026, 6, 1, 2);

    /// <summary>Immediately by DingTalk and SMS, after 5 minutes by voice, after 15 by voice and SMS again.</summary>
    private static readonly NotificationRule[] Rules =
    [
        new() { DelayMinutes = 5, MethodIds = ["voice"] },
        new() { DelayMinutes = 0, MethodIds = ["dingtalk", "sms"] },
        new() { DelayMinutes = 15, MethodIds = ["voice", "sms"] },
    ];

    private static PlannedNotification N(int minutes, string method) => new(Paged.AddMinutes(minutes), method);

    [Fact]
    public void The_plan_is_by_instant_then_in_the_order_written()
    {
        Assert.Equal(
            [N(0, "dingtalk"), N(0, "sms"), N(5, "voice"), N(15, "voice"), N(15, "sms")],
            NotificationPlanner.Plan(Rules, Paged));
    }

    [Fact]
    public void A_method_due_twice_at_once_is_sent_once()
    {
        NotificationRule[] rules = [new() { MethodIds = ["sms"] }, new() { MethodIds = ["sms", "email"] }];
        Assert.Equal([N(0, "sms"), N(0, "email")], NotificationPlanner.Plan(rules, Paged));
    }

    [Fact]
    public void What_is_due_between_two_worker_runs_and_what_comes_next()
    {
        Assert.Equal([N(0, "dingtalk"), N(0, "sms")], NotificationPlanner.Due(Rules, Paged, null, Paged));
        Assert.Empty(NotificationPlanner.Due(Rules, Paged, Paged, Paged.AddMinutes(4)));
        Assert.Equal([N(5, "voice")], NotificationPlanner.Due(Rules, Paged, Paged.AddMinutes(4), Paged.AddMinutes(5)));
        Assert.Equal(Paged.AddMinutes(15), NotificationPlanner.NextAt(Rules, Paged, Paged.AddMinutes(5)));
        Assert.Null(NotificationPlanner.NextAt(Rules, Paged, Paged.AddMinutes(15)));
    }

    [Fact]
    public void Rule_errors_name_their_paths()
    {
        NotificationRule[] rules = [new() { DelayMinutes = -1, MethodIds = ["sms", "pager"] }, new() { DelayMinutes = 5 }];
        var errors = NotificationPlanner.Validate(rules, id => id is "sms" or "voice");
        Assert.Equal(["rules[0].delayMinutes", "rules[0].methodIds[1]", "rules[1].methodIds"], errors.Select(e => e.Path));
        Assert.Equal("'pager' is not one of this person's contact methods.", errors[1].Message);
        Assert.Equal("rules", Assert.Single(NotificationPlanner.Validate([], _ => true)).Path);
        Assert.Empty(NotificationPlanner.Validate(Rules, _ => true));
    }
}
