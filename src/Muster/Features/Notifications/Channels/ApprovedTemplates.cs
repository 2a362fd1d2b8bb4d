namespace Muster.Features.Notifications.Channels;

/// <summary>One approved SMS or voice template: the vendor's code and the names of its variables, in order.</summary>
public sealed record ApprovedTemplate
{
    public string Code { get; init; } = "";

    public IReadOnlyList<string> Params { get; init; } = [];
}

/// <summary>A template chosen for a message, with its variables filled in and cut to the vendor's limit.</summary>
internal sealed record FilledTemplate(string Code, IReadOnlyList<KeyValuePair<string, string>> Values);

/// <summary>
/// Chinese carriers only deliver SMS and voice from templates approved in advance, so settings map each message kind to
/// one. A variable longer than the vendor allows makes the whole send fail, so values are cut to the limit instead; an
/// empty one is rejected too, so a value the caller does not have becomes "-".
/// </summary>
internal static class ApprovedTemplates
{
    public static IEnumerable<string> Problems(IReadOnlyDictionary<string, ApprovedTemplate>? templates)
    {
        if (templates is null || templates.Count == 0)
        {
            yield return "'templates' is required: map each message kind (page, test, resolved...) to {code, params}";
            yield break;
        }
        foreach (var (kind, template) in templates)
        {
            if (string.IsNullOrWhiteSpace(template?.Code))
                yield return $"'templates.{kind}.code' is required";
        }
    }

    public static FilledTemplate? Fill(IReadOnlyDictionary<string, ApprovedTemplate> templates, OutgoingMessage message, int maxParamLength, out string? problem)
    {
        if (!templates.TryGetValue(message.Kind, out var template))
        {
            problem = $"no approved template for message kind '{message.Kind}': add templates.{message.Kind} to the channel settings";
            return null;
        }
        problem = null;
        var values = template.Params.Select(name =>
        {
            var value = message.TemplateParameters.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : "-";
            return KeyValuePair.Create(name, ChannelText.Truncate(value, maxParamLength));
        }).ToList();
        return new FilledTemplate(template.Code, values);
    }
}
