using System.Text.RegularExpressions;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using MimeKit;

namespace FeedWatcher.Tests.Digests;

public class DigestComposerTests
{
    static readonly DateTimeOffset Now = new(2017, 4, 15, 6, 0, 0, TimeSpan.Zero);
    static readonly DigestOptions Options = new() { Name = "Daily", From = "FeedWatcher <fw@example.org>", To = ["editor@example.org"], TimeZone = "Europe/London" };
    static long _ids = 100;

    static DigestHit Hit(long item, string watch, string title, string? link = "http://example.org/a", string feed = "World desk",
        double score = 0.8, string summary = "", params string[] matched) => new()
    {
        HitId = Interlocked.Increment(ref _ids), ItemId = item, Watch = watch, Title = title, Link = link, Feed = feed, Score = score, Summary = summary,
        PublishedAt = new DateTime(2017, 4, 14, 16, 5, 0, DateTimeKind.Utc), Matched = matched.Length == 0 ? ["Afghanistan"] : matched,
    };

    static DigestDraft Draft(IEnumerable<DigestHit> hits, Func<DigestItem, DigestItem, bool>? same = null, int max = 50,
        IReadOnlyList<FeedRow>? attention = null, IReadOnlyList<UndeliveredDigest>? undelivered = null, string period = "2017-04-15T06:00:00.0000000Z") =>
        new(Options, period, Now, DigestPlan.Stories(hits, same ?? ((_, _) => false), max), 0, attention ?? [], undelivered ?? []);

    static MimeMessage Compose(params DigestHit[] hits) => DigestComposer.Compose(Draft(hits));

    [Fact]
    public void One_multipart_alternative_email_grouped_by_watch_and_ranked_by_score()
    {
        var message = Compose(
            Hit(1, "Afghanistan peace talks", "Kabul responds", link: "http://example.org/b", score: 0.5),
            Hit(2, "Afghanistan peace talks", "Moscow meeting ends", score: 0.9, matched: ["Afghanistan", "Moscow conference"]),
            Hit(3, "Border security", "Patrols increased", link: "http://example.org/c", score: 0.7));

        Assert.Equal("FeedWatcher: 3 new stories on Afghanistan peace talks, Border security", message.Subject);
        Assert.Equal("editor@example.org", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("FeedWatcher digest \"Daily\" <daily.digest.feedwatcher>", message.Headers[HeaderId.ListId]);
        Assert.Equal(Now, message.Date);
        var body = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], body.Select(p => p.ContentType.MimeType));

        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.Contains("== Afghanistan peace talks (2) ==", text);
        Assert.Contains("== Border security (1) ==", text);
        Assert.Contains("* Moscow meeting ends\n  World desk, Fri 14 Apr 2017 17:05\n  http://example.org/a\n  Why: names Afghanistan, Moscow conference", text);
        Assert.DoesNotContain("/j/", text); // no judgement links without the pages' public address
        Assert.True(text.IndexOf("Moscow meeting ends", StringComparison.Ordinal) < text.IndexOf("Kabul responds", StringComparison.Ordinal));
        Assert.Contains("FeedWatcher:Watches", text); // the footer says where watches are changed

        var html = message.HtmlBody;
        Assert.Contains("<a href=\"http://example.org/a\"", html);
        Assert.Contains("Fri 14 Apr 2017 17:05", html); // shown in the digest's time zone (BST)
        Assert.DoesNotContain("<style", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<link", html);
    }

    [Fact]
    public void One_story_from_several_feeds_and_watches_is_one_entry()
    {
        var message = Compose(
            Hit(1, "Afghanistan peace talks", "US drops largest non-nuclear bomb on Nangarhar", score: 0.9, feed: "World desk"),
            Hit(1, "Military", "US drops largest non-nuclear bomb on Nangarhar", score: 0.6, feed: "World desk"),
            Hit(2, "Afghanistan peace talks", "US Drops Largest Non-Nuclear Bomb on Nangarhar!", link: "http://other.example/x", feed: "Wire", score: 0.7),
            Hit(3, "Afghanistan peace talks", "Same link, other title", link: "http://EXAMPLE.org/a?utm_source=rss", feed: "Aggregator", score: 0.5));

        Assert.Equal("FeedWatcher: 1 new story on Afghanistan peace talks", message.Subject);
        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.Single(Regex.Matches(text, @"^\* ", RegexOptions.Multiline));
        Assert.Contains("  Also matches: Military\n", text);
        Assert.Contains("  Also in Wire and Aggregator\n", text);
        Assert.Contains("Also in Wire and Aggregator</div>", message.HtmlBody);
    }

    [Fact]
    public void A_story_carried_by_many_outlets_names_them_in_one_line()
    {
        var message = Compose([.. Enumerable.Range(0, 16).Select(i => Hit(i, "Afghanistan peace talks", "US drops largest non-nuclear bomb on Nangarhar",
            link: $"http://outlet{i}.example/x", feed: $"Outlet {i:00}", score: 0.9 - i * 0.01))]);
        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.Single(Regex.Matches(text, @"^\* ", RegexOptions.Multiline));
        Assert.Contains("  Also in Outlet 01, Outlet 02 and 13 more\n", text);
    }

