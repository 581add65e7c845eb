using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using FeedWatcher.Feeds.Parsing;

namespace FeedWatcher.Feeds;

/// <summary>Reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1. CodeHollow.FeedReader parses the
/// document and finds its items; around it FeedWatcher decodes the bytes, repairs broken XML for a second
/// try, and reads each field from the item's element where FeedReader does not (Dublin Core, xml:base,
/// dates in any zone, Atom text constructs).</summary>
public static class FeedParser
{
    /// <param name="body">The feed's bytes.</param>
    /// <param name="httpCharset">The charset of the HTTP Content-Type, if any.</param>
    /// <param name="feedUrl">Where the feed came from, to resolve relative links.</param>
    /// <exception cref="FeedParseException">Nothing usable could be read, or reading took more than
    /// <see cref="MaxParseTime"/>.</exception>
    public static ParsedFeed Parse(ReadOnlyMemory<byte> body, string? httpCharset = null, Uri? feedUrl = null) =>
        Parse(body, httpCharset, feedUrl, MaxParseTime);

    internal static ParsedFeed Parse(ReadOnlyMemory<byte> body, string? httpCharset, Uri? feedUrl, TimeSpan budget)
    {
        try
        {
            return Parse(body, httpCharset, feedUrl, new ParseDeadline(budget));
        }
        catch (TimeoutException)
        {
            throw new FeedParseException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"reading the document ({body.Length:N0} bytes) took more than {budget.TotalMilliseconds:N0} ms: not read"));
        }
    }

    /// <summary>How long reading one document (and repairing it) may take: a real feed of several megabytes takes a
    /// fraction of a second.</summary>
    public static readonly TimeSpan MaxParseTime = TimeSpan.FromSeconds(5);

    static ParsedFeed Parse(ReadOnlyMemory<byte> body, string? httpCharset, Uri? feedUrl, ParseDeadline deadline)
    {
        // XDocument takes time quadratic in the nesting of elements: a hostile document of 100,000 nested elements
        // would hold a parsing slot for a minute. Feeds are shallow.
        if (XmlDepth.Exceeds(body.Span, MaxDepth))
            throw new FeedParseException($"elements nested more than {MaxDepth} deep: not a feed");
        var (encoding, start) = FeedDecoder.Choose(body.Span, httpCharset);
        if (ReadWellFormed(body[start..], encoding, deadline) is { } feed)
            return XmlFeedReader.Map(feed, feedUrl);

        var text = encoding.GetString(body.Span[start..]);
        if (FeedDiscovery.IsWebPage(text))
        {
            // Said in words a user knows, not as the XML parser's complaint about a doctype, with the feeds it offers.
            var links = FeedDiscovery.FeedLinks(text, feedUrl);
            throw new FeedParseException(FeedDiscovery.Describe(links)) { FeedLinks = links };
        }
        if (text.AsSpan().TrimStart().StartsWith("{"))
            return JsonFeedReader.Map(ReadJson(text), feedUrl);
        try
        {
            return XmlFeedReader.Map(ReadText(text, deadline) ?? throw new FeedParseException("not a dialect FeedReader reads"), feedUrl);
        }
        catch (Exception first) when (first is not (OutOfMemoryException or TimeoutException))
        {
            var repaired = XmlRepair.Repair(text, deadline.Check);
            try
            {
                return XmlFeedReader.Map(ReadText(repaired, deadline) ?? throw new FeedParseException("not a dialect FeedReader reads"), feedUrl);
            }
            catch (Exception second) when (second is not (OutOfMemoryException or TimeoutException))
            {
                // Well-formed, but a dialect FeedReader does not read (RSS 0.90, namespaced RSS, CDF, a channel
                // without items): read the document's channel and items directly.
                XDocument document;
                try
                {
                    using var xml = XmlReader.Create(deadline.Watch(new StringReader(repaired)), DocumentSettings);
                    document = XDocument.Load(xml);
                }
                catch (XmlException x) { throw new FeedParseException($"not well-formed XML even after repair: {x.Message}", x); }
                return XmlFeedReader.Map(document, feedUrl)
                    ?? throw new FeedParseException($"not an RSS, Atom or JSON feed: the document's root is <{document.Root?.Name.LocalName}>", second);
            }
        }
    }

    /// <summary>How deep elements may nest: a feed's channel, item and the markup of its content are a few levels.</summary>
    public const int MaxDepth = 256;

    // What FeedReader.ReadFromString does for the same text, less the text: it parses only from a string,
    // which for a feed of any size is a large object on its own. Here the document is read as it is decoded,
    // then given to FeedReader's reader for its dialect. Null for anything else (JSON, XML that needs
    // repair, a root FeedReader does not know), which the string path above reads.
    static Feed? ReadWellFormed(ReadOnlyMemory<byte> bytes, System.Text.Encoding encoding, ParseDeadline deadline)
    {
        using var text = new FeedTextReader(bytes, encoding);
        if (text.Peek() != '<') return null;
        try
        {
            using var xml = XmlReader.Create(deadline.Watch(text), DocumentSettings);
            return ReadDocument(xml);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or TimeoutException))
        {
            return null;
        }
    }

    // A document read as text, with the same limits as one read from its bytes (FeedReader's own reading would
    // expand entities up to ten million characters).
    static Feed? ReadText(string text, ParseDeadline deadline)
    {
        using var xml = XmlReader.Create(deadline.Watch(new StringReader(text.Trim())), DocumentSettings);
        return ReadDocument(xml);
    }

    // The document given to FeedReader's reader for its dialect; null for a root FeedReader does not know.
    static Feed? ReadDocument(XmlReader xml)
    {
        var document = XDocument.Load(xml);
        var root = document.Root!;
        var channel = root.Element(root.GetDefaultNamespace() + "channel");
        BaseFeed? specific = root.Name.LocalName.ToLowerInvariant() switch
        {
            "feed" => new AtomFeed(null, root),
            "rdf" => new Rss10Feed(null, channel),
            "rss" => root.Attribute("version")?.Value.ToLowerInvariant() switch
            {
                "2.0" when root.Attribute(XNamespace.Xmlns + "media") is not null => new MediaRssFeed(null, channel),
                "0.91" => new Rss091Feed(null, channel),
                "0.92" => new Rss092Feed(null, channel),
                _ => new Rss20Feed(null, channel),
            },
            _ => null,
        };
        return specific?.ToFeed();
    }

    // The settings every document is read with. Entities declared in the document expand to at most this many
    // characters in all: a real feed declares a few short ones, and more is a document built to grow in memory.
    static readonly XmlReaderSettings DocumentSettings = new()
    {
        IgnoreWhitespace = true,
        DtdProcessing = DtdProcessing.Parse,
        XmlResolver = null,
        MaxCharactersFromEntities = 100_000,
    };

    // JSON Feed: FeedReader insists on a version URL; a document with an items list is a feed whatever it says.
    static JsonFeed ReadJson(string text)
    {
        try
        {
            return (JsonFeed)FeedReader.ReadFromString(text).SpecificFeed;
        }
        catch (Exception first) when (first is not OutOfMemoryException)
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject { } root && root["items"] is JsonArray)
                {
                    root["version"] = "https://jsonfeed.org/version/1.1";
                    return (JsonFeed)FeedReader.ReadFromString(root.ToJsonString()).SpecificFeed;
                }
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidCastException) { }
            throw new FeedParseException($"not a readable JSON Feed: {first.Message}", first);
        }
    }
}

/// <summary>A feed's body could not be parsed; the message says why and is shown in the feed's health.</summary>
public sealed class FeedParseException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>When the body was a web page: the feeds it links to (maybe none). Null for anything else.</summary>
    public IReadOnlyList<FeedLink>? FeedLinks { get; init; }
}
