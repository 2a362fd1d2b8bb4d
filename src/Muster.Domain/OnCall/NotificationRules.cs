namespace Muster.Domain.OnCall;

/// <summary>
/// One of a person's own rules for being paged: "after <see cref="DelayMinutes"/> minutes, by these
/// contact methods" (DingTalk, SMS, voice...). A person's rules together say how they are chased
/// until they acknowledge.
/// </summary>
public sealed record NotificationRule
{
    public int DelayMinutes { get; init; }

    public IReadOnlyList<string> MethodIds { get; init; } = [];
}

/// <summary>One contact method to notify at an instant.</summary>
public sealed record PlannedNotification(DateTime At, string MethodId);

/// <summary>
/// When each of a person's contact methods is notified after a page. The caller stops at
/// acknowledgement; a method due twice at the same instant is notified once.
/// </summary>
public static class NotificationPlanner
{
    /// <summary>Every notification after a page at <paramref name="pagedUtc"/>, by instant, then in the order the rules list them.</summary>
    public static IReadOnlyList<PlannedNotification> Plan(IReadOnlyList<NotificationRule> rules, DateTime pagedUtc) =>
        rules
            .SelectMany((rule, index) => rule.MethodIds.Select(method => (At: pagedUtc.AddMinutes(Math.Max(rule.DelayMinutes, 0)), Index: index, Method: method)))
            .OrderBy(n => n.At).ThenBy(n => n.Index)
            .Select(n => new PlannedNotification(n.At, n.Method))
            .Distinct()
            .ToList();

    /// <summary>
    /// The notifications due in <c>(afterUtc, nowUtc]</c>, or everything up to now when
    /// <paramref name="afterUtc"/> is null: what a worker that last ran at <paramref name="afterUtc"/> sends now.
    /// </summary>
    public static IReadOnlyList<PlannedNotification> Due(IReadOnlyList<NotificationRule> rules, DateTime pagedUtc, DateTime? afterUtc, DateTime nowUtc) =>
        Plan(rules, pagedUtc).Where(n => (afterUtc is null || n.At > afterUtc) && n.At <= nowUtc).ToList();

    /// <summary>The first instant after <paramref name="nowUtc"/> at which something is due; null when all is sent.</summary>
    public static DateTime? NextAt(IReadOnlyList<NotificationRule> rules, DateTime pagedUtc, DateTime nowUtc) =>
        Plan(rules, pagedUtc).Select(n => (DateTime?)n.At).FirstOrDefault(at => at > nowUtc);

    /// <summary>Errors at paths such as <c>rules[1].methodIds[0]</c>.</summary>
    public static IReadOnlyList<OnCallIssue> Validate(IReadOnlyList<NotificationRule> rules, Func<string, bool> methodExists)
    {
        var errors = new List<OnCallIssue>();
        if (rules.Count == 0)
            errors.Add(new("rules", "Add at least one rule, such as 'immediately by SMS', or this person is never told of a page."));
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.DelayMinutes < 0)
                errors.Add(new($"rules[{i}].delayMinutes", "A delay is 0 (immediately) or more minutes."));
            if (rule.MethodIds.Count == 0)
                errors.Add(new($"rules[{i}].methodIds", "A rule needs at least one contact method."));
            for (var j = 0; j < rule.MethodIds.Count; j++)
            {
                if (!methodExists(rule.MethodIds[j]))
                    errors.Add(new($"rules[{i}].methodIds[{j}]", $"'{rule.MethodIds[j]}' is not one of this person's contact methods."));
            }
        }
        return errors;
    }
}
