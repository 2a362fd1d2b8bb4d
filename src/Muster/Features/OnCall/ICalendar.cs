using System.Globalization;
using System.Text;

namespace Muster.Features.OnCall;

/// <summary>
/// The few lines of RFC 5545 a calendar feed needs, written by hand: CRLF line endings, lines folded
/// at 75 octets (never inside a UTF-8 character), and TEXT values escaped.
/// </summary>
public static class ICalendar
{
    public sealed record Event(string Uid, DateTime Start, DateTime End, string Summary, string? Description);

    public static string Write(string name, IEnumerable<Event> events, DateTime now)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(Fold(line)).Append("\r\n");
        Line("BEGIN:VCALENDAR");
        Line("VERSION:2.0");
        Line("PRODID:-//Muster//On call//EN");
        Line("CALSCALE:GREGORIAN");
        Line("METHOD:PUBLISH");
        Line("X-WR-CALNAME:" + Escape(name));
        foreach (var e in events)
        {
            Line("BEGIN:VEVENT");
            Line("UID:" + e.Uid);
            Line("DTSTAMP:" + Utc(now));
            Line("DTSTART:" + Utc(e.Start));
            Line("DTEND:" + Utc(e.End));
            Line("SUMMARY:" + Escape(e.Summary));
            if (!string.IsNullOrEmpty(e.Description))
                Line("DESCRIPTION:" + Escape(e.Description));
            Line("TRANSP:OPAQUE");
            Line("END:VEVENT");
        }
        Line("END:VCALENDAR");
        return text.ToString();
    }

    private static string Utc(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT.</summary>
    public static string Escape(string value) =>
        value.Replace("\\", "\\\\").Replace(";", "\\;").Replace(",", "\\,").Replace("\r\n", "\\n").Replace("\n", "\\n").Replace("\r", "\\n");

    /// <summary>RFC 5545 §3.1: lines longer than 75 octets continue on the next line after CRLF and a space.</summary>
    public static string Fold(string line)
    {
        if (Encoding.UTF8.GetByteCount(line) <= 75)
            return line;
        var folded = new StringBuilder();
        var octets = 0;
        var limit = 75;
        for (var i = 0; i < line.Length; i++)
        {
            var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(line.AsSpan(i, width));
            if (octets + size > limit)
            {
                folded.Append("\r\n ");
                octets = 0;
                limit = 74; // the leading space of a continuation line counts
            }
            folded.Append(line, i, width);
            octets += size;
            i += width - 1;
        }
        return folded.ToString();
    }
}
