using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Components;

/// <summary>What went wrong with a posted form: messages by field, and one for the whole form.</summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, List<string>> fields = new(StringComparer.OrdinalIgnoreCase);

    public string? Alert { get; set; }

    public bool Any => fields.Count > 0 || Alert is not null;

    public void Add(string field, string message)
    {
        if (!fields.TryGetValue(field, out var list))
            fields[field] = list = [];
        list.Add(message);
    }

    public IReadOnlyList<string> For(string field) => fields.TryGetValue(field, out var list) ? list : [];

    /// <summary>Messages for fields the form does not show, so that none is lost.</summary>
    public IEnumerable<string> Except(params string[] shown) =>
        fields.Where(f => !shown.Contains(f.Key, StringComparer.OrdinalIgnoreCase)).SelectMany(f => f.Value);

    /// <summary>Takes the errors a use case reports; false for any other exception, which must not be swallowed.</summary>
    public bool Catch(Exception exception)
    {
        switch (exception)
        {
            case RequestException request:
                foreach (var (field, messages) in request.Errors)
                    foreach (var message in messages)
                        Add(field, message);
                return true;
            case DomainException domain:
                Alert = domain.Message;
                return true;
            default:
                return false;
        }
    }
}
