using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Components;

namespace Muster.Features.Analytics;

/// <summary>One bar: its label, its value, the text beside it, and where a click goes (the incidents behind it).</summary>
public sealed record Bar(string Label, double Value, string Text, string? Href = null, string? Color = null);

/// <summary>
/// Charts as server-rendered SVG: no script, prints as drawn, read at a glance. Every bar can link
/// to the incidents it counts. Colours are quiet greys; the level's colour stays the loudest thing.
/// </summary>
public static class Charts
{
    private const string Ink = "#37474f", Quiet = "#90a4ae", Bars = "#607d8b", Light = "#b0bec5";

    /// <summary>Horizontal bars, longest first as given, labels on the left and values on the right.</summary>
    public static MarkupString HorizontalBars(IReadOnlyList<Bar> bars, string title, double? target = null, Func<double, string>? scale = null)
    {
        const int rowHeight = 22, labelWidth = 150, barWidth = 220, textWidth = 90;
        var width = labelWidth + barWidth + textWidth;
        var height = Math.Max(1, bars.Count) * rowHeight + 4;
        var max = Math.Max(bars.Count == 0 ? 0 : bars.Max(b => b.Value), target ?? 0);
        var svg = Open(width, height, title);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var y = i * rowHeight + 2;
            var w = max <= 0 ? 0 : b.Value / max * barWidth;
            var inner = new StringBuilder();
            inner.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 6}\" y=\"{y + 15}\" text-anchor=\"end\" fill=\"{Ink}\">{Text(Clip(b.Label, 18))}</text>");
            inner.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{N(Math.Max(w, b.Value > 0 ? 2 : 0))}\" height=\"{rowHeight - 6}\" fill=\"{b.Color ?? Bars}\"><title>{Text(b.Label)}: {Text(b.Text)}</title></rect>");
            inner.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(labelWidth + w + 6)}\" y=\"{y + 15}\" fill=\"{Ink}\">{Text(b.Text)}</text>");
            svg.Append(b.Href is null ? inner.ToString() : $"<a href=\"{Attr(b.Href)}\">{inner}</a>");
        }
        if (target is { } t && max > 0)
        {
            var x = labelWidth + t / max * barWidth;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" x2=\"{N(x)}\" y1=\"0\" y2=\"{height}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>");
        }
        return Close(svg);
    }

    /// <summary>Vertical bars under labels (the hours of the day), each linking to its incidents.</summary>
    public static MarkupString Columns(IReadOnlyList<Bar> bars, string title, int labelEvery = 3)
    {
        const int height = 140, bottom = 20, columnWidth = 18;
        var width = Math.Max(1, bars.Count) * columnWidth;
        var max = bars.Count == 0 ? 0 : bars.Max(b => b.Value);
        var svg = Open(width, height, title);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var h = max <= 0 ? 0 : b.Value / max * (height - bottom - 14);
            var x = i * columnWidth;
            var inner = $"<rect x=\"{x + 2}\" y=\"{N(height - bottom - h)}\" width=\"{columnWidth - 4}\" height=\"{N(h)}\" fill=\"{Bars}\"><title>{Text(b.Label)}: {Text(b.Text)}</title></rect>";
            if (b.Value > 0)
                inner += $"<text x=\"{x + columnWidth / 2}\" y=\"{N(height - bottom - h - 3)}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{Ink}\">{Text(b.Text)}</text>";
            svg.Append(b.Href is null || b.Value <= 0 ? inner : $"<a href=\"{Attr(b.Href)}\">{inner}</a>");
            if (i % labelEvery == 0)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + columnWidth / 2}\" y=\"{height - 6}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{Quiet}\">{Text(b.Label)}</text>");
        }
        return Close(svg);
    }

    /// <summary>Incidents per bucket as bars, mean minutes to acknowledge and to resolve as two lines on their own scale.</summary>
    public static MarkupString Trend(IReadOnlyList<(string Label, int Count, double? MttaMinutes, double? MttrMinutes, string? Href)> points, string title)
    {
        const int height = 170, bottom = 20, top = 10;
        var columnWidth = points.Count > 40 ? 12 : points.Count > 12 ? 20 : 48;
        var width = Math.Max(1, points.Count) * columnWidth + 40;
        var maxCount = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => p.Count));
        var maxMinutes = points.SelectMany(p => new[] { p.MttaMinutes, p.MttrMinutes }).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        maxMinutes = Math.Max(maxMinutes, 1);
        var plot = height - bottom - top;
        var svg = Open(width, height, title);
        var labelEvery = Math.Max(1, (int)Math.Ceiling(points.Count / 10.0));
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var h = (double)p.Count / maxCount * plot * 0.6;
            var x = i * columnWidth;
            var rect = $"<rect x=\"{x + 1}\" y=\"{N(height - bottom - h)}\" width=\"{columnWidth - 2}\" height=\"{N(h)}\" fill=\"{Light}\"><title>{Text(p.Label)}: {p.Count}</title></rect>";
            svg.Append(p.Href is null || p.Count == 0 ? rect : $"<a href=\"{Attr(p.Href)}\">{rect}</a>");
            if (i % labelEvery == 0)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 1}\" y=\"{height - 6}\" font-size=\"10\" fill=\"{Quiet}\">{Text(p.Label)}</text>");
        }
        svg.Append(Line(points.Select((p, i) => (i, p.MttaMinutes)), Ink));
        svg.Append(Line(points.Select((p, i) => (i, p.MttrMinutes)), Bars, dashed: true));
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 38}\" y=\"{top + 8}\" font-size=\"10\" fill=\"{Quiet}\">{N(maxMinutes)}m</text>");
        return Close(svg);

        string Line(IEnumerable<(int Index, double? Minutes)> values, string color, bool dashed = false)
        {
            var coordinates = values.Where(v => v.Minutes is not null)
                .Select(v => $"{N(v.Index * columnWidth + columnWidth / 2.0)},{N(height - bottom - v.Minutes!.Value / maxMinutes * plot)}").ToList();
            if (coordinates.Count == 0)
                return "";
            var dots = string.Concat(coordinates.Select(c => $"<circle cx=\"{c.Split(',')[0]}\" cy=\"{c.Split(',')[1]}\" r=\"2.5\" fill=\"{color}\"/>"));
            return $"<polyline points=\"{string.Join(' ', coordinates)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"5 3\"" : "")}/>" + dots;
        }
    }

    private static StringBuilder Open(int width, int height, string title) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Attr(title)}\" font-size=\"12\"><title>{Text(title)}</title>");

    private static MarkupString Close(StringBuilder svg) => new(svg.Append("</svg>").ToString());

    private static string N(double value) => Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static string Text(string value) => WebUtility.HtmlEncode(value);

    private static string Attr(string value) => WebUtility.HtmlEncode(value);

    private static string Clip(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";
}
