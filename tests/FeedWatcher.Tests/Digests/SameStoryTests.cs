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
        return new SameStory(statistics);
    }

    static readonly string[] Background =
    [
        "Chinese shares close higher on Monday", "US stocks close lower as oil slides", "Afghanistan election date set",
        "Taliban attack checkpoint in Helmand", "Moscow hosts talks on Syria", "Parliament passes budget on Tuesday",
        "Storm closes schools in the north", "Afghanistan and Pakistan reopen border crossing",
    ];

    static double Score(SameStory sameStory, string a, string b) =>
        sameStory.Score(new AnalyzedItem(a, "", Aliases), new AnalyzedItem(b, "", Aliases));

    [Fact]
    public void One_event_told_by_two_outlets_is_the_same_story()
    {
        const string a = "US drops largest non-nuclear bomb on ISIL caves in Nangarhar";
        const string b = "Largest non-nuclear bomb dropped on Daesh caves in Afghanistan's Nangarhar";
        var sameStory = Learnt(a, b);
        Assert.True(sameStory.Same(new AnalyzedItem(a, "", Aliases), new AnalyzedItem(b, "", Aliases)), $"score {Score(sameStory, a, b)}");
    }

    [Fact]
    public void Look_alike_headlines_about_different_days_or_directions_are_kept_apart()
    {
        const string a = "Chinese shares close higher on Tuesday";
        const string b = "Chinese shares close lower on Wednesday";
        var sameStory = Learnt(a, b);
        Assert.InRange(Score(sameStory, a, b), 0, SameStory.Threshold - 0.01);
    }

    [Fact]
    public void Scores_are_symmetric_and_bounded()
    {
        var sameStory = Learnt("Taliban agree to Moscow talks", "Russia hosts Afghanistan conference");
        Assert.Equal(1, Score(sameStory, "Taliban agree to Moscow talks", "Taliban agree to Moscow talks"), 6);
        Assert.Equal(Score(sameStory, "Taliban agree to Moscow talks", "Russia hosts Afghanistan conference"),
            Score(sameStory, "Russia hosts Afghanistan conference", "Taliban agree to Moscow talks"), 6);
        Assert.Equal(0, Score(sameStory, "Taliban agree to Moscow talks", "Storm closes schools"));
        Assert.Equal(0, Score(sameStory, "", "Storm closes schools"));
    }
}