    [Fact]
    public void Stories_the_same_story_rule_joins_are_merged_and_the_rest_kept_apart()
    {
        var statistics = new TermStatistics();
        var titles = new[] { "Largest non-nuclear bomb hits ISIL caves in Nangarhar", "US drops largest non-nuclear bomb on Daesh caves in Nangarhar", "Taliban attack checkpoint in Helmand" };
        var aliases = new AliasTable([["Daesh", "ISIL"]]);
        foreach (var title in titles) statistics.Observe(new AnalyzedItem(title, "", aliases).Similarity);
        statistics.Publish();
        var sameStory = new SameStory(statistics, aliases);
        var prepared = sameStory.Prepare(titles).ToDictionary(t => t.Text);
        var draft = Draft(titles.Select((t, i) => Hit(i + 1, "Afghanistan peace talks", t, link: $"http://example.org/{i}", feed: $"Feed {i}", score: 0.9 - (0.1 * i))),
            (a, b) => sameStory.Same(prepared[a.Title], prepared[b.Title]));

        Assert.Equal(2, draft.Stories.Count);
        Assert.Equal("Feed 1", Assert.Single(draft.Stories[0].AlsoReported).Feed);
        Assert.Empty(draft.Stories[1].AlsoReported);
    }

    [Fact]
    public void At_most_max_items_stories_the_best_first()
    {
        var draft = Draft(Enumerable.Range(1, 5).Select(i => Hit(i, "w", $"Story number {i}", link: $"http://example.org/{i}", score: i / 10.0)), max: 2);
        Assert.Equal(["Story number 5", "Story number 4"], draft.Stories.Select(s => s.Lead.Title));
    }

    [Fact]
    public void The_snippet_starts_near_the_words_found_and_highlights_them()
    {
        var summary = string.Concat(Enumerable.Repeat("Weather and markets were quiet across the region. ", 8))
            + "In Moscow, envoys from eleven countries met to discuss Afghanistan and the Taliban talks. " + new string('x', 10);
        var message = Compose(Hit(1, "Afghanistan peace talks", "Envoys meet", summary: summary, matched: ["Afghanistan", "Taliban talks"]));

        var text = message.TextBody!;
        Assert.Contains("…", text);
        Assert.Contains("discuss *Afghanistan* and the *Taliban talks*.", text);
        Assert.Contains("discuss <strong style=\"background-color:#fff3b0;\">Afghanistan</strong> and the", message.HtmlBody);
    }

