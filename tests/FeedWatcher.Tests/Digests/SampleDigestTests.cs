using System.Text.Json;
using System.Text.RegularExpressions;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Digests;

/// <summary>A realistic digest: three watches, 30 hits from five feeds, stories told by several outlets, an item
/// that matched two watches, a failing feed and a gone one. The README shows it (golden/sample-digest.txt, and a
/// picture of golden/sample-digest.html); FEEDWATCHER_UPDATE_GOLDEN=1 writes them again.</summary>
public sealed class SampleDigestTests
{
    static readonly DateTime Day = new(2017, 4, 27, 0, 0, 0, DateTimeKind.Utc);

    // (watch, feed, hours before the digest, score, title, summary, keywords found)
    static readonly (string Watch, string Feed, int Hours, double Score, string Title, string Summary, string[] Found)[] Hits =
    [
        ("Afghanistan peace talks", "World desk", 20, 0.86, "Taliban send envoys to Moscow for talks on Afghanistan", "Russia says Taliban representatives will attend the next round of regional talks in Moscow, which Washington again plans to skip.", ["Afghanistan", "Taliban talks"]),
        ("Afghanistan peace talks", "Wire service", 19, 0.81, "Taliban envoys to attend Moscow talks on Afghanistan, Russia says", "The Russian foreign ministry confirmed the Taliban delegation for the Moscow meeting.", ["Afghanistan", "Taliban talks"]),
        ("Afghanistan peace talks", "Regional Report", 18, 0.74, "Taliban delegation heads to Moscow for Afghanistan talks", "", ["Afghanistan", "Taliban talks"]),
        ("Afghanistan peace talks", "World desk", 30, 0.78, "ISIL fighters abandon Achin caves after MOAB strike", "Afghan officials say Islamic State fighters have left the tunnel complex in Nangarhar hit by the largest non-nuclear bomb the US has used.", ["Afghanistan"]),
        ("Afghanistan peace talks", "Defence Weekly", 28, 0.72, "Islamic State fighters leave Achin caves hit by MOAB", "Defence officials in Kabul said the group's fighters had moved away from the district.", ["Afghanistan"]),
        ("Afghanistan peace talks", "World desk", 14, 0.69, "Pentagon weighs sending thousands more troops to Afghanistan", "Military commanders are asking for more advisers to help Afghan forces against the Taliban.", ["Afghanistan"]),
        ("Afghanistan peace talks", "Wire service", 12, 0.66, "US considers several thousand more troops for Afghanistan", "", ["Afghanistan"]),
        ("Afghanistan peace talks", "Regional Report", 8, 0.61, "Kabul welcomes regional support for Afghan-led peace process", "The Afghan government said any talks with the Taliban must be led by Afghans.", ["Afghanistan", "Taliban talks"]),
        ("Afghanistan peace talks", "World desk", 26, 0.58, "Lavrov and Tillerson discuss Afghanistan and Syria by phone", "The two ministers spoke about the Moscow format on Afghanistan and the ceasefire in Syria.", ["Afghanistan"]),
        ("Syria ceasefire", "World desk", 26, 0.63, "Lavrov and Tillerson discuss Afghanistan and Syria by phone", "The two ministers spoke about the Moscow format on Afghanistan and the ceasefire in Syria.", ["ceasefire", "Syria"]),
        ("Afghanistan peace talks", "Defence Weekly", 33, 0.55, "Nangarhar offensive against ISIS-K enters second week", "Afghan and US special forces continue operations in the east of the country.", ["Afghanistan"]),
        ("Afghanistan peace talks", "Asia desk", 22, 0.52, "Pakistan backs Moscow format for Afghan peace", "Islamabad said it would keep taking part in the regional meetings.", ["Afghanistan"]),
        ("Afghanistan peace talks", "Asia desk", 5, 0.47, "India and Iran to coordinate on Afghanistan", "", ["Afghanistan"]),
        ("Afghanistan peace talks", "World desk", 3, 0.41, "Afghan parliament calls for ceasefire during Ramadan", "", ["Afghanistan"]),
        ("Syria ceasefire", "World desk", 16, 0.84, "Russia, Iran and Turkey agree on Syria de-escalation zones", "The three countries signed a memorandum in Astana on four zones where fighting is to stop.", ["ceasefire", "Syria"]),
        ("Syria ceasefire", "Wire service", 15, 0.80, "Astana talks: Russia, Turkey and Iran sign deal on Syrian safe zones", "", ["ceasefire", "Syria"]),
        ("Syria ceasefire", "Regional Report", 15, 0.71, "Syrian opposition walks out of Astana talks", "Rebel delegates protested against air strikes on areas they hold.", ["Syria"]),
        ("Syria ceasefire", "World desk", 40, 0.66, "UN envoy to resume Geneva talks on Syria in May", "", ["Syria"]),
        ("Syria ceasefire", "Defence Weekly", 36, 0.62, "Air strikes hit Idlib despite truce", "Monitors reported strikes on several towns in the province.", ["ceasefire"]),
        ("Syria ceasefire", "Wire service", 11, 0.57, "Aid convoy reaches besieged town near Damascus", "", ["Syria"]),
        ("Syria ceasefire", "Asia desk", 9, 0.44, "China calls for political settlement in Syria", "", ["Syria"]),
        ("Korean peninsula", "Asia desk", 6, 0.88, "North Korea test-fires ballistic missile, South Korea says", "The missile flew about 50 km before exploding, Seoul's military said.", ["North Korea", "missile"]),
        ("Korean peninsula", "Wire service", 6, 0.85, "North Korean missile explodes shortly after launch, Seoul says", "", ["North Korea", "missile"]),
        ("Korean peninsula", "World desk", 5, 0.79, "North Korea missile launch fails, says South Korean military", "", ["North Korea", "missile"]),
        ("Korean peninsula", "World desk", 23, 0.75, "US aircraft carrier group arrives in Korean waters", "The USS Carl Vinson joined exercises with South Korea's navy.", ["Korea"]),
        ("Korean peninsula", "Defence Weekly", 31, 0.68, "THAAD missile defence system operational in South Korea", "", ["missile", "Korea"]),
        ("Korean peninsula", "Asia desk", 13, 0.6, "China urges restraint on Korean peninsula", "", ["Korea"]),
        ("Korean peninsula", "Wire service", 35, 0.56, "UN Security Council to meet on North Korea sanctions", "", ["North Korea"]),
        ("Korean peninsula", "Regional Report", 10, 0.5, "Japan holds first missile evacuation drill", "Residents of a northern town practised taking shelter.", ["missile"]),
        ("Korean peninsula", "Asia desk", 2, 0.45, "South Korean presidential candidates debate North Korea policy", "", ["North Korea"]),
    ];

