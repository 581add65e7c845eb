namespace FeedWatcher.Feeds;

/// <summary>A feed as read: its title and link, its items, and how long it asks to be cached (RSS ttl).</summary>
public sealed record ParsedFeed(string? Title, string? Link, IReadOnlyList<FeedEntry> Entries, TimeSpan? Ttl = null);

/// <summary>One item of a feed, normalized: links resolved, dates in UTC. Title, summary and content are
/// the feed's HTML or text as given; <see cref="TitleText"/> and <see cref="SummaryText"/> are plain text.</summary>
public sealed record FeedEntry(
    string? Id,
    string? Link,
    string? Title,
    string? Summary,
    DateTime? Published,
    DateTime? Updated = null,
    string? Author = null,
    string? Content = null)
{
    string? _content = Content;
    Func<string?>? _readContent;
    string? _titleText;
    string? _summaryText;

    /// <summary>The content (markup or text), read from the feed's document only when first asked for: an item
    /// with a summary is matched and stored without it.</summary>
    public string? Content
    {
        get
        {
            if (_readContent is { } read)
                (_content, _readContent) = (read(), null);
            return _content;
        }
        init => _content = value;
    }

    /// <summary>Where <see cref="Content"/> comes from when it is read on demand.</summary>
    internal Func<string?> ContentReader { init => _readContent = value; }

    public string TitleText => _titleText ??= FeedText.Plain(Title);

    public string SummaryText => _summaryText ??= FeedText.Plain(string.IsNullOrWhiteSpace(Summary) ? Content : Summary);
}
