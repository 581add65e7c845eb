using FeedWatcher.Digests;
using FeedWatcher.Matching;

namespace FeedWatcher.Tests.Digests;

public sealed class SameStoryTests
{
    static readonly AliasTable Aliases = new([["Daesh", "ISIL", "ISIS", "Islamic State"]]);

    // Term weights as a worker would have learnt them: from a stream of headlines on many subjects.
    static SameStory Learnt(params string[] texts)
    {
        var statistics = new TermStatistics();
        foreach (var text in texts.Concat(Background))
            statistics.Observe(new AnalyzedItem(text, "", Aliases).Similarity);
        statistics.Publish();
        return new SameStory(statistics, Aliases);
    }

    static readonly string[] Background =
    [
        "Chinese shares close higher on Monday", "US stocks close lower as oil slides", "Afghanistan election date set",
        "Taliban attack checkpoint in Helmand", "Moscow hosts talks on Syria", "Parliament passes budget on Tuesday",
        "Storm closes schools in the north", "Afghanistan and Pakistan reopen border crossing",
    ];

    static double Score(SameStory sameStory, string a, string b)
    {
        var titles = sameStory.Prepare([a, b]);
        return sameStory.Score(titles[0], titles[1]);
    }

    [Fact]
    public void One_event_told_by_two_outlets_is_the_same_story()
    {
        const string a = "US drops largest non-nuclear bomb on ISIL caves in Nangarhar";
        const string b = "Largest non-nuclear bomb dropped on Daesh caves in Afghanistan's Nangarhar";
        var sameStory = Learnt(a, b);
        Assert.InRange(Score(sameStory, a, b), SameStory.Threshold, 1);
    }

    [Fact]
    public void The_same_event_in_other_words_is_the_same_story()
    {
        // Two words in common, in other forms: the meaning carries it.
        const string a = "Gang violence kills 16 in Venezuelan prison";
        const string b = "Sixteen killed in Venezuela prison";
        Assert.InRange(Score(Learnt(a, b), a, b), SameStory.Threshold, 1);
    }

    [Fact]
    public void Look_alike_headlines_about_other_events_are_kept_apart()
    {
        (string, string)[] pairs =
        [
            ("Russia hosts Afghanistan conference without the US", "Russia hosts Syria talks in Astana"),
            ("Newcastle 2-0 Liverpool: Match report", "QPR 1-2 West Ham: Match report"),
        ];
        var sameStory = Learnt([.. pairs.SelectMany(p => new[] { p.Item1, p.Item2 })]);
        foreach (var (a, b) in pairs)
            Assert.InRange(Score(sameStory, a, b), 0, SameStory.Threshold - 0.05);
    }

    [Fact]
    public void Scores_are_symmetric_and_bounded()
    {
        var sameStory = Learnt("Taliban agree to Moscow talks", "Russia hosts Afghanistan conference");
        Assert.Equal(1, Score(sameStory, "Taliban agree to Moscow talks", "Taliban agree to Moscow talks"), 6);
        Assert.Equal(Score(sameStory, "Taliban agree to Moscow talks", "Russia hosts Afghanistan conference"),
            Score(sameStory, "Russia hosts Afghanistan conference", "Taliban agree to Moscow talks"), 6);
        Assert.InRange(Score(sameStory, "Taliban agree to Moscow talks", "Storm closes schools"), 0, 0.3);
        Assert.Equal(0, Score(sameStory, "", "Storm closes schools"));
    }

    [Fact]
    public void By_words_alone_a_watchs_own_words_do_not_make_its_stories_one()
    {
        const string a = "US drops largest non-nuclear bomb on ISIL caves in Afghanistan's Nangarhar";
        const string b = "Largest non-nuclear bomb dropped on Daesh caves in Nangarhar, Afghanistan";
        const string c = "Moscow conference on Afghanistan ends with a call for Taliban talks";
        const string d = "Lavrov invites the Taliban to Astana talks after the Moscow conference on Afghanistan";
        var sameStory = Learnt(a, b, c, d);
        var watch = new AnalyzedItem("Afghanistan Moscow conference Taliban talks", "", Aliases).Similarity.Select(t => t.Term).ToHashSet();
        AnalyzedItem Of(string title) => new(title, "", Aliases);
        Assert.True(sameStory.SameByWords(Of(a), Of(b), watch));
        Assert.False(sameStory.SameByWords(Of(c), Of(d), watch));
        Assert.True(sameStory.SharedTerms(Of(c), Of(d)) > sameStory.SharedTerms(Of(c), Of(d), watch)); // the watch's words alone joined them
    }
}
