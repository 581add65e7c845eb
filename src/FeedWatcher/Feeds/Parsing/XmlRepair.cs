using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>Mends the ways real feeds break XML, for a second try after the first parse failed: junk or an XML
/// declaration out of place before the root, characters XML forbids, HTML named entities and bare ampersands,
/// undeclared namespace prefixes, RSS items outside a channel, an attribute value whose closing quote is missing,
/// and end tags that are missing or do not match. Each step is one pass over the text.</summary>
public static partial class XmlRepair
{
    /// <param name="xml">The document.</param>
    /// <param name="checkpoint">Called between steps; it may throw to stop the repair.</param>
    public static string Repair(string xml, Action? checkpoint = null)
    {
        var text = xml;
        // An XML declaration after a comment or blank lines: what precedes it, or else the declaration, goes.
        var declaration = text.IndexOf("<?xml", StringComparison.Ordinal);
        if (declaration > 0 && text.IndexOf("?>", declaration, StringComparison.Ordinal) is var declarationEnd and > 0)
            text = string.IsNullOrWhiteSpace(text[..declaration]) || !text[..declaration].Contains('<', StringComparison.Ordinal)
                ? text[declaration..]
                : text[..declaration] + text[(declarationEnd + 2)..];
        var start = text.IndexOf('<', StringComparison.Ordinal);
        if (start > 0) text = text[start..];
        text = ForbiddenCharacters().Replace(text, "");
        text = Entities().Replace(text, ReplaceEntity);
        text = BindUndeclaredPrefixes(text);
        text = WrapChannel(text);
        checkpoint?.Invoke();
        return MendStructure(text, checkpoint);
    }