    static IReadOnlyList<DigestHit> SampleHits()
    {
        var items = new Dictionary<string, long>();
        return [.. Hits.Select((h, i) =>
        {
            var itemKey = h.Feed + "|" + h.Title;
            var itemId = items.TryGetValue(itemKey, out var known) ? known : items[itemKey] = items.Count + 1;
            var explanation = new WatchExplanation(h.Score, Math.Round(Math.Min(1, h.Score + 0.1), 2), Math.Round(Math.Max(0, h.Score - 0.1), 2),
                [.. h.Found.Select(f => new TermHit(f, f.ToLowerInvariant(), h.Title.Contains(f, StringComparison.OrdinalIgnoreCase) ? "title" : "summary"))], []);
            return new DigestHit
            {
                HitId = i + 1, ItemId = itemId, Watch = h.Watch, Matched = h.Found, Score = h.Score, Title = h.Title, Summary = h.Summary,
                Feed = h.Feed, Link = $"https://{h.Feed.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()}.example/{itemId}",
                PublishedAt = Day.AddHours(7 - h.Hours), Explanation = JsonSerializer.Serialize(explanation, WatchExplanation.Json),
            };
        })];
    }

    [Fact]
    public void A_realistic_digest_merges_stories_and_shows_every_section()
    {
        var hits = SampleHits();
        var aliases = new AliasTable([["ISIL", "ISIS", "Islamic State", "ISIS-K", "Daesh"], ["MOAB", "GBU-43"]]);
        var statistics = new TermStatistics();
        foreach (var hit in hits) statistics.Observe(new AnalyzedItem(hit.Title, "", aliases).Similarity);
        statistics.Publish();
        var sameStory = new SameStory(statistics, aliases);
        var titles = sameStory.Prepare([.. hits.Select(h => h.Title).Distinct()]).ToDictionary(t => t.Text);
        var stories = DigestPlan.Stories(hits, (a, b) => sameStory.Same(titles[a.Title], titles[b.Title]), 50);
        var options = new DigestOptions { Name = "Morning brief", From = "FeedWatcher <feedwatcher@example.org>", To = ["desk@example.org"], TimeZone = "Europe/London" };
        var attention = new[]
        {
            new FeedRow { Url = "https://agency.example/rss/asia.xml", Name = "Agency Asia", ConsecutiveFailures = 6, LastError = "HTTP 503 Service Unavailable (Retry-After 3600 s)", LastSuccessAt = Day.AddHours(-30) },
            new FeedRow { Url = "https://old.example/feed", Name = "Old Gazette", Status = FeedStatus.Gone, LastPolledAt = Day.AddHours(-12) },
        };
        var draft = new DigestDraft(options, "2017-04-27T06:00:00.0000000Z", new DateTimeOffset(Day.AddHours(6)), stories, 0, attention, []);
        var message = DigestComposer.Compose(draft);

        // Three outlets' versions of the Taliban envoys story and two of the MOAB aftermath are one entry each ...
        var merged = stories.Where(s => s.AlsoReported.Count > 0).ToDictionary(s => s.Lead.Title, s => s.AlsoReported.Count);
        Assert.Equal(2, merged["Taliban send envoys to Moscow for talks on Afghanistan"]);
        Assert.Equal(1, merged["ISIL fighters abandon Achin caves after MOAB strike"]);
        Assert.Equal(2, merged.Count);
        Assert.Equal(30, stories.Sum(s => s.HitIds.Count()));
        // ... the Lavrov call once, under the watch it scored best for, naming the other.
        var call = Assert.Single(stories, s => s.Lead.Title.StartsWith("Lavrov", StringComparison.Ordinal));
        Assert.Equal(["Syria ceasefire", "Afghanistan peace talks"], call.Watches);
        var text = message.TextBody!;
        Assert.Equal(3, Regex.Count(text, "^== (Afghanistan peace talks|Syria ceasefire|Korean peninsula) \\(", RegexOptions.Multiline));
        Assert.Contains("== Feeds needing attention ==", text, StringComparison.Ordinal);
        Assert.StartsWith($"FeedWatcher: {stories.Count} new stories on ", message.Subject, StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("FEEDWATCHER_UPDATE_GOLDEN") == "1")
        {
            var golden = Path.Combine(Repository.Tests, "Digests", "golden");
            File.WriteAllText(Path.Combine(golden, "sample-digest.txt"), $"Subject: {message.Subject}\n\n" + text.ReplaceLineEndings("\n"));
            File.WriteAllText(Path.Combine(golden, "sample-digest.html"), message.HtmlBody);
        }
    }
}