    [Fact]
    public void Hostile_feed_text_never_reaches_the_email_as_markup()
    {
        var message = Compose(
            Hit(1, "w", "<script>alert('x')</script> & <b onmouseover=\"steal()\">bold</b>", "javascript:alert(1)",
                summary: "<img src=\"http://tracker.example/pixel.gif\"> <a href=\"javascript:evil()\">x</a> <div style=\"width:expression(alert(1))\">Afghanistan</div>"),
            Hit(2, "w", "Data link", "data:text/html;base64,PHNjcmlwdD4="),
            Hit(3, "w", "Feed name attack", "http://example.org/ok", feed: "<iframe src=//evil.example>"));
        var html = message.HtmlBody;

        foreach (var hostile in new[] { "<script", "<b ", "<img", "<iframe", "<div style=\"width:expression", "onmouseover=\"", "href=\"javascript:", "href=\"data:", "tracker.example/pixel.gif\">" })
            Assert.DoesNotContain(hostile, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("&lt;iframe", html);
        Assert.DoesNotContain("<a href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<a href=\"http://example.org/ok\"", html);
    }

    [Fact]
    public void Feeds_needing_attention_and_undelivered_digests_are_listed()
    {
        var failing = new FeedRow { Url = "http://a.example/feed", Name = "A", ConsecutiveFailures = 3, LastError = "HTTP 500 Internal Server Error", LastSuccessAt = new DateTime(2017, 4, 13, 8, 0, 0, DateTimeKind.Utc) };
        var gone = new FeedRow { Url = "http://b.example/feed", Status = FeedStatus.Gone, LastPolledAt = new DateTime(2017, 4, 14, 8, 0, 0, DateTimeKind.Utc) };
        var moved = new FeedRow { Url = "http://c.example/feed", FetchUrl = "https://c.example/rss", MovedAt = new DateTime(2017, 4, 14, 9, 0, 0, DateTimeKind.Utc) };
        var message = DigestComposer.Compose(Draft([], attention: [failing, gone, moved],
            undelivered: [new UndeliveredDigest(7, "FeedWatcher: 2 new stories on Afghanistan", new DateTime(2017, 4, 14, 6, 0, 0, DateTimeKind.Utc), 2, "SMTP 550 mailbox unavailable")]));

        Assert.Equal("FeedWatcher: no new stories; feeds or digests need attention", message.Subject);
        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.Contains("== Feeds needing attention ==", text);
        Assert.Contains("* A: failing (http://a.example/feed): 3 failures in a row, last success Thu 13 Apr 2017 09:00; last error: HTTP 500 Internal Server Error", text);
        Assert.Contains("* http://b.example/feed: gone: the server answered 410 Gone on Fri 14 Apr 2017 09:00; it is no longer polled", text);
        Assert.Contains("* http://c.example/feed: moved: now read from https://c.example/rss (permanent redirect seen Fri 14 Apr 2017 10:00)", text);
        Assert.Contains("== Digests not delivered ==", text);
        Assert.Contains("\"FeedWatcher: 2 new stories on Afghanistan\" of Fri 14 Apr 2017 07:00 (2 stories) was not delivered: SMTP 550 mailbox unavailable", text);
    }

    [Fact]
    public void The_same_digest_gets_the_same_message_id()
    {
        Hit(0, "w", "x"); // ids below are fixed from here on
        var a = Hit(1, "w", "a", link: "http://example.org/1");
        var b = Hit(2, "w", "b", link: "http://example.org/2");
        Assert.Equal(DigestComposer.Compose(Draft([a, b])).MessageId, DigestComposer.Compose(Draft([b, a])).MessageId);
        Assert.NotEqual(DigestComposer.Compose(Draft([a])).MessageId, DigestComposer.Compose(Draft([b])).MessageId);
        Assert.NotEqual(DigestComposer.Compose(Draft([a])).MessageId, DigestComposer.Compose(Draft([a], period: "manual:1")).MessageId);
        Assert.StartsWith("daily.", DigestComposer.Compose(Draft([a])).MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_digest_says_so() => Assert.Equal("FeedWatcher: no new stories", Compose().Subject);

    // Golden files: the whole text and HTML of a digest, to see every change to what readers get. After an
    // intended change, run the tests with FEEDWATCHER_UPDATE_GOLDEN=1 and review the diff.
    [Fact]
    public void Rendering_matches_the_golden_files()
    {
        var hits = new[]
        {
            new DigestHit
            {
                HitId = 1, ItemId = 1, Watch = "Afghanistan peace talks", Title = "Taliban envoys to attend Moscow meeting on Afghanistan",
                Link = "https://news.example/taliban-moscow", Feed = "World desk", Score = 0.82, Matched = ["Afghanistan", "Taliban talks"],
                Summary = "Russia says the Taliban will send envoys to the next round of Moscow talks on Afghanistan, which Washington again plans to skip.",
                Explanation = """{"score":0.82,"keywords":0.91,"seed":0.78,"matched":[{"term":"Afghanistan","found":"afghanistan","field":"title"},{"term":"Taliban talks","found":"taliban talks","field":"summary"}],"seed_terms":["Moscow","Taliban","envoys"]}""",
                PublishedAt = new DateTime(2017, 4, 20, 9, 30, 0, DateTimeKind.Utc),
            },
            new DigestHit
            {
                HitId = 2, ItemId = 2, Watch = "Afghanistan peace talks", Title = "Taliban envoys to attend Moscow meeting on Afghanistan",
                Link = "https://wire.example/a/123", Feed = "Wire", Score = 0.8, Matched = ["Afghanistan"], PublishedAt = new DateTime(2017, 4, 20, 9, 45, 0, DateTimeKind.Utc),
            },
            new DigestHit
            {
                HitId = 3, ItemId = 3, Watch = "Afghanistan peace talks", Title = "ISIL fighters flee Achin after MOAB strike", Link = "https://news.example/achin",
                Feed = "World desk", Score = 0.55, Matched = ["Afghanistan"], Summary = "Afghan officials say ISIL fighters left the caves of Achin district in Nangarhar.",
                PublishedAt = new DateTime(2017, 4, 21, 16, 0, 0, DateTimeKind.Utc),
            },
        };
        var failing = new FeedRow { Url = "http://a.example/feed", Name = "Regional", ConsecutiveFailures = 2, LastError = "timed out after 30 s" };
        var message = DigestComposer.Compose(new DigestDraft(Options, "2017-04-22T06:00:00.0000000Z", new DateTimeOffset(2017, 4, 22, 6, 0, 0, TimeSpan.Zero),
            DigestPlan.Stories(hits, (_, _) => false, 50), 4, [failing], [],
            new DigestLinks("https://pages.example/feedwatcher/", new Dictionary<long, (string, string)>
            {
                [1] = ("https://pages.example/feedwatcher/j/relevant-1", "https://pages.example/feedwatcher/j/not-relevant-1"),
                [3] = ("https://pages.example/feedwatcher/j/relevant-3", "https://pages.example/feedwatcher/j/not-relevant-3"),
            })));

        Golden("digest.txt", message.TextBody!);
        Golden("digest.html", message.HtmlBody!);
        Assert.Equal("daily.", message.MessageId![..6]);
    }

    static void Golden(string name, string actual)
    {
        actual = actual.ReplaceLineEndings("\n");
        var path = Path.Combine(AppContext.BaseDirectory, "Digests", "golden", name);
        if (Environment.GetEnvironmentVariable("FEEDWATCHER_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(Repository.Tests, "Digests", "golden", name);
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no golden file {name}: run the tests once with FEEDWATCHER_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
