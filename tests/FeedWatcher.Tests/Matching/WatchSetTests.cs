using FeedWatcher.Configuration;
using FeedWatcher.Matching;

namespace FeedWatcher.Tests.Matching;

public class WatchSetTests
{
    static WatchSet Compile(params WatchOptions[] watches) => Compile(new FeedWatcherOptions { Watches = [.. watches] });

    static WatchSet Compile(FeedWatcherOptions options)
    {
        var (set, problems) = WatchCompiler.Compile(options, new TermStatistics());
        Assert.Empty(problems);
        return set!;
    }

    static WatchMatch Score(WatchSet set, string title, string summary = "", string? feedUrl = null) =>
        Assert.Single(set.Score(set.Analyze(new ItemText(title, summary)), feedUrl, includeMisses: true));

    // Background items that teach the document frequencies, repeated up to the items a seed needs before it scores (each
    // repetition with three words of its own, as a copy is not learnt from), and published.
    static void LearnBackground(WatchSet set, params string[] texts)
    {
        for (var i = 0; i < Math.Max(texts.Length, WatchSet.MinItems); i++)
            set.Learn(set.Analyze(new ItemText(i < texts.Length ? texts[i] : $"{texts[i % texts.Length]} {Tag(i)} {Tag(i + 200)} {Tag(i + 400)}", "")));
        set.Publish();
    }

    // A word of its own for the nth item (up to 17,576): "zzaab".
    static string Tag(int n) => $"zz{(char)('a' + n / 676 % 26)}{(char)('a' + n / 26 % 26)}{(char)('a' + n % 26)}";

    // Items as a poll cycle sees them: matched, learnt from, then published.
    static void Poll(WatchSet set, IEnumerable<string> titles)
    {
        foreach (var title in titles)
        {
            var item = set.Analyze(new ItemText(title, ""));
            set.Match(item);
            set.Learn(item);
        }
        set.Publish();
    }

    [Fact]
    public void Keywords_score_by_where_they_are_found_and_explain_it()
    {
        var set = Compile(new WatchOptions { Name = "w", Keywords = ["Afghanistan", "Taliban talks", "\"Moscow conference\""] });
        var inTitle = Score(set, "Afghanistan: Taliban agree to talks", "");
        Assert.Equal(1 - (1 - WatchSet.InTitle) * (1 - WatchSet.InTitle), inTitle.Score, 3);
        Assert.Equal(["Afghanistan", "Taliban talks"], inTitle.MatchedKeywords);
        Assert.True(inTitle.IsHit);
        Assert.Equal("Afghanistan in title; Taliban talks in title; score 0.91 (keywords 0.91, seed 0.00)", inTitle.Explanation.ToString());

        var inSummary = Score(set, "Regional meeting", "Delegates discussed Afghanistan.");
        Assert.Equal(WatchSet.InSummary, inSummary.Score, 3);
        Assert.False(Score(set, "Cricket scores").IsHit);
        Assert.Equal("no keyword or seed term found", Score(set, "Cricket scores").Explanation.Reason);
    }

    [Fact]
    public void Words_of_a_keyword_must_be_near_each_other()
    {
        var set = Compile(new WatchOptions { Name = "w", Keywords = ["Taliban talks"] });
        Assert.True(Score(set, "Taliban ready for talks").IsHit);
        Assert.False(Score(set, "Taliban attack a base in the north; elsewhere the trade ministers opened their annual talks").IsHit);
    }

    [Fact]
    public void Aliases_global_and_per_watch_widen_keywords()
    {
        var set = Compile(new FeedWatcherOptions
        {
            Aliases = [["Daesh", "ISIS", "ISIL", "Islamic State", "ISIS-K"]],
            Watches = [new WatchOptions { Name = "w", Keywords = ["Daesh", "Afghanistan"], Aliases = [["Afghanistan", "Afghan", "Kabul"]] }],
        });
        var match = Score(set, "ISIS-K claims Kabul attack");
        Assert.Equal(["ISIS-K (as Daesh) in title", "Kabul (as Afghanistan) in title"], match.Explanation.Matched.Select(m => m.ToString()));
        Assert.True(Score(set, "Islamic State fighters", "").IsHit);
    }

