using Muster.Features.Devices;

namespace Muster.Tests;

public sealed class CsvTests
{
    private static async Task<List<Csv.Row>> ReadAsync(string text)
    {
        var rows = new List<Csv.Row>();
        await foreach (var row in Csv.ReadAsync(new StringReader(text)))
            rows.Add(row);
        return rows;
    }

    [Fact]
    public async Task Quotes_doubled_quotes_line_breaks_in_quotes_crlf_and_a_bom()
    {
        var rows = await ReadAsync("\uFEFFcode,name,area\r\nK-1,\"Kiosk, lobby\",\"say \"\"hi\"\"\"\r\nK-2,\"two\nlines\",B1\nK-3,,\n");

        Assert.Equal(["code", "name", "area"], rows[0].Fields);
        Assert.Equal(["K-1", "Kiosk, lobby", "say \"hi\""], rows[1].Fields);
        Assert.Equal(["K-2", "two\nlines", "B1"], rows[2].Fields);
        Assert.Equal(["K-3", "", ""], rows[3].Fields);
        // Each row knows the line it started on, for error messages: K-3 starts on line 5.
        Assert.Equal([1, 2, 3, 5], rows.Select(r => r.Line));
    }

    [Fact]
    public async Task Chinese_text_passes_through()
    {
        var rows = await ReadAsync("code,name\nA-1,一食堂 3 号刷卡机\n");
        Assert.Equal("一食堂 3 号刷卡机", rows[1].Fields[1]);
    }
}
