using System.Xml.Linq;
using CodeHollow.FeedReader.Feeds;
using FeedWatcher.Feeds.Parsing;

namespace FeedWatcher.Feeds;

/// <summary>Reads JSON Feed items from the XML FeedReader converts them to.</summary>
static class JsonFeedReader
{
    public static ParsedFeed Map(JsonFeed feed, Uri? feedUrl)
    {
        var items = feed.Items.Select(i => Item(i.Element, feedUrl)).ToList();
        return new ParsedFeed(Trim(feed.Title), Trim(feed.HomePageUrl) ?? Trim(feed.Link), items);
    }

    static FeedEntry Item(XElement item, Uri? feedUrl)
    {
        var url = Get(item, "url") ?? Get(item, "external_url");
        if (url is not null && feedUrl is not null && !Uri.IsWellFormedUriString(url, UriKind.Absolute) && Uri.TryCreate(feedUrl, url, out var resolved))
            url = resolved.AbsoluteUri;
        return new FeedEntry(
            Id: Get(item, "id"),
            Link: url,
            Title: Text(item, "title"),
            Summary: Text(item, "summary"),
            Published: FeedDates.Parse(Get(item, "date_published")),
            Updated: FeedDates.Parse(Get(item, "date_modified")),
            Author: item.Element("author") is { } author ? Get(author, "name")
                : item.Element("authors")?.Elements().Select(a => Get(a, "name")).FirstOrDefault(n => n is not null),
            Content: Get(item, "content_html") ?? Text(item, "content_text"));
    }

    static string? Get(XElement e, string name) => Trim(e.Element(name)?.Value);

    // JSON Feed's title, summary and content_text are plain text, kept as they are through the HTML-to-text step
    // every item's text goes through: "a < b" and a literal "&amp;" stay.
    static string? Text(XElement e, string name) => Get(e, name) is { } text ? System.Net.WebUtility.HtmlEncode(text) : null;

    static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
