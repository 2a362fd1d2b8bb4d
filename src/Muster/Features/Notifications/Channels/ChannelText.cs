using System.Globalization;
using System.Text;

namespace Muster.Features.Notifications.Channels;

/// <summary>The few words channels add themselves (button labels, the drill mark), in the message's language.</summary>
internal static class ChannelText
{
    public static bool IsChinese(OutgoingMessage message) => message.Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    public static string Acknowledge(OutgoingMessage m) => IsChinese(m) ? "确认" : "Acknowledge";

    public static string Resolve(OutgoingMessage m) => IsChinese(m) ? "解决" : "Resolve";

    public static string OpenIncident(OutgoingMessage m) => IsChinese(m) ? "查看事件" : "Open incident";

    public static string DrillMark(OutgoingMessage m) => IsChinese(m) ? "【演练】" : "[DRILL] ";

    /// <summary>The title for a separate title field, marked as a drill unless the caller already did.</summary>
    public static string Title(OutgoingMessage m)
    {
        if (!m.Drill)
            return m.Title;
        var mark = DrillMark(m).Trim();
        return m.Title.Contains(mark.Trim('【', '】', '[', ']'), StringComparison.OrdinalIgnoreCase) ? m.Title : DrillMark(m) + m.Title;
    }

    /// <summary>The links a message carries, in the order a responder wants them.</summary>
    public static IEnumerable<(string Label, string Url)> Links(OutgoingMessage m)
    {
        if (!string.IsNullOrEmpty(m.AckUrl))
            yield return (Acknowledge(m), m.AckUrl);
        if (!string.IsNullOrEmpty(m.ResolveUrl))
            yield return (Resolve(m), m.ResolveUrl);
        if (!string.IsNullOrEmpty(m.IncidentUrl))
            yield return (OpenIncident(m), m.IncidentUrl);
    }

    /// <summary>At most <paramref name="max"/> characters as a person counts them (an emoji or a CJK character is one), never splitting one.</summary>
    public static string Truncate(string value, int max)
    {
        if (max <= 0)
            return value;
        var info = new StringInfo(value);
        return info.LengthInTextElements <= max ? value : info.SubstringByTextElements(0, max);
    }

    /// <summary>At most <paramref name="maxBytes"/> UTF-8 bytes (WeCom counts bytes), cut at a character boundary.</summary>
    public static string TruncateUtf8(string value, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value) <= maxBytes)
            return value;
        var result = new StringBuilder();
        var used = 0;
        var elements = StringInfo.GetTextElementEnumerator(value);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var size = Encoding.UTF8.GetByteCount(element);
            if (used + size > maxBytes - 3)
                break;
            result.Append(element);
            used += size;
        }
        return result.Append('…').ToString();
    }
}
