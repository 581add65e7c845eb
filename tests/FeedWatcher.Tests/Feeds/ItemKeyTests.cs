using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class ItemKeyTests
{
    static readonly DateTime Date = new(2017, 4, 14, 8, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void Guid_wins_over_link() =>
        Assert.Equal("id:urn:1", ItemKey.For(new FeedEntry("urn:1", "http://x/1", "t", "s", Date)));

    [Fact]
    public void Link_when_no_guid() =>
        Assert.Equal("link:http://x/1", ItemKey.For(new FeedEntry(null, "http://x/1", "t", "s", Date)));

    [Fact]
    public void Hash_of_title_and_date_when_neither()
    {
        var a = ItemKey.For(new FeedEntry(null, null, "Title", "summary one", Date));
        var b = ItemKey.For(new FeedEntry(null, null, "Title", "summary edited", Date));
        var c = ItemKey.For(new FeedEntry(null, null, "Title", "summary one", Date.AddDays(1)));
        Assert.StartsWith("hash:", a);
        Assert.Equal(a, b); // an edited summary is the same item
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Long_keys_are_hashed_to_fit_the_index()
    {
        var key = ItemKey.For(new FeedEntry(new string('x', 5000), null, "t", "s", Date));
        Assert.StartsWith("sha256:", key);
        Assert.True(key.Length < 100);
    }
}
