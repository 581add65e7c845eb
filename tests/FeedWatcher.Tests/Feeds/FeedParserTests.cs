using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class FeedParserTests
{
    static byte[] TestFile(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", name));

    [Theory]
    [InlineData("rss2.xml", 3, "Envoys gather in Moscow for Afghan security meeting", "http://example.org/world/1001", "Delegations from eleven countries arrived on Friday.", "2017-04-14T08:30:00Z")]
    [InlineData("atom.xml", 1, "Kabul weighs response to regional peace push", "http://example.org/region/77", "Officials in Kabul reviewed the proposals.", "2017-04-15T11:00:00Z")]
    [InlineData("feed.json", 1, "Foreign ministers discuss Afghanistan", "http://example.org/json/1", "Talks continued into the evening.", "2017-04-16T09:15:00Z")]
    public void Reads_rss_atom_and_json_feed(string file, int count, string title, string link, string summary, string published)
    {
        var entries = FeedParser.Parse(TestFile(file));
        Assert.Equal(count, entries.Count);
        var first = entries[0];
        Assert.Equal(title, first.Title);
        Assert.Equal(link, first.Link);
        Assert.Equal(summary, first.Summary);
        Assert.Equal(DateTime.Parse(published, null, System.Globalization.DateTimeStyles.AdjustToUniversal), first.Published);
        Assert.Equal(DateTimeKind.Utc, first.Published!.Value.Kind);
    }

    [Fact]
    public void Reads_offsets_as_the_right_instant()
    {
        var second = FeedParser.Parse(TestFile("rss2.xml"))[1];
        Assert.Equal(new DateTime(2017, 4, 15, 8, 0, 0, DateTimeKind.Utc), second.Published);
    }

    [Theory]
    [InlineData("malformed.xml")]
    public void Unreadable_feed_gives_a_clear_error(string file)
    {
        var error = Assert.Throws<FeedParseException>(() => FeedParser.Parse(TestFile(file)));
        Assert.StartsWith("not a readable RSS, Atom or JSON feed:", error.Message);
    }

    [Fact]
    public void Html_is_not_a_feed() =>
        Assert.Throws<FeedParseException>(() => FeedParser.Parse("<html><body>Not found</body></html>"u8.ToArray()));

    [Theory]
    [InlineData("<p>One &amp; two</p>", "One & two")]
    [InlineData("<script>alert(1)</script>Text <!-- note --> here", "Text here")]
    [InlineData("  many\n\n spaces ", "many spaces")]
    [InlineData(null, "")]
    public void Plain_text_drops_markup(string? html, string expected) => Assert.Equal(expected, FeedParser.PlainText(html));
}