    [Fact]
    public void A_keyword_naming_a_country_finds_the_adjective_of_its_people_and_the_other_way_round()
    {
        var set = Compile(new WatchOptions { Name = "w", Keywords = ["Qatar", "North Korea", "French"], Exclude = ["Iran"] });
        Assert.Equal(["Qatari (as Qatar) in title"], Score(set, "UAE says Qatari jets intercepted a passenger plane").Explanation.Matched.Select(m => m.ToString()));
        Assert.True(Score(set, "North Korean officials are expected in Washington").IsHit);
        Assert.False(Score(set, "South Korean officials are expected in Washington").IsHit);
        Assert.True(Score(set, "France recalls its ambassador").IsHit);
        Assert.Equal("Iran", Score(set, "Iranian and Qatari ministers meet").Explanation.Excluded);

        // Only keywords: in seed similarity the country and the adjective stay two words.
        var seeded = Compile(new WatchOptions { Name = "s", Keywords = ["blockade"], Seed = new SeedOptions { Title = "Gulf states cut ties with Qatar", Text = "" } });
        Assert.Contains("qatar", Score(seeded, "Qatar airspace reopens").Explanation.SeedTerms);
        Assert.DoesNotContain(Score(seeded, "Qatari jets", "").Explanation.SeedTerms, t => t.StartsWith("qatar", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Exclusions_and_queries_gate_the_score()
    {
        var set = Compile(new WatchOptions { Name = "w", Keywords = ["Afghanistan"], Query = "Afghanistan AND (talks OR conference)", Exclude = ["cricket"] });
        Assert.True(Score(set, "Afghanistan talks resume").IsHit);
        var excluded = Score(set, "Afghanistan talks after the cricket final");
        Assert.Equal((0.0, "cricket"), (excluded.Score, excluded.Explanation.Excluded));
        Assert.Equal("query not satisfied", Score(set, "Afghanistan floods").Explanation.Reason);
    }

    [Fact]
    public void The_seed_ranks_items_that_share_its_rare_terms()
    {
        var set = Compile(new WatchOptions
        {
            Name = "w",
            Keywords = ["Afghanistan"],
            Seed = new SeedOptions { Title = "US skips Moscow conference on Afghanistan", Text = "Russia hosted the talks; the MOAB strike hit Nangarhar." },
        });
        LearnBackground(set, "Markets rise", "Floods in the south", "Elections in France", "Rain expected", "Afghanistan cricket team wins");
        var followUp = Score(set, "Death toll of the MOAB strike in Nangarhar rises");
        var unrelated = Score(set, "Afghanistan cricket team loses");
        Assert.True(followUp.Explanation.Seed > unrelated.Explanation.Seed);
        Assert.Contains("nangarhar", followUp.Explanation.SeedTerms);
        Assert.InRange(followUp.Score, 0, 1);
    }

    [Fact]
    public void A_keyword_found_is_a_hit_whatever_the_seed_says()
    {
        var set = Compile(new WatchOptions
        {
            Name = "w",
            Keywords = ["Moscow conference", "Kabul blast"],
            Seed = new SeedOptions { Title = "US skips Moscow conference on Afghanistan", Text = "Russia hosted the talks; the MOAB strike hit Nangarhar." },
            MinScore = 0.4,
        });
        LearnBackground(set, "Markets rise", "Floods in the south", "Elections in France", "Rain expected", "Kabul traffic jams");

        var added = Score(set, "Kabul blast kills dozens near a ministry");
        Assert.True(added.IsHit);
        Assert.Equal(0.4, added.Score); // the watch's minimum: the seed, which shares little with it, ranks it last
        Assert.True(added.Explanation.ByKeyword);
        Assert.Equal(0.4, Assert.Single(set.Match(set.Analyze(new ItemText("Kabul blast kills dozens near a ministry", "")))).Score); // as polls match
        Assert.StartsWith("Kabul blast in title; ", added.Explanation.ToString(), StringComparison.Ordinal);
        Assert.Contains("score 0.40, the watch's minimum, for a keyword found (keywords 0.70, seed ", added.Explanation.ToString(), StringComparison.Ordinal);
        Assert.True(Score(set, "Agency says", "A Kabul blast hit the city").IsHit); // in the summary too

        var both = Score(set, "Moscow conference on Afghanistan: Russia hosts talks without the US");
        Assert.True(both.Score > 0.4 && !both.Explanation.ByKeyword); // keyword and seed together rank above the minimum
        Assert.False(Score(set, "Kabul traffic jams again").IsHit); // a word of a keyword is not the keyword
    }

    [Fact]
    public void Hyphenated_and_solid_spellings_of_a_compound_meet_in_seed_similarity()
    {
        var set = Compile(new WatchOptions { Name = "w", Seed = new SeedOptions { Title = "Cyber-attack hits hospitals", Text = "" } });
        LearnBackground(set, "Markets rise", "Floods in the south", "Hospitals hire nurses");
        var solid = Score(set, "A second wave of cyberattacks is feared");
        Assert.Contains("cyberattacks", solid.Explanation.SeedTerms);
        Assert.True(solid.Explanation.Seed > Score(set, "A second wave of floods is feared").Explanation.Seed);
    }

    static readonly WatchOptions Seeded = new()
    {
        Name = "w",
        Keywords = ["Afghanistan", "Moscow conference", "Taliban talks"],
        Seed = new SeedOptions
        {
            Title = "Russia hosts Moscow conference on Afghanistan without the US",
            Text = "Lavrov and ten other countries urged the Taliban to make peace with the government; Pakistan, Iran, China and India attended. The day before, the MOAB strike hit Daesh caves in Nangarhar.",
        },
    };

    // Ordinary news, some of it sharing a word with the seed, in as many variants as asked.
    static IEnumerable<string> News(int count, int start = 0)
    {
        string[] who = ["Ministers", "Farmers", "Police", "Investors", "Doctors", "Teachers", "Voters", "Officials", "Pakistan", "China", "Iran", "India"];
        string[] what = ["discuss the new budget", "protest over prices", "meet in the capital", "warn of floods", "sign a trade deal", "debate election rules", "report rising exports", "call for peace", "hold talks on energy"];
        string[] when = ["in the north", "this week", "after the storm", "before the summit", "amid tensions", "at the border", "on Monday"];
        for (var i = start; i < start + count; i++)
            yield return $"{who[i % who.Length]} {what[i / 3 % what.Length]} {when[i / 7 % when.Length]}";
    }

    [Fact]
    public void In_a_stream_with_nothing_of_the_story_one_word_shared_with_the_seed_is_no_hit()
    {
        var set = Compile(Seeded);
        // Feeds of another world: long items, each sharing one common word with the seed ("hit"), so that the usual
        // similarity is next to nothing and barely varies; each its own, with a maker's and a shop's names.
        string[] gadgets = ["phone", "laptop", "console", "camera", "headset", "tablet", "router", "watch"];
        string[] features = ["battery", "screen", "keyboard", "speaker", "charger", "firmware", "lens"];
        var stream = Enumerable.Range(0, 400).Select(i =>
            $"The new {gadgets[i % gadgets.Length]} with a {features[i / 8 % features.Length]} update is a hit at launch {i}, with benchmarks, prices and a hands-on review of every model by {Tag(i)} {Tag(i + 400)} at {Tag(i + 800)} {Tag(i + 1200)}").ToList();
        for (var cycle = 0; cycle < 4; cycle++) Poll(set, stream.Skip(cycle * 100).Take(100));

        var oneWord = Score(set, "Podcast episode 12: China");
        Assert.False(oneWord.IsHit, oneWord.Explanation.ToString());
        Assert.Equal(["china"], oneWord.Explanation.SeedTerms);
        var followUp = Score(set, "Lavrov urges the Taliban to make peace as Pakistan and Iran attend");
        Assert.True(followUp.IsHit && followUp.Explanation.Seed > 0.9, followUp.Explanation.ToString());
    }

    [Fact]
    public void What_is_learnt_counts_from_the_next_publication_so_a_cycle_scores_alike_in_any_order()
    {
        var set = Compile(Seeded);
        LearnBackground(set, [.. News(300)]);
        var probe = new ItemText("Lavrov invites Pakistan and Iran to a new round on Taliban peace", "");
        var before = Score(set, probe.Title).Score;
        foreach (var text in News(200, 300).Append("Lavrov meets Taliban envoys on peace"))
            set.Learn(set.Analyze(new ItemText(text, "")));
        Assert.Equal(before, Score(set, probe.Title).Score); // learnt, not yet published: the same figures for every item of the cycle
        set.Publish();
        Assert.NotEqual(before, Score(set, probe.Title).Score);
    }

    [Fact]
    public void A_story_that_floods_the_stream_keeps_matching()
    {
        var set = Compile(Seeded);
        LearnBackground(set, [.. News(300)]);
        LearnBackground(set, [.. News(300, 300)]);
        string[] actors = ["Lavrov", "Rabbani", "Pakistan", "Iran", "China", "India", "Kabul", "Moscow"];
        string[] acts = ["invites delegates to the Moscow conference on Afghanistan", "says the Taliban must join Afghan peace talks", "backs the Moscow format for regional peace",
            "rejects US criticism of the Moscow conference", "urges Taliban talks after the MOAB strike", "sends an envoy to the Moscow meeting on Afghanistan"];
        var story = Enumerable.Range(0, 1500).Select(i => $"{actors[i % actors.Length]} {acts[i / 2 % acts.Length]}").ToList();
        var firstCycle = Score(set, story[0]);
        Assert.True(firstCycle.IsHit);

        // Fifteen cycles in which five items in six are the story.
        for (var cycle = 0; cycle < 15; cycle++)
            Poll(set, story.Skip(cycle * 100).Take(100).Concat(News(20, 600 + cycle * 20)));

        // What the user asked for keeps matching, at its first strength, however common the story's words became.
        var named = story.Take(60).Where(text => Score(set, text).Explanation.Matched.Count > 0).ToList();
        Assert.Equal(50, named.Count); // one act in six names no keyword
        Assert.All(named, text => Assert.True(Score(set, text).IsHit, text));
        // ... and the seed still ranks it well above the minimum a keyword alone gives.
        var lastCycle = Score(set, story[0]);
        Assert.Equal(firstCycle.Explanation.Keywords, lastCycle.Explanation.Keywords);
        Assert.True(lastCycle.Score > 0.5 && !lastCycle.Explanation.ByKeyword, lastCycle.Explanation.ToString());
        Assert.False(Score(set, "Farmers protest over prices in the north").IsHit);
    }

    static readonly string[] Follow =
    [
        "Moscow conference on Afghanistan: Lavrov invites the Taliban to Astana next",
        "Afghanistan peace push moves to Astana, Lavrov says after Moscow conference",
        "Taliban talks on Afghanistan could continue in Astana, Moscow conference told",
        "Moscow conference on Afghanistan ends with a call for Astana round",
    ];

    [Fact]
    public void A_watch_learns_the_words_of_its_confident_hits_and_not_of_weak_ones()
    {
        const string probe = "Delegations gather in Astana for the next round";
        var weak = Compile(Seeded);
        Poll(weak, News(300));
        var before = Score(weak, probe).Explanation.Seed;
        // Weak hits: a keyword in passing, nothing of the seed.
        Poll(weak, Enumerable.Range(0, 8).Select(i => $"Astana hotel {i} is full; cricket fans from Afghanistan arrive"));
        Assert.Equal(before, Score(weak, probe).Explanation.Seed, 3);

        var learning = Compile(Seeded);
        Poll(learning, News(300));
        Poll(learning, Follow.Concat(Follow));
        var after = Score(learning, probe);
        Assert.True(after.Explanation.Seed > before + 0.1, $"{before} -> {after.Explanation}");
        // The explanation names the learnt word apart from the seed's, with what taught it: the four hits, not their copies.
        Assert.Equal("astana (4 hits)", after.Explanation.LearntTerms[0]);
        Assert.DoesNotContain("astana", after.Explanation.SeedTerms);
        Assert.Contains("like earlier hits in astana (4 hits)", after.Explanation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_outlets_copy_of_an_item_is_learnt_from_once()
    {
        var set = Compile(Seeded);
        LearnBackground(set, [.. News(300)]);
        var documents = set.Statistics.Documents;
        const string wire = "Bakers of Lyon open a museum of bread by the river, with ovens from four centuries, the city says";
        // The wire story and its copies: the same text under other outlets' names, and again.
        Poll(set, [wire, $"{wire} (Reuters)", $"{wire} (AFP)", wire]);
        Assert.Equal(documents + 1, set.Statistics.Documents);
        Assert.Equal(1, set.Statistics.DocumentFrequency(set.Analyze(new ItemText("museum", "")).Similarity.Single().Term));
        // Another story in the same words, but for two of its ten, is not a copy.
        Poll(set, ["Bakers of Porto open a museum of bread by the river, with ovens from four centuries, the mayor says"]);
        Assert.Equal(documents + 2, set.Statistics.Documents);

        // A watch learns from a confident hit once, however many feeds carry it: from the stream, as the backtest does...
        string[] hits = [Follow[0], $"{Follow[0]} (AP)", Follow[1], $"{Follow[1]} (AFP)", Follow[1]];
        var learning = Compile(Seeded);
        Poll(learning, News(300));
        Poll(learning, hits);
        Assert.Equal(2, learning.LearntBy("w")!.ConfidentHits);
        // ... and from the hits on record, as the worker does, counting the copies apart.
        var taught = Compile(Seeded);
        taught.LearnsFromOwnHits = false;
        Poll(taught, News(300));
        foreach (var hit in hits) taught.Teach("w", taught.Analyze(new ItemText(hit, "")), Evidence.ConfidentHit);
        taught.Publish();
        var profile = taught.LearntBy("w")!;
        Assert.Equal((2, 3), (profile.ConfidentHits, profile.Copies));
        Assert.Contains(profile.Words, w => w.Text == "astana" && w.ConfidentHits == 2);
    }

    [Fact]
    public void Recent_items_tell_a_copy_from_another_story_and_forget_the_oldest()
    {
        static SimilarityTerm[] Item(params int[] terms) => [.. terms.Select(t => new SimilarityTerm(t, 1))];
        var recent = new RecentItems(capacity: 2);
        Assert.False(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 7, 8)));
        Assert.True(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 7, 8, 9))); // an outlet's name added: cosine 0.94
        Assert.False(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 10, 11))); // two words of eight others: 0.75
        Assert.False(recent.IsCopy(Item(20, 21, 22)));
        Assert.False(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 7, 8))); // the first has been forgotten for two others
        Assert.True(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 7, 8)));
        recent.Clear();
        Assert.False(recent.IsCopy(Item(1, 2, 3, 4, 5, 6, 7, 8)));
        Assert.False(recent.IsCopy([]));
    }

    [Fact]
    public void No_learnt_word_weighs_more_than_the_seeds_strongest()
    {
        // Three seed words, the first twice as frequent; one short hit with two new words.
        var seed = new Dictionary<int, float> { [1] = WatchSet.Saturate(2), [2] = WatchSet.Saturate(1), [3] = WatchSet.Saturate(1) };
        var profile = new Profile(seed);
        profile.Add([new SimilarityTerm(1, 1), new SimilarityTerm(10, 1), new SimilarityTerm(11, 1)], Evidence.ConfidentHit);
        profile.Publish();

        var query = profile.Query().ToDictionary(t => t.Term, t => t.Frequency);
        // Scaled to the seed's length, each of the two would weigh more than any seed word: held at the strongest one's weight.
        Assert.Equal([seed[1], seed[1]], [query[10], query[11]]);
        Assert.Equal(seed[1], query[1]); // the seed's own weights as written
        Assert.Equal([10, 11], profile.Learnt().Select(t => t.Term).Order());
    }

    [Fact]
    public void A_pinned_word_counts_as_the_seed_does_a_banned_one_is_never_learnt_and_a_reset_forgets()
    {
        const string probe = "Delegations gather in Astana";
        var fixedWatch = Compile(Seeded);
        fixedWatch.LearnsFromOwnHits = false;
        var banned = Compile(Seeded);
        banned.SetWords("w", [], ["astana"]);
        var pinned = Compile(Seeded);
        pinned.SetWords("W", ["Astana"], []);
        foreach (var set in new[] { fixedWatch, banned, pinned })
        {
            Poll(set, News(300));
            Poll(set, Follow.Concat(Follow));
        }
        var unlearnt = Score(fixedWatch, probe).Explanation.Seed;

        Assert.Equal(unlearnt, Score(banned, probe).Explanation.Seed, 3);
        Assert.DoesNotContain(banned.LearntBy("w")!.Words, w => w.Text == "astana");
        Assert.Equal(["astana"], banned.LearntBy("w")!.Banned);
        var pin = Score(pinned, probe).Explanation;
        Assert.True(pin.Seed > unlearnt + 0.1, $"{unlearnt} -> {pin}");
        Assert.Contains("astana", pin.SeedTerms);

        // Reset: what the hits taught is forgotten; the pin stays.
        pinned.Forget("w");
        pinned.Publish();
        Assert.Empty(pinned.LearntBy("w")!.Words);
        Assert.Equal(["Astana"], pinned.LearntBy("w")!.Pinned);
        Assert.Equal(pin.Seed, Score(pinned, probe).Explanation.Seed, 1);
    }

    [Fact]
    public void Words_are_pinned_and_banned_in_the_configuration()
    {
        var set = Compile(new FeedWatcherOptions
        {
            Watches = [new WatchOptions { Name = "w", Keywords = ["Afghanistan"], Seed = new SeedOptions { Title = "Moscow conference on Afghanistan", Text = "Lavrov met Taliban envoys." }, Pin = ["Astana"], Ban = ["cricket"] }],
        });
        Assert.Equal(["Astana"], set.LearntBy("w")!.Pinned);
        Assert.Equal(["cricket"], set.LearntBy("w")!.Banned);
        var (_, problems) = WatchCompiler.Compile(new FeedWatcherOptions
        {
            Watches = [new WatchOptions { Name = "k", Keywords = ["Afghanistan"], Pin = ["Astana", "--"] }],
        }, new TermStatistics());
        Assert.Equal(["FeedWatcher:Watches:0:Pin: only a watch with a Seed learns words to pin or ban", "FeedWatcher:Watches:0:Pin:1: '--' has no words"], problems);
    }

    [Fact]
    public void Learning_alone_never_brings_a_neighbouring_story_closer()
    {
        string[] neighbours = ["Moscow hosts an international trade fair", "Taliban attack a checkpoint in the north, killing six", "Lavrov meets the Syrian envoy in Moscow"];
        // The same stream through a watch that learns and one that does not.
        var learning = Compile(Seeded);
        var fixedWatch = Compile(Seeded);
        fixedWatch.LearnsFromOwnHits = false;
        foreach (var set in new[] { learning, fixedWatch })
        {
            Poll(set, News(300));
            for (var cycle = 0; cycle < 5; cycle++) Poll(set, Follow.Concat(News(40, 300 + 40 * cycle)));
        }

        Assert.All(neighbours, n => Assert.True(Score(learning, n).Score <= Score(fixedWatch, n).Score, $"{n}: {Score(learning, n).Explanation} against {Score(fixedWatch, n).Explanation}"));
        const string probe = "Delegations gather in Astana";
        Assert.True(Score(learning, probe).Score > Score(fixedWatch, probe).Score); // it did learn
    }

    [Fact]
    public void A_readers_judgement_moves_the_watch_toward_what_was_judged_relevant()
    {
        const string probe = "Kazakh capital offers to host the next round";
        var set = Compile(Seeded);
        Poll(set, News(300));
        var before = Score(set, probe).Explanation.Seed;
        set.Teach("w", set.Analyze(new ItemText("Kazakh capital to host Afghan peace round after Moscow conference", "")), Evidence.Relevant);
        Assert.Equal(before, Score(set, probe).Explanation.Seed); // from the next publication on
        set.Publish();
        Assert.True(Score(set, probe).Explanation.Seed > before);
    }

    [Fact]
    public void A_watch_scoped_to_a_tag_sees_only_those_feeds()
    {
        var set = Compile(new FeedWatcherOptions
        {
            Feeds = [new FeedOptions { Url = "http://a.example/rss", Tags = ["asia"] }, new FeedOptions { Url = "http://b.example/rss" }],
            Watches = [new WatchOptions { Name = "w", Keywords = ["Kabul"], Tags = ["asia"] }],
        });
        var item = set.Analyze(new ItemText("Kabul", ""));
        Assert.Single(set.Match(item, "http://a.example/rss"));
        Assert.Empty(set.Match(item, "http://b.example/rss"));
    }

    [Fact]
    public void Every_problem_of_a_watch_is_reported_with_its_path()
    {
        var (set, problems) = WatchCompiler.Compile(new FeedWatcherOptions
        {
            Aliases = [["Daesh"]],
            Watches =
            [
                new WatchOptions { Name = "w", Query = "Kabul AND", Keywords = ["x"], Exclude = ["\"open"], MinScore = 2, Tags = ["none"], Seed = new SeedOptions { File = "/nonexistent/seed.txt" } },
            ],
        }, new TermStatistics());
        Assert.Null(set);
        Assert.Equal(
        [
            "FeedWatcher:Aliases:0: a group needs at least two names",
            "FeedWatcher:Watches:0:Query: at character 10: expected a word, a \"phrase\" or '(' but the query ended",
            "FeedWatcher:Watches:0:Exclude:0: quote the whole keyword or nothing: '\"open' (use Query for operators and several phrases)",
        ], problems.Take(3));
        Assert.Contains(problems, p => p.StartsWith("FeedWatcher:Watches:0:Seed:File: cannot read '/nonexistent/seed.txt'", StringComparison.Ordinal));
        Assert.Contains("FeedWatcher:Watches:0:MinScore: must be between 0 and 1, not 2", problems);
        Assert.Contains("FeedWatcher:Watches:0:Tags:0: no configured feed has the tag 'none'", problems);
    }
}