    /// <summary>Closes what a truncated document left open and renames end tags that do not match their
    /// start tag ("&lt;title&gt;...&lt;/subtitle&gt;"), as reported by the XML reader, a bounded number of times.</summary>
    static string MendStructure(string text, Action? checkpoint)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            checkpoint?.Invoke();
            var open = new Stack<string>();
            try
            {
                using var reader = XmlReader.Create(new StringReader(text), ReaderSettings);
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.Element && !reader.IsEmptyElement) open.Push(reader.Name);
                    else if (reader.NodeType == XmlNodeType.EndElement) open.Pop();
                }
                return text;
            }
            catch (XmlException e)
            {
                var mismatch = MismatchedEndTag().Match(e.Message);
                if (mismatch.Success && Offset(text, e.LineNumber, e.LinePosition) is { } at)
                {
                    var end = text.LastIndexOf("</", at, StringComparison.Ordinal);
                    var close = end < 0 ? -1 : text.IndexOf('>', end);
                    if (close < 0) return text;
                    text = text[..end] + "</" + mismatch.Groups["start"].Value + ">" + text[(close + 1)..];
                }
                else if (e.Message.Contains("invalid attribute character", StringComparison.Ordinal) && Offset(text, e.LineNumber, e.LinePosition) is { } inValue
                    && UnclosedQuote(text, inValue) is { } closeAt)
                {
                    text = text.Insert(closeAt, text[text.LastIndexOfAny(['"', '\''], closeAt - 1)].ToString());
                }
                else if (open.Count > 0 && e.Message.Contains("Unexpected end of file", StringComparison.Ordinal))
                {
                    var lastTag = text.LastIndexOf('<');
                    if (lastTag >= 0 && text.IndexOf('>', lastTag) < 0) text = text[..lastTag]; // a tag cut in half
                    text += string.Concat(open.Select(name => $"</{name}>"));
                }
                else
                {
                    return text;
                }
            }
        }
        return text;
    }

    // Where the quote of an attribute value left open before the '<' at inValue belongs: before the '>' that ended
    // the tag ('<guid isPermaLink="false>b1</guid>'); null when the tag holds no such value.
    static int? UnclosedQuote(string text, int inValue)
    {
        var tag = text.LastIndexOf('<', Math.Max(0, inValue - 1));
        if (tag < 0) return null;
        var quote = text.IndexOfAny(['"', '\''], tag);
        while (quote >= 0 && quote < inValue)
        {
            var close = text.IndexOf(text[quote], quote + 1);
            if (close < 0 || close >= inValue)
            {
                var gt = text.IndexOf('>', quote);
                return gt > quote && gt < inValue ? gt : null;
            }
            quote = text.IndexOfAny(['"', '\''], close + 1);
        }
        return null;
    }

    static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };

    [GeneratedRegex(@"The '(?<start>[^']+)' start tag on line \d+ position \d+ does not match the end tag of '(?<end>[^']+)'")]
    private static partial Regex MismatchedEndTag();

    static int? Offset(string text, int line, int position)
    {
        var index = 0;
        for (var l = 1; l < line; l++)
        {
            index = text.IndexOf('\n', index);
            if (index < 0) return null;
            index++;
        }
        var offset = index + position - 1;
        return offset <= text.Length ? Math.Min(offset, text.Length - 1) : null;
    }

    // XML 1.0 forbids most C0 controls, even as references.
    [GeneratedRegex(@"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|&#x?0*(?:[0-8]|1[124-9]|2\d|3[01]|[bBcCeEfF]|1[0-9a-fA-F]);")]
    private static partial Regex ForbiddenCharacters();

    // Every '&' with what may follow it; CDATA sections are left alone.
    [GeneratedRegex(@"<!\[CDATA\[.*?\]\]>|&(?<name>#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;?)?", RegexOptions.Singleline)]
    private static partial Regex Entities();

    static string ReplaceEntity(Match m)
    {
        if (m.Value.StartsWith("<!", StringComparison.Ordinal)) return m.Value;
        var name = m.Groups["name"].Value;
        if (name.Length == 0) return "&amp;";
        if (name.StartsWith("#X", StringComparison.Ordinal)) return "&#x" + name[2..]; // XML wants a lower-case x
        if (name[0] == '#' || name is "amp;" or "lt;" or "gt;" or "quot;" or "apos;") return m.Value;
        if (!name.EndsWith(';')) return "&amp;" + name; // "AT&T", "?a=1&b=2"
        var decoded = WebUtility.HtmlDecode("&" + name);
        if (decoded == "&" + name) return "&amp;" + name;
        var numeric = new StringBuilder();
        foreach (var rune in decoded.EnumerateRunes())
            numeric.Append("&#").Append(rune.Value).Append(';');
        return numeric.ToString();
    }

    static readonly Dictionary<string, string> KnownNamespaces = new(StringComparer.Ordinal)
    {
        ["dc"] = "http://purl.org/dc/elements/1.1/",
        ["dcterms"] = "http://purl.org/dc/terms/",
        ["content"] = "http://purl.org/rss/1.0/modules/content/",
        ["atom"] = "http://www.w3.org/2005/Atom",
        ["media"] = "http://search.yahoo.com/mrss/",
        ["itunes"] = "http://www.itunes.com/dtds/podcast-1.0.dtd",
        ["rdf"] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        ["slash"] = "http://purl.org/rss/1.0/modules/slash/",
        ["wfw"] = "http://wellformedweb.org/CommentAPI/",
        ["sy"] = "http://purl.org/rss/1.0/modules/syndication/",
        ["georss"] = "http://www.georss.org/georss",
        ["feedburner"] = "http://rssnamespace.org/feedburner/ext/1.0",
        ["xhtml"] = "http://www.w3.org/1999/xhtml",
    };

    [GeneratedRegex(@"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*=")]
    private static partial Regex UsedPrefixes();

    [GeneratedRegex(@"xmlns:([A-Za-z_][\w.-]*)\s*=")]
    private static partial Regex DeclaredPrefixes();

    [GeneratedRegex(@"<(?![?!])[A-Za-z_][^\s/>]*")]
    private static partial Regex RootStart();

    // A prefix used anywhere is bound on the root unless the root binds it: one declared deeper may be used outside
    // that element too, and a declaration deeper in the document overrides the root's where it applies.
    static string BindUndeclaredPrefixes(string text)
    {
        var root = RootStart().Match(text);
        if (!root.Success) return text;
        var rootEnd = text.IndexOf('>', root.Index);
        var declared = DeclaredPrefixes().Matches(rootEnd < 0 ? text[root.Index..] : text[root.Index..rootEnd]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        declared.Add("xml");
        declared.Add("xmlns");
        var missing = UsedPrefixes().Matches(text)
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            .Where(p => !declared.Contains(p))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (missing.Count == 0) return text;
        var declarations = string.Concat(missing.Select(p =>
            $" xmlns:{p}=\"{KnownNamespaces.GetValueOrDefault(p, "urn:feedwatcher:undeclared:" + p)}\""));
        return text.Insert(root.Index + root.Length, declarations);
    }

    // RSS whose items sit directly under <rss>: give them the channel they lack.
    static string WrapChannel(string text)
    {
        if (text.Contains("<channel", StringComparison.OrdinalIgnoreCase)) return text;
        var open = RssStart().Match(text);
        var close = text.LastIndexOf("</rss>", StringComparison.OrdinalIgnoreCase);
        if (!open.Success || close < open.Index) return text;
        var end = open.Index + open.Length;
        return text[..end] + "<channel>" + text[end..close] + "</channel>" + text[close..];
    }

    [GeneratedRegex(@"<rss\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex RssStart();
}
