namespace Muster.Domain.Plans;

public enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a diff, with its number in the old text and in the new (0 where it has none).</summary>
public sealed record DiffLine(DiffKind Kind, string Text, int OldLine, int NewLine);

/// <summary>A line diff by longest common subsequence: small, exact, and enough for plans of a few hundred lines.</summary>
public static class LineDiff
{
    /// <summary>Past this many lines on both sides the table would be too big; the diff is then whole-text.</summary>
    public const int MaxCells = 4_000_000;

    public static IReadOnlyList<DiffLine> Compute(string before, string after)
    {
        var a = Lines(before);
        var b = Lines(after);
        // Common head and tail are the usual case for an edited plan: take them off before the table.
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
            head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)])
            tail++;
        var result = new List<DiffLine>();
        for (var i = 0; i < head; i++)
            result.Add(new(DiffKind.Same, a[i], i + 1, i + 1));

        var n = a.Length - head - tail;
        var m = b.Length - head - tail;
        if ((long)n * m > MaxCells)
        {
            for (var i = 0; i < n; i++)
                result.Add(new(DiffKind.Removed, a[head + i], head + i + 1, 0));
            for (var j = 0; j < m; j++)
                result.Add(new(DiffKind.Added, b[head + j], 0, head + j + 1));
        }
        else
        {
            // lcs[i, j]: the longest common subsequence of a[i..] and b[j..] (within the middle).
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
                for (var j = m - 1; j >= 0; j--)
                    lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            int x = 0, y = 0;
            while (x < n || y < m)
            {
                if (x < n && y < m && a[head + x] == b[head + y])
                {
                    result.Add(new(DiffKind.Same, a[head + x], head + x + 1, head + y + 1));
                    x++;
                    y++;
                }
                else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
                {
                    result.Add(new(DiffKind.Removed, a[head + x], head + x + 1, 0));
                    x++;
                }
                else
                {
                    result.Add(new(DiffKind.Added, b[head + y], 0, head + y + 1));
                    y++;
                }
            }
        }
        for (var k = tail; k > 0; k--)
            result.Add(new(DiffKind.Same, a[^k], a.Length - k + 1, b.Length - k + 1));
        return result;
    }

    private static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
}
