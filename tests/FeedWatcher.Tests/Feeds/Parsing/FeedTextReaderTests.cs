using System.Text;
using FeedWatcher.Feeds.Parsing;

namespace FeedWatcher.Tests.Feeds.Parsing;

public class FeedTextReaderTests
{
    static string ReadAll(byte[] bytes, string? charset = null)
    {
        var (encoding, start) = FeedDecoder.Choose(bytes, charset);
        using var reader = new FeedTextReader(bytes.AsMemory(start), encoding);
        return reader.ReadToEnd();
    }

    [Fact]
    public void Drops_what_feedreader_strips_and_keeps_tabs_and_line_breaks()
    {
        var text = " \r\n\u0001\uFEFF<rss>\ta\u0002b\u007F\nc\u001C\rd\uFEFF</rss> ";
        Assert.Equal("<rss>\tab\nc\rd</rss> ", ReadAll(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Decodes_characters_split_across_its_runs()
    {
        // Several runs of 4,096 characters, with three- and four-byte characters falling on every boundary.
        var text = "<t>" + string.Concat(Enumerable.Repeat("Кабул 喀布尔 🇦🇫 ", 2_000)) + "</t>";
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(text, ReadAll(bytes));
        Assert.Equal(Encoding.UTF8.GetString(bytes), ReadAll(bytes));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("windows-1252")]
    [InlineData("iso-8859-1")]
    [InlineData("koi8-r")]
    [InlineData(null)]
    public void Reads_as_the_decoder_does_whole(string? charset)
    {
        // Valid UTF-8 with one stray windows-1252 byte: read the same whole and streamed, whatever the label.
        var bytes = Encoding.UTF8.GetBytes("<t>Café – Lavrov’s talks</t>").Concat(new byte[] { 0x93, (byte)'x', 0x94 }).ToArray();
        var (encoding, start) = FeedDecoder.Choose(bytes, charset);
        Assert.Equal(encoding.GetString(bytes, start, bytes.Length - start), ReadAll(bytes, charset));
    }

    [Fact]
    public void Skips_the_byte_order_mark_and_reads_utf16()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<rss>Кабул</rss>")).ToArray();
        Assert.Equal("<rss>Кабул</rss>", ReadAll(bytes));
    }

    [Fact]
    public void Peek_sees_the_first_character_kept_and_an_empty_body_ends_at_once()
    {
        var (encoding, _) = FeedDecoder.Choose("  {}"u8);
        using var json = new FeedTextReader("  {}"u8.ToArray(), encoding);
        Assert.Equal('{', json.Peek());
        Assert.Equal('{', json.Read());
        using var empty = new FeedTextReader(ReadOnlyMemory<byte>.Empty, Encoding.UTF8);
        Assert.Equal(-1, empty.Peek());
        Assert.Equal("", empty.ReadToEnd());
    }
}
