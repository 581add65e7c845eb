using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class CanonicalUrlTests
{
    [Theory]
    [InlineData("HTTP://News.Example.ORG/World/Asia?id=7#comments", "http://news.example.org/World/Asia?id=7")]
    [InlineData("https://example.org:443/a", "https://example.org/a")]
    [InlineData("http://example.org:8080/a", "http://example.org:8080/a")]
    [InlineData("https://example.org/a?utm_source=rss&utm_medium=feed&id=3&fbclid=XYZ", "https://example.org/a?id=3")]
    [InlineData("https://example.org/a?gclid=1&UTM_Campaign=x", "https://example.org/a")]
    [InlineData("https://example.org/", "https://example.org/")]
    [InlineData("https://example.org", "https://example.org/")]
    [InlineData("urn:uuid:1234", "urn:uuid:1234")]
    [InlineData("  /relative/path ", "/relative/path")]
    public void Canonical_form(string url, string expected) => Assert.Equal(expected, CanonicalUrl.Of(url));

    [Fact]
    public void A_tracking_parameter_does_not_make_an_item_new() =>
        Assert.Equal(
            ItemKey.For(new FeedEntry(null, "https://example.org/story?id=1", "t", null, null)),
            ItemKey.For(new FeedEntry(null, "https://Example.org/story?id=1&utm_source=feed#top", "t", null, null)));
}
