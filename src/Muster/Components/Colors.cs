using System.Globalization;

namespace Muster.Components;

public static class Colors
{
    /// <summary>Only #rrggbb reaches a style attribute; the plan validator says the same, this guards old rows.</summary>
    public static bool IsHex(string? color) =>
        color is { Length: 7 } && color[0] == '#' && color.Skip(1).All(char.IsAsciiHexDigit);

    /// <summary>Black or white, whichever reads better on <paramref name="hex"/> (WCAG relative luminance).</summary>
    public static string InkOn(string hex)
    {
        double Channel(int at)
        {
            var c = int.Parse(hex.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        var luminance = 0.2126 * Channel(1) + 0.7152 * Channel(3) + 0.0722 * Channel(5);
        return luminance > 0.30 ? "#111" : "#fff";
    }
}
