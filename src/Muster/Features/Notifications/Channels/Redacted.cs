using System.Collections;
using System.Reflection;
using System.Text;

namespace Muster.Features.Notifications.Channels;

/// <summary>A settings record's ToString without its secrets, so a log line or an exception message never carries one.</summary>
internal static class Redacted
{
    private static readonly string[] SecretWords = ["secret", "token", "password", "key", "webhookurl", "headers"];

    public static string Describe(object settings)
    {
        var text = new StringBuilder(settings.GetType().Name).Append(" { ");
        var first = true;
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
                continue;
            if (!first)
                text.Append(", ");
            first = false;
            var value = property.GetValue(settings);
            var secret = SecretWords.Any(w => property.Name.Contains(w, StringComparison.OrdinalIgnoreCase)) && !property.Name.EndsWith("Id", StringComparison.Ordinal);
            text.Append(property.Name).Append(" = ").Append(secret ? (value is null ? "null" : "***") : value is IEnumerable and not string ? "[…]" : value);
        }
        return text.Append(" }").ToString();
    }
}
