using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

public sealed class LineDiffTests
{
    private static string Show(IEnumerable<DiffLine> lines) =>
        string.Join("\n", lines.Select(l => (l.Kind switch { DiffKind.Added => "+", DiffKind.Removed => "-", _ => " " }) + l.Text));

    [Fact]
    public void A_changed_line_is_removed_then_added_between_the_same_lines()
    {
        var diff = LineDiff.Compute("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");

        Assert.Equal(" a\n-b\n+B\n c\n d\n+e", Show(diff));
        Assert.Equal((2, 0), (diff[1].OldLine, diff[1].NewLine));
        Assert.Equal((0, 5), (diff[^1].OldLine, diff[^1].NewLine));
    }

    [Fact]
    public void The_longest_common_lines_are_kept()
    {
        var diff = LineDiff.Compute("x\na\nb\nc\ny", "a\nz\nb\nc\nw");

        Assert.Equal(3, diff.Count(l => l.Kind == DiffKind.Same));
        Assert.Equal("-x\n a\n+z\n b\n c\n-y\n+w", Show(diff));
    }

    [Fact]
    public void Equal_texts_have_no_change_and_empty_ones_no_lines()
    {
        Assert.All(LineDiff.Compute("a\r\nb", "a\nb\n"), l => Assert.Equal(DiffKind.Same, l.Kind));
        Assert.Empty(LineDiff.Compute("", ""));
        Assert.Equal("+a", Show(LineDiff.Compute("", "a")));
    }
}
