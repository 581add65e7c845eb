using System.Xml;
using System.Xml.Linq;
using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;
using FeedWatcher.Feeds.Parsing;

namespace FeedWatcher.Feeds;

/// <summary>Reads the fields of XML feeds from the elements FeedReader found.</summary>
static class XmlFeedReader
{
    const string AtomNs = "http://www.w3.org/2005/Atom";
    const string Atom03Ns = "http://purl.org/atom/ns#";
    const string DcNs = "http://purl.org/dc/elements/1.1/";
    const string DcTermsNs = "http://purl.org/dc/terms/";
    const string ContentNs = "http://purl.org/rss/1.0/modules/content/";
    const string ItunesNs = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    const string RdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    static readonly XName XmlBase = XNamespace.Xml + "base";
    static readonly System.Text.Encoding StrictUtf8 = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);

    const string MediaNs = "http://search.yahoo.com/mrss/";
    const string XhtmlNs = "http://www.w3.org/1999/xhtml";

    /// <summary>Maps what FeedReader parsed, reading each field from the elements it found.</summary>
    public static ParsedFeed Map(Feed feed, Uri? feedUrl)
    {
        var channel = feed.SpecificFeed?.Element;
        if (channel?.Name.LocalName == "rss")
            channel = channel.Elements().FirstOrDefault(e => e.Name.LocalName == "channel") ?? channel;
        if (channel is null || feed.Items.Any(i => i.SpecificItem?.Element is null))
            return new ParsedFeed(feed.Title, feed.Link, feed.Items.Select(Fallback).ToList());
        return Map(channel, feed.Items.Select(i => i.SpecificItem.Element), feedUrl);
    }

    /// <summary>Maps a well-formed document FeedReader could not read; null when it is no feed at all.</summary>
    public static ParsedFeed? Map(XDocument document, Uri? feedUrl)
    {
        var root = document.Root;
        if (root is null) return null;
        static IEnumerable<XElement> Named(XElement parent, string name) =>
            parent.Elements().Where(e => e.Name.LocalName.Equals(name, StringComparison.OrdinalIgnoreCase));
        switch (root.Name.LocalName.ToLowerInvariant())
        {
            case "feed":
                return Map(root, Named(root, "entry"), feedUrl);
            case "rss" or "rdf":
                var channel = Named(root, "channel").FirstOrDefault() ?? root;
                return Map(channel, Named(channel, "item").Concat(channel == root ? [] : Named(root, "item")), feedUrl);
            case "channel":
                return Cdf(root, feedUrl);
            default:
                return null;
        }
    }

    static ParsedFeed Map(XElement channel, IEnumerable<XElement> items, Uri? feedUrl)
    {
        var isAtom = channel.Name.LocalName == "feed";
        // The channel's author, for items that name none: looked up once, as the channel holds every item.
        var channelAuthor = new Lazy<string?>(() => isAtom
            ? Person(Child(channel, "author")) ?? Value(Child(channel, ItunesNs, "author"))
            : Value(Child(channel, DcNs, "creator")) ?? Value(Child(channel, ItunesNs, "author")));
        var entries = items.Select(e => e.Name.LocalName == "entry" ? AtomEntry(e, channelAuthor, feedUrl) : RssItem(e, channelAuthor, feedUrl)).ToList();
        var title = isAtom ? TextConstruct(Child(channel, "title")) : Value(Child(channel, "title")) ?? Value(Child(channel, DcNs, "title"));
        var link = isAtom ? AtomLink(channel, feedUrl) : Resolve(Value(Child(channel, "link")), channel, feedUrl) ?? AtomLink(channel, feedUrl);
        var ttl = int.TryParse(Value(Child(channel, "ttl")), out var minutes) && minutes > 0 ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
        return new ParsedFeed(title, link, entries, ttl);
    }

    static FeedEntry Fallback(FeedItem item) => new(item.Id, item.Link, item.Title, item.Description, FeedDates.Parse(item.PublishingDateString),
        Author: item.Author, Content: item.Content);

    static FeedEntry RssItem(XElement item, Lazy<string?> channelAuthor, Uri? feedUrl)
    {
        var guid = Child(item, "guid");
        var id = Value(guid) ?? Attribute(item, RdfNs, "about");
        var link = Value(Child(item, "link"))
            ?? (guid is not null && Attribute(guid, "", "isPermaLink") is not "false" && LooksLikeUrl(id) ? id : null)
            ?? AtomLink(item, feedUrl);
        var media = Child(item, MediaNs, "group");
        var updated = Date(Child(item, DcTermsNs, "modified")) ?? Date(Child(item, AtomNs, "updated")) ?? Date(Child(item, DcNs, "date"));
        return new FeedEntry(
            Id: id,
            Link: Resolve(link, item, feedUrl),
            Title: Value(Child(item, "title")) ?? Value(Child(item, DcNs, "title")) ?? Value(Child(item, MediaNs, "title")) ?? Value(Child(media, MediaNs, "title")),
            Summary: Value(Child(item, "description")) ?? Value(Child(item, ItunesNs, "summary")) ?? Value(Child(item, DcNs, "description"))
                ?? Value(Child(item, MediaNs, "description")) ?? Value(Child(media, MediaNs, "description")),
            Published: Date(Child(item, "pubDate")) ?? Date(Child(item, DcTermsNs, "issued")) ?? Date(Child(item, AtomNs, "published")) ?? updated,
            Updated: updated,
            Author: Value(Child(item, "author")) ?? Value(Child(item, DcNs, "creator")) ?? Value(Child(item, DcNs, "author")) ?? Value(Child(item, ItunesNs, "author"))
                ?? channelAuthor.Value)
        {
            ContentReader = () => Value(Child(item, ContentNs, "encoded")) ?? Markup(Child(item, XhtmlNs, "body")) ?? TextConstruct(Child(item, AtomNs, "content")),
        };
    }

    static FeedEntry AtomEntry(XElement entry, Lazy<string?> feedAuthor, Uri? feedUrl)
    {
        var updated = Date(Child(entry, "updated")) ?? Date(Child(entry, "modified"));
        return new FeedEntry(
            Id: ResolveId(Value(Child(entry, "id")), entry),
            Link: AtomLink(entry, feedUrl),
            Title: TextConstruct(Child(entry, "title")),
            Summary: TextConstruct(Child(entry, "summary")),
            Published: Date(Child(entry, "published")) ?? Date(Child(entry, "issued")) ?? Date(Child(entry, "created")) ?? Date(Child(entry, DcNs, "date")) ?? updated,
            Updated: updated,
            Author: Person(Child(entry, "author")) ?? Value(Child(entry, DcNs, "creator")) ?? Value(Child(entry, ItunesNs, "author"))
                ?? Person(Child(Child(entry, "source"), "author")) ?? feedAuthor.Value)
        {
            ContentReader = () => TextConstruct(Child(entry, "content")),
        };
    }

    // Channel Definition Format, the pre-RSS dialect: <CHANNEL HREF=...><ITEM HREF=... LASTMOD=...>.
    static ParsedFeed Cdf(XElement channel, Uri? feedUrl)
    {
        static string? Attr(XElement e, string name) => NullIfBlank(e.Attributes().FirstOrDefault(a => a.Name.LocalName.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value);
        static string? Text(XElement e, string name) => Value(e.Elements().FirstOrDefault(c => c.Name.LocalName.Equals(name, StringComparison.OrdinalIgnoreCase)));
        var items = channel.Elements().Where(e => e.Name.LocalName.Equals("item", StringComparison.OrdinalIgnoreCase)).Select(item =>
        {
            var date = FeedDates.Parse(Attr(item, "lastmod"));
            return new FeedEntry(null, Resolve(Attr(item, "href"), item, feedUrl), Text(item, "title"), Text(item, "abstract"), date, date);
        }).ToList();
        return new ParsedFeed(Text(channel, "title"), Resolve(Attr(channel, "href"), channel, feedUrl), items);
    }

    // Elements are matched by local name in the element's own namespace family (Atom 1.0 or 0.3, RSS of any
    // version), so that the same code reads every dialect; extension namespaces are asked for by name.
    static XElement? Child(XElement? parent, string localName)
    {
        for (var node = parent?.FirstNode; node is not null; node = node.NextNode)
        {
            if (node is XElement e && e.Name.LocalName == localName && IsCoreNamespace(e.Name.NamespaceName, parent!))
                return e;
        }
        return null;
    }

    static XElement? Child(XElement? parent, string ns, string localName) =>
        parent?.Element(XName.Get(localName, ns));

    static bool IsCoreNamespace(string ns, XElement parent) =>
        ns.Length == 0 || ns == parent.Name.NamespaceName || ns is AtomNs or Atom03Ns || ns.StartsWith("http://purl.org/rss/", StringComparison.Ordinal)
        || ns.StartsWith("http://my.netscape.com/rdf/", StringComparison.Ordinal) || ns.StartsWith("http://backend.userland.com/", StringComparison.Ordinal);

    static string? Value(XElement? e) => e is null ? null : NullIfBlank(FeedText.FixMojibake(e.Value));

    // The element's content as markup, each node as XNode.ToString(SaveOptions.DisableFormatting) writes it, through
    // one writer rather than one per node.
    static string? Markup(XElement? e)
    {
        if (e is null) return null;
        var markup = new System.Text.StringBuilder();
        using (var writer = XmlWriter.Create(new StringWriter(markup, System.Globalization.CultureInfo.InvariantCulture), MarkupSettings))
        {
            foreach (var node in e.Nodes())
                node.WriteTo(writer);
        }
        return NullIfBlank(markup.ToString());
    }

    static readonly XmlWriterSettings MarkupSettings = new() { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment };

    static string? Attribute(XElement e, string ns, string name) => NullIfBlank(e.Attribute(XName.Get(name, ns))?.Value);

    static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    static DateTime? Date(XElement? e) => FeedDates.Parse(e?.Value);

    static bool LooksLikeUrl(string? s) => s is not null && (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    // Atom text constructs: text and html as their value, xhtml as the markup inside its div.
    static string? TextConstruct(XElement? e)
    {
        if (e is null) return null;
        var type = e.Attribute("type")?.Value;
        if (type is "xhtml" or "application/xhtml+xml")
            return Markup(e.Elements().FirstOrDefault(x => x.Name.LocalName == "div") ?? e);
        // Atom 1.0 carries any other non-text, non-XML media type base64-encoded; Atom 0.3 says so with mode.
        var isBase64 = e.Attribute("mode")?.Value == "base64" || (type is not null && type.Contains('/', StringComparison.Ordinal)
            && !type.StartsWith("text/", StringComparison.Ordinal) && !type.EndsWith("xml", StringComparison.Ordinal));
        if (isBase64)
        {
            try { return NullIfBlank(StrictUtf8.GetString(Convert.FromBase64String(e.Value.Trim()))); }
            catch (Exception x) when (x is FormatException or System.Text.DecoderFallbackException) { return Value(e); }
        }
        if (e.HasElements && type is null or "text/html" or "html")
            return Markup(e);
        return Value(e);
    }

    // A relative Atom id under an xml:base means the resolved IRI.
    static string? ResolveId(string? id, XElement entry) =>
        id is null || Uri.IsWellFormedUriString(id, UriKind.Absolute) || !entry.AncestorsAndSelf().Any(a => a.Attribute(XmlBase) is not null)
            ? id : Resolve(id, entry, null);

    static string? Person(XElement? e) => e is null ? null : Value(Child(e, "name")) ?? Value(Child(e, "email")) ?? Value(e);

    static string? AtomLink(XElement parent, Uri? feedUrl)
    {
        var links = parent.Elements().Where(e => e.Name.LocalName == "link" && e.Attribute("href") is not null).ToList();
        var link = links.FirstOrDefault(l => l.Attribute("rel")?.Value is null or "alternate" && l.Attribute("type")?.Value is null or "text/html")
            ?? links.FirstOrDefault(l => l.Attribute("rel")?.Value is null or "alternate");
        return link is null ? null : Resolve(NullIfBlank(link.Attribute("href")!.Value), link, feedUrl);
    }

    /// <summary>A link made absolute against the xml:base in scope and the feed's URL; absolute links as given.</summary>
    static string? Resolve(string? href, XElement context, Uri? feedUrl)
    {
        if (href is null || href.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || Uri.TryCreate(href, UriKind.Absolute, out var absolute) && absolute.Scheme is "mailto" or "ftp" or "urn" or "tag")
            return href;
        var baseUri = feedUrl;
        foreach (var element in context.AncestorsAndSelf().Reverse())
        {
            if (element.Attribute(XmlBase)?.Value is { } xmlBase)
                baseUri = baseUri is null ? (Uri.TryCreate(xmlBase, UriKind.Absolute, out var b) ? b : null)
                    : Uri.TryCreate(baseUri, xmlBase, out var combined) ? combined : baseUri;
        }
        return baseUri is not null && Uri.TryCreate(baseUri, href, out var resolved) ? resolved.AbsoluteUri : href;
    }
}
