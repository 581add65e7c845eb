using System.Text;
using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class FeedParserTests
{
    static byte[] TestFile(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", name));

    static ParsedFeed ParseText(string xml, string? charset = null, string? url = null) =>
        FeedParser.Parse(Encoding.UTF8.GetBytes(xml), charset, url is null ? null : new Uri(url));

    [Theory]
    [InlineData("rss2.xml", 3, "Envoys gather in Moscow for Afghan security meeting", "http://example.org/world/1001", "Delegations from eleven countries arrived on Friday.", "2017-04-14T08:30:00Z")]
    [InlineData("atom.xml", 1, "Kabul weighs response to regional peace push", "http://example.org/region/77", "Officials in Kabul reviewed the proposals.", "2017-04-15T11:00:00Z")]
    [InlineData("feed.json", 1, "Foreign ministers discuss Afghanistan", "http://example.org/json/1", "Talks continued into the evening.", "2017-04-16T09:15:00Z")]
    public void Reads_rss_atom_and_json_feed(string file, int count, string title, string link, string summary, string published)
    {
        var entries = FeedParser.Parse(TestFile(file)).Entries;
        Assert.Equal(count, entries.Count);
        var first = entries[0];
        Assert.Equal(title, first.TitleText);
        Assert.Equal(link, first.Link);
        Assert.Equal(summary, first.SummaryText);
        Assert.Equal(DateTime.Parse(published, null, System.Globalization.DateTimeStyles.AdjustToUniversal), first.Published);
        Assert.Equal(DateTimeKind.Utc, first.Published!.Value.Kind);
    }

    [Fact]
    public void Reads_offsets_as_the_right_instant() =>
        Assert.Equal(new DateTime(2017, 4, 15, 8, 0, 0, DateTimeKind.Utc), FeedParser.Parse(TestFile("rss2.xml")).Entries[1].Published);

    [Theory]
    [InlineData("<p>Caf&eacute;&nbsp;society &amp; more</p>", "Café society & more")]        // HTML entities, no DTD
    [InlineData("Fish & chips", "Fish & chips")]                                              // a bare ampersand
    [InlineData("AT&T&copy", "AT&T&copy")]                                                      // not entities at all
    public void Html_entities_and_bare_ampersands_are_repaired(string title, string expected)
    {
        var feed = ParseText($"<rss version=\"2.0\"><channel><title>t</title><item><title>{title}</title><guid>g</guid></item></channel></rss>");
        Assert.Equal(expected, Assert.Single(feed.Entries).TitleText);
    }

    [Fact]
    public void Junk_before_the_root_and_undeclared_prefixes_are_repaired()
    {
        var feed = ParseText("\n\n  garbage<rss version=\"2.0\"><channel><title>t</title><item><title>x</title><dc:creator>Ann Lee</dc:creator></item></channel></rss>");
        Assert.Equal("Ann Lee", Assert.Single(feed.Entries).Author);
    }

    [Theory]
    [InlineData("<rss version=\"2.0\"><channel><title>t</title><item><title>Cut short</title></item></chan")]
    [InlineData("<rss version=\"2.0\"><channel><title>t</title><item><title>Cut short</subtitle></item></channel></rss>")]
    [InlineData("<rss version=\"2.0\"><channel><title>t</title><item><title>Cut short</title><description>never closed")]
    public void Truncated_and_mismatched_documents_are_mended(string xml) =>
        Assert.Equal("Cut short", Assert.Single(ParseText(xml).Entries).TitleText);

    [Theory]
    [InlineData("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>t</title></channel><item><title>RSS 0.90</title><link>http://x/1</link></item></rdf:RDF>", "RSS 0.90")]
    [InlineData("<r:rss version=\"2.0\" xmlns:r=\"http://backend.userland.com/rss2\"><r:channel><r:title>t</r:title><r:item><r:title>Prefixed RSS</r:title></r:item></r:channel></r:rss>", "Prefixed RSS")]
    [InlineData("<CHANNEL HREF=\"http://x/\"><TITLE>t</TITLE><ITEM HREF=\"http://x/1\"><TITLE>CDF</TITLE></ITEM></CHANNEL>", "CDF")]
    public void Dialects_feedreader_does_not_know_are_read(string xml, string title) =>
        Assert.Equal(title, Assert.Single(ParseText(xml).Entries).TitleText);

    [Theory]
    [InlineData("Caf\u00c3\u00a9", "Caf\u00e9")]                    // UTF-8 read as Latin-1
    [InlineData("&#226;&#128;&#166;", "\u2026")]                      // ... and written out as references
    [InlineData("don&#146;t", "don\u2019t")]                          // a windows-1252 byte as a reference
    public void Garbled_text_is_mended(string title, string expected) =>
        Assert.Equal(expected, Assert.Single(ParseText($"<rss version=\"2.0\"><channel><title>t</title><item><title>{title}</title></item></channel></rss>").Entries).TitleText);

    [Fact]
    public void Json_feed_with_an_odd_version_is_still_read()
    {
        var feed = ParseText("{\"version\": \"1.0\", \"title\": \"j\", \"items\": [{\"id\": \"1\", \"title\": \"Item\", \"date_published\": \"2017-04-14T08:30:00Z\"}]}");
        Assert.Equal("Item", Assert.Single(feed.Entries).TitleText);
    }

    [Fact]
    public void Rss_without_a_channel_is_read()
    {
        var feed = ParseText("<rss version=\"2.0\"><title>t</title><item><title>Lonely item</title></item></rss>");
        Assert.Equal("Lonely item", Assert.Single(feed.Entries).TitleText);
    }

    [Fact]
    public void Dublin_core_fills_author_and_date()
    {
        var feed = ParseText("""
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
            <item><title>x</title><dc:creator>Rahim Faiez</dc:creator><dc:date>2017-04-14T10:00:00+04:30</dc:date></item>
            </channel></rss>
            """);
        var item = Assert.Single(feed.Entries);
        Assert.Equal(("Rahim Faiez", new DateTime(2017, 4, 14, 5, 30, 0, DateTimeKind.Utc)), (item.Author, item.Published));
    }

    [Fact]
    public void Links_resolve_against_xml_base_and_the_feed_url()
    {
        var feed = ParseText("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/news/"><title>t</title>
              <entry xml:base="2017/"><title>a</title><id>a</id><link href="kabul.html"/></entry>
              <entry><title>b</title><id>b</id><link rel="alternate" href="/moscow.html"/></entry>
            </feed>
            """);
        Assert.Equal(["http://example.org/news/2017/kabul.html", "http://example.org/moscow.html"], feed.Entries.Select(e => e.Link));

        var rss = ParseText("<rss version=\"2.0\"><channel><title>t</title><item><title>a</title><link>/a.html</link></item></channel></rss>",
            url: "http://feeds.example.org/world/rss.xml");
        Assert.Equal("http://feeds.example.org/a.html", Assert.Single(rss.Entries).Link);
    }

    [Fact]
    public void Atom_updated_only_entries_keep_their_date_and_xhtml_content()
    {
        var feed = ParseText("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><author><name>Desk</name></author>
              <entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title><id>a</id><updated>2017-04-15T12:00:00Z</updated>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Talks <em>resume</em></p></div></content></entry>
            </feed>
            """);
        var entry = Assert.Single(feed.Entries);
        Assert.Equal("Bold move", entry.TitleText);
        Assert.Equal(new DateTime(2017, 4, 15, 12, 0, 0, DateTimeKind.Utc), entry.Updated);
        Assert.Equal(entry.Updated, entry.Published); // published falls back to updated
        Assert.Equal("Talks resume", entry.SummaryText);
        Assert.Equal("<p xmlns=\"http://www.w3.org/1999/xhtml\">Talks <em>resume</em></p>", entry.Content);
        Assert.Equal("Desk", entry.Author);
    }

    [Fact]
    public void Content_is_read_beside_the_summary_and_stands_in_for_a_missing_one()
    {
        var feed = ParseText("""
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
              <item><guid>1</guid><description>Short</description><content:encoded><![CDATA[<p>Long <b>text</b></p>]]></content:encoded></item>
              <item><guid>2</guid><content:encoded><![CDATA[<p>Only content</p>]]></content:encoded></item>
            </channel></rss>
            """);
        Assert.Equal(("Short", "<p>Long <b>text</b></p>"), (feed.Entries[0].SummaryText, feed.Entries[0].Content));
        Assert.Equal("Only content", feed.Entries[1].SummaryText);
    }

    [Theory]
    [InlineData("Caf\u00c3\u00a9 \u00e2\u20ac\u201c talks", "Caf\u00e9 \u2013 talks")]   // UTF-8 read as windows-1252
    [InlineData("Caf\u00e9 \u00c2 la carte", "Caf\u00e9 \u00c2 la carte")]               // Latin text as it is
    [InlineData("Lavrov\u0092s", "Lavrov\u2019s")]                                            // a C1 control from &#146;
    [InlineData("plain", "plain")]
    public void Garbled_text_is_mended_and_other_text_left_alone(string text, string expected) =>
        Assert.Equal(expected, FeedText.FixMojibake(text));

    [Theory]
    [InlineData("windows-1252", "iso-8859-1", "Caf\u00e9 \u201cquoted\u201d")]   // Latin-1 label, windows-1252 bytes
    [InlineData("windows-1251", "windows-1251", "\u041c\u043e\u0441\u043a\u0432\u0430")]
    [InlineData("iso-8859-1", null, "Caf\u00e9")]                                   // undeclared, not UTF-8: windows-1252
    public void Encodings_are_declared_or_sniffed(string actual, string? declared, string title)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var declaration = declared is null ? "<?xml version=\"1.0\"?>" : $"<?xml version=\"1.0\" encoding=\"{declared}\"?>";
        var bytes = Encoding.GetEncoding(actual).GetBytes($"{declaration}<rss version=\"2.0\"><channel><title>t</title><item><title>{title}</title></item></channel></rss>");
        Assert.Equal(title, Assert.Single(FeedParser.Parse(bytes).Entries).TitleText);
    }

    [Fact]
    public void Http_charset_wins_over_the_declaration()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var bytes = Encoding.GetEncoding("koi8-r").GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Кабул</title></item></channel></rss>");
        Assert.Equal("Кабул", Assert.Single(FeedParser.Parse(bytes, "koi8-r").Entries).TitleText);
    }

    [Theory]
    [InlineData("malformed.xml")]
    public void Unreadable_feed_gives_a_clear_error(string file)
    {
        var error = Assert.Throws<FeedParseException>(() => FeedParser.Parse(TestFile(file)));
        Assert.StartsWith("not well-formed XML even after repair:", error.Message);
    }

    [Theory]
    [InlineData("<html><body>Not found</body></html>")]
    [InlineData("")]
    [InlineData("{\"not\": \"a feed\"")]
    public void What_is_not_a_feed_is_refused(string body) =>
        Assert.Throws<FeedParseException>(() => FeedParser.Parse(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("<!DOCTYPE html>\n<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss.xml\"></head><body></body></html>",
        "a web page (HTML), not a feed; it links to the feed http://news.example/rss.xml")]
    [InlineData("<?xml version=\"1.0\"?>\n<!-- served as XHTML -->\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><base href=\"http://cdn.example/\"/>"
        + "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"feeds/all.atom\"/><link rel=\"alternate\" type=\"application/feed+json\" href=\"feed.json\"/></head></html>",
        "a web page (HTML), not a feed; it links to 2 feeds: http://cdn.example/feeds/all.atom, http://cdn.example/feed.json")]
    [InlineData("<HTML><body>Moved</body></HTML>", "a web page (HTML), not a feed, and it links to no feed")]
    public void A_web_page_is_named_as_one_with_the_feeds_it_links_to(string html, string message)
    {
        var error = Assert.Throws<FeedParseException>(() => ParseText(html, url: "http://news.example/world/"));
        Assert.Equal(message, error.Message);
        Assert.NotNull(error.FeedLinks);
    }

    // Documents built to make a parser work or grow without end: each is refused, or read with its growth bounded.
    public static TheoryData<string, string> Hostile => new()
    {
        { "100,000 nested elements, never closed", Item(string.Concat(Enumerable.Repeat("<a>", 100_000))) },
        { "100,000 nested elements, closed", Item("") .Replace("<description></description>", string.Concat(Enumerable.Repeat("<a>", 100_000)) + string.Concat(Enumerable.Repeat("</a>", 100_000))) },
        { "a billion laughs", WithEntities("<!ENTITY l0 \"lol\">" + string.Concat(Enumerable.Range(1, 9).Select(i => $"<!ENTITY l{i} \"{string.Concat(Enumerable.Repeat($"&l{i - 1};", 10))}\">")), "&l9;") },
        { "one 40 KB entity 2,000 times (80 MB)", WithEntities($"<!ENTITY a \"{new string('A', 40_000)}\">", string.Concat(Enumerable.Repeat("&a;", 2_000))) },
        { "one 40 KB entity 230 times (9 MB)", WithEntities($"<!ENTITY a \"{new string('A', 40_000)}\">", string.Concat(Enumerable.Repeat("&a;", 230))) },
    };

    static string Item(string description) =>
        $"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><title>x</title><description>{description}</description></item></channel></rss>";

    static string WithEntities(string declarations, string description) =>
        $"<?xml version=\"1.0\"?><!DOCTYPE rss [{declarations}]>" + Item(description)[21..];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_documents_are_refused_or_bounded(string what, string document)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var entries = ParseText(document).Entries;
            Assert.True(entries.Sum(e => e.SummaryText.Length) < 100_000, what); // entities did not expand past the cap
        }
        catch (FeedParseException e)
        {
            Assert.True(e.Message == $"elements nested more than {FeedParser.MaxDepth} deep: not a feed", $"{what}: {e.Message}");
        }
        // A bound, not a speed figure: before the caps, the nested documents took 17 s and 51 s.
        Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void External_entities_are_never_read()
    {
        var secret = Path.GetTempFileName();
        File.WriteAllText(secret, "SECRET-7f3a");
        try
        {
            var document = $"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{secret}\">]>"
                + "<rss version=\"2.0\"><channel><title>t</title><item><title>x</title><description>before &xxe; after</description></item></channel></rss>";
            try
            {
                Assert.DoesNotContain("SECRET", ParseText(document).Entries[0].SummaryText, StringComparison.Ordinal);
            }
            catch (FeedParseException e)
            {
                Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public void A_document_that_takes_too_long_to_read_is_refused_with_the_reason()
    {
        // Broken XML of 40,000 items (bare ampersands), so that it is read, repaired and read again.
        var items = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"<item><title>Tom & Jerry {i}</title><guid>g{i}</guid></item>"));
        var body = Encoding.UTF8.GetBytes($"<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>");
        Assert.Equal(40_000, FeedParser.Parse(body).Entries.Count);

        var error = Assert.Throws<FeedParseException>(() => FeedParser.Parse(body, null, null, TimeSpan.FromMilliseconds(1)));
        Assert.Equal($"reading the document ({body.Length:N0} bytes) took more than 1 ms: not read", error.Message);
    }

    [Theory]
    [InlineData("<rss><channel><item><description><![CDATA[<div><div><div>]]></description><br><br><br><img src=x><hr/></item></channel></rss>", 4, false)]
    [InlineData("<rss><channel><item><!-- <a><a><a><a> --><x/><x/></item></channel></rss>", 3, false)]
    [InlineData("<a><b><c><d></d></c></b></a>", 3, true)]
    [InlineData("<a><b><c></c></b></a><a><b><c></c></b></a>", 3, false)]
    public void Nesting_counts_elements_only(string document, int limit, bool exceeds) =>
        Assert.Equal(exceeds, FeedWatcher.Feeds.Parsing.XmlDepth.Exceeds(Encoding.UTF8.GetBytes(document), limit));

    [Fact]
    public void An_items_stored_text_is_cut_at_its_limits()
    {
        var item = FeedWatcher.Storage.PolledItem.From(new FeedEntry("g", null, new string('t', 5_000), new string('s', 300_000), null));
        Assert.Equal((FeedWatcher.Storage.PolledItem.MaxTitle + 1, FeedWatcher.Storage.PolledItem.MaxSummary + 1), (item.Title.Length, item.Summary.Length));
        Assert.EndsWith("…", item.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feed_that_mentions_html_is_still_a_feed() =>
        Assert.Single(ParseText("<rss version=\"2.0\"><channel><title>&lt;html&gt;</title><item><title>&lt;!DOCTYPE html&gt;</title><guid>g</guid></item></channel></rss>").Entries);

    [Theory]
    [InlineData("declaration-after-comment.xml", "Envoys to meet again in Moscow", "A second round is planned for the autumn.", null)]
    [InlineData("broken-attribute-quote.xml", "Kabul reviews the regional proposals", "Officials met on Monday.", null)]
    [InlineData("json-content-text.json", "Turnout < 40% & falling", "Turnout fell below 40% in three provinces. The &amp; in a press release is printed as written.", null)]
    [InlineData("itunes-author.xml", "Episode 12: the Moscow meeting", "Who came and who stayed away.", "Jane Reporter")]
    [InlineData("atom-xhtml-svg.xml", "Chart of the day", "Casualties fell in April. The ministry published the figures.", null)]
    public void Feeds_that_bend_the_rules_are_read_as_a_person_reads_them(string file, string title, string summary, string? author)
    {
        var first = FeedParser.Parse(TestFile(file)).Entries[0];
        Assert.Equal((title, summary, author), (first.TitleText, first.SummaryText, first.Author));
    }

    [Fact]
    public void An_attribute_left_unquoted_loses_nothing_after_it()
    {
        var entries = FeedParser.Parse(TestFile("broken-attribute-quote.xml")).Entries;
        Assert.Equal(["quote-1", "quote-2"], entries.Select(e => e.Id));
    }

    [Theory]
    [InlineData("<p>One &amp; two</p>", "One & two")]
    [InlineData("<script>alert(1)</script>Text <!-- note --> here", "Text here")]
    [InlineData("  many\n\n spaces\u00a0here ", "many spaces here")]
    [InlineData(null, "")]
    public void Plain_text_drops_markup(string? html, string expected) => Assert.Equal(expected, FeedText.Plain(html));
}
