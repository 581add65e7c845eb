using System.Text;
using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class OpmlTests
{
    [Fact]
    public void Reads_nested_outlines_and_round_trips()
    {
        var opml = """
            <opml version="2.0"><body>
              <outline text="World"><outline text="A" title="Feed A" xmlUrl="http://a.example/rss"/><outline text="folder only"/></outline>
              <outline text="B" xmlUrl=" http://b.example/atom "/>
              <outline text="A again" xmlUrl="http://a.example/rss"/>
            </body></opml>
            """;
        var outlines = Opml.Read(new MemoryStream(Encoding.UTF8.GetBytes(opml)));
        Assert.Equal([new Opml.Outline("http://a.example/rss", "Feed A"), new Opml.Outline("http://b.example/atom", "B")], outlines);

        using var written = new MemoryStream();
        Opml.Write(written, outlines, DateTimeOffset.UnixEpoch);
        Assert.Equal(outlines, Opml.Read(new MemoryStream(written.ToArray())));
    }

    [Theory]
    [InlineData("<rss version=\"2.0\"/>", "not an OPML file: the root element is <rss>, not <opml>")]
    [InlineData("not xml", "not an OPML file:")]
    public void Refuses_what_is_not_opml(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => Opml.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)))).Message);
}
