using System.Text;

namespace Muster.Features.Devices;

/// <summary>
/// A small RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes, CRLF or LF,
/// a UTF-8 BOM). CsvHelper 34 is a rewrite whose API is all about mapping records, and a device
/// file needs only rows of strings with the line each starts on, for error messages.
/// </summary>
public static class Csv
{
    public sealed record Row(int Line, IReadOnlyList<string> Fields);

    public static async IAsyncEnumerable<Row> ReadAsync(TextReader reader)
    {
        var text = await reader.ReadToEndAsync();
        foreach (var row in Parse(text.TrimStart('\uFEFF')))
            yield return row;
    }

    public static IEnumerable<Row> Parse(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, start = 1, i = 0;
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                if (c == '"') { quoted = false; i++; continue; }
                if (c == '\n') line++;
                field.Append(c);
                i++;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0: quoted = true; i++; break;
                case ',': fields.Add(field.ToString()); field.Clear(); i++; break;
                case '\r' or '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    if (fields.Count > 1 || fields[0].Length > 0)
                        yield return new Row(start, [.. fields]);
                    fields.Clear();
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    line++;
                    start = line;
                    break;
                default: field.Append(c); i++; break;
            }
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return new Row(start, [.. fields]);
        }
    }
}
