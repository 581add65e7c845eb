using System.Net;
using System.Text.RegularExpressions;
using CodeHollow.FeedReader;

namespace FeedWatcher.Feeds;

/// <summary>Reads RSS, Atom and JSON Feed bytes with CodeHollow.FeedReader into <see cref="FeedEntry"/>s.</summary>
public static partial class FeedParser
{
    /// <exception cref="FeedParseException">The bytes are not a feed FeedReader can read.</exception>
    public static IReadOnlyList<FeedEntry> Parse(byte[] body)
    {
        Feed feed;
        try
        {
            feed = FeedReader.ReadFromByteArray(body);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FeedParseException($"not a readable RSS, Atom or JSON feed: {e.Message}", e);
        }
        return feed.Items.Select(ToEntry).ToList();
    }

    static FeedEntry ToEntry(FeedItem item) => new(
        Id: NullIfBlank(item.Id),
        Link: NullIfBlank(item.Link),
        Title: PlainText(item.Title),
        Summary: PlainText(string.IsNullOrWhiteSpace(item.Description) ? item.Content : item.Description),
        Published: item.PublishingDate is { } date ? ToUtc(date) : null);

    static DateTime ToUtc(DateTime date) => date.Kind switch
    {
        DateTimeKind.Utc => date,
        DateTimeKind.Local => date.ToUniversalTime(),
        _ => DateTime.SpecifyKind(date, DateTimeKind.Utc),
    };

    static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Feed text with markup removed and entities decoded, whitespace collapsed.</summary>
    public static string PlainText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
            return "";
        var withoutTags = Tags().Replace(html, " ");
        return Whitespace().Replace(WebUtility.HtmlDecode(withoutTags), " ").Trim();
    }

    [GeneratedRegex(@"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>A feed's body could not be parsed; the message says why and is shown in the feed's health.</summary>
public sealed class FeedParseException(string message, Exception inner) : Exception(message, inner);
