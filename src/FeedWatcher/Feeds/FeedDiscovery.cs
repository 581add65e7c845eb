using AngleSharp.Html.Parser;

namespace FeedWatcher.Feeds;

/// <summary>A feed the page links to: where, what it calls itself, and its kind (RSS, Atom, JSON Feed).</summary>
public sealed record FeedLink(string Url, string? Title, string Kind);

/// <summary>A web page where a feed was expected: tells an HTML document from a feed, and finds the feeds the page
/// announces with <c>&lt;link rel="alternate" type="application/rss+xml" href="..."&gt;</c> (RSS, Atom and JSON Feed),
/// the way browsers and feed readers discover them. The page is parsed by AngleSharp, an HTML5 parser, so markup
/// of any quality reads as a browser would read it.</summary>
public static class FeedDiscovery
{
    static readonly Dictionary<string, string> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application/rss+xml"] = "RSS",
        ["application/rdf+xml"] = "RSS",
        ["application/atom+xml"] = "Atom",
        ["application/feed+json"] = "JSON Feed",
        ["application/json"] = "JSON Feed",
    };

    /// <summary>Whether <paramref name="text"/> is an HTML document: after any XML declaration, comments and white
    /// space, it opens with an HTML doctype or an &lt;html&gt; element.</summary>
    public static bool IsWebPage(ReadOnlySpan<char> text)
    {
        while (true)
        {
            text = text.TrimStart();
            if (text.StartsWith("<?", StringComparison.Ordinal) || text.StartsWith("<!--", StringComparison.Ordinal))
            {
                var end = text.IndexOf(text[1] == '?' ? "?>" : "-->", StringComparison.Ordinal);
                if (end < 0) return false;
                text = text[(end + (text[1] == '?' ? 2 : 3))..];
                continue;
            }
            return text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
                || (text.StartsWith("<html", StringComparison.OrdinalIgnoreCase) && text.Length > 5 && (text[5] is '>' || char.IsWhiteSpace(text[5])));
        }
    }

    /// <summary>The feeds the page links to, their addresses resolved against the page's base (its &lt;base&gt;, else
    /// <paramref name="pageUrl"/>), each once, in the page's order; only http(s) addresses.</summary>
    public static IReadOnlyList<FeedLink> FeedLinks(string html, Uri? pageUrl)
    {
        using var document = new HtmlParser().ParseDocument(html);
        var baseUrl = pageUrl;
        if (document.QuerySelector("base[href]")?.GetAttribute("href") is { } declared && Uri.TryCreate(pageUrl, declared, out var fromBase))
            baseUrl = fromBase;
        var links = new List<FeedLink>();
        foreach (var link in document.QuerySelectorAll("link[rel][href][type]"))
        {
            var rel = link.GetAttribute("rel")!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!rel.Contains("alternate", StringComparer.OrdinalIgnoreCase)) continue;
            var type = link.GetAttribute("type")!.Split(';')[0].Trim();
            if (!Kinds.TryGetValue(type, out var kind)) continue;
            var href = link.GetAttribute("href")!.Trim();
            if (!Uri.TryCreate(baseUrl, href, out var url) && !Uri.TryCreate(href, UriKind.Absolute, out url)) continue;
            if (url.Scheme is not ("http" or "https")) continue;
            var title = link.GetAttribute("title")?.Trim();
            if (links.All(l => l.Url != url.AbsoluteUri))
                links.Add(new FeedLink(url.AbsoluteUri, string.IsNullOrEmpty(title) ? null : title, kind));
        }
        return links;
    }

    /// <summary>What to tell the user about a web page given as a feed: "a web page (HTML), not a feed; it links to
    /// the feed https://..."</summary>
    public static string Describe(IReadOnlyList<FeedLink> links) => links.Count switch
    {
        0 => "a web page (HTML), not a feed, and it links to no feed",
        1 => $"a web page (HTML), not a feed; it links to the feed {links[0].Url}",
        _ => $"a web page (HTML), not a feed; it links to {links.Count} feeds: {string.Join(", ", links.Select(l => l.Url))}",
    };
}
