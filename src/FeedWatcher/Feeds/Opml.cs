using System.Xml;
using System.Xml.Linq;

namespace FeedWatcher.Feeds;

/// <summary>OPML, the list format feed readers exchange subscriptions in.</summary>
public static class Opml
{
    /// <summary>One subscription of an OPML file.</summary>
    public sealed record Outline(string Url, string? Title);

    /// <summary>Every outline with an xmlUrl, at any depth (folders are flattened), first occurrence of a URL wins.</summary>
    /// <exception cref="FormatException">Not an OPML document.</exception>
    public static IReadOnlyList<Outline> Read(Stream stream)
    {
        XDocument document;
        try { document = XDocument.Load(stream); }
        catch (XmlException e) { throw new FormatException($"not an OPML file: {e.Message}", e); }
        if (document.Root?.Name.LocalName != "opml")
            throw new FormatException($"not an OPML file: the root element is <{document.Root?.Name.LocalName}>, not <opml>");
        return document.Descendants().Where(e => e.Name.LocalName == "outline")
            .Select(e => (Url: e.Attribute("xmlUrl")?.Value.Trim(), Title: e.Attribute("title")?.Value ?? e.Attribute("text")?.Value))
            .Where(o => !string.IsNullOrEmpty(o.Url))
            .DistinctBy(o => o.Url, StringComparer.Ordinal)
            .Select(o => new Outline(o.Url!, string.IsNullOrWhiteSpace(o.Title) ? null : o.Title.Trim()))
            .ToList();
    }

    public static void Write(Stream stream, IEnumerable<Outline> outlines, DateTimeOffset now)
    {
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement("opml", new XAttribute("version", "2.0"),
                new XElement("head",
                    new XElement("title", "FeedWatcher subscriptions"),
                    new XElement("dateCreated", now.ToString("r", System.Globalization.CultureInfo.InvariantCulture))),
                new XElement("body", outlines.Select(o => new XElement("outline",
                    new XAttribute("type", "rss"),
                    new XAttribute("text", o.Title ?? o.Url),
                    o.Title is null ? null : new XAttribute("title", o.Title),
                    new XAttribute("xmlUrl", o.Url))))));
        using var writer = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        document.Save(writer);
    }
}
