using Muster.Domain.OnCall;

namespace Muster.Domain.Tests.OnCall;

public sealed class StepAcknowledgementTests
{
    private static readonly string[] TwoOnShift = ["wang", "li"];

    [Fact]
    public void A_step_that_does_not_need_everyone_is_settled_by_the_first_answer() =>
        Assert.Empty(StepAcknowledgement.Outstanding(false, TwoOnShift, [], "wang"));

    [Fact]
    public void The_first_of_two_leaves_the_other_outstanding() =>
        Assert.Equal(["li"], StepAcknowledgement.Outstanding(true, TwoOnShift, [], "wang"));

    [Fact]
    public void The_last_to_answer_settles_it() =>
        Assert.Empty(StepAcknowledgement.Outstanding(true, TwoOnShift, ["wang"], "li"));

    [Fact]
    public void Someone_the_step_did_not_page_takes_the_incident_for_everyone() =>
        Assert.Empty(StepAcknowledgement.Outstanding(true, TwoOnShift, [], "commander"));

    [Fact]
    public void Of_three_on_shift_the_second_answer_still_waits_for_the_third() =>
        Assert.Equal(["zhao"], StepAcknowledgement.Outstanding(true, ["wang", "li", "zhao"], ["wang"], "li"));
}
