using FeedWatcher.Configuration;
using FeedWatcher.Matching;

namespace FeedWatcher.Tests.Matching;

public class KeywordMatcherTests
{
    static readonly KeywordMatcher Seed = new([
        new WatchOptions { Name = "Afghanistan peace talks", Keywords = ["Afghanistan", "Moscow conference", "Taliban talks"] },
    ]);

    [Theory]
    [InlineData("AFGHANISTAN on the agenda", "", "Afghanistan")]
    [InlineData("Conference opens", "Delegates gathered in Moscow on Friday.", "Moscow conference")]
    [InlineData("Taliban reject talks", "", "Taliban talks")]
    [InlineData("Afghanistan: Moscow hosts conference", "", "Afghanistan|Moscow conference")]
    public void Matches_whole_words_in_title_and_summary(string title, string summary, string expected)
    {
        var match = Assert.Single(Seed.Match(new ItemText(title, summary)));
        Assert.Equal("Afghanistan peace talks", match.Watch);
        Assert.Equal(expected.Split('|'), match.MatchedKeywords);
    }

    [Theory]
    [InlineData("Afghan forces advance", "")]                   // a different word, not a whole-word match
    [InlineData("Afghanistans", "")]
    [InlineData("Moscow weather", "Snow expected")]             // only one word of "Moscow conference"
    [InlineData("", "")]
    public void Ignores_items_without_every_word(string title, string summary) =>
        Assert.Empty(Seed.Match(new ItemText(title, summary)));

    [Theory]
    [InlineData("Café talks in Zürich", "cafe", true)]
    [InlineData("CAFE TALKS", "Café", true)]
    [InlineData("Zurich", "Zürich", true)]
    [InlineData("The Islamic State group", "\"Islamic State\"", true)]
    [InlineData("State of the Islamic world", "\"Islamic State\"", false)]
    [InlineData("State of the Islamic world", "Islamic State", true)]
    [InlineData("islamic-state fighters", "\"Islamic State\"", true)]
    public void Folds_case_and_accents_and_honours_quoted_phrases(string text, string keyword, bool matches)
    {
        var matcher = new KeywordMatcher([new WatchOptions { Name = "w", Keywords = [keyword] }]);
        Assert.Equal(matches, matcher.Match(new ItemText(text, "")).Count == 1);
    }

    [Fact]
    public void Phrase_does_not_span_title_and_summary()
    {
        var matcher = new KeywordMatcher([new WatchOptions { Name = "w", Keywords = ["\"Moscow conference\""] }]);
        Assert.Empty(matcher.Match(new ItemText("Leaders arrive in Moscow", "Conference begins")));
    }

    [Fact]
    public void Reports_every_watch_an_item_matches()
    {
        var matcher = new KeywordMatcher([
            new WatchOptions { Name = "a", Keywords = ["Kabul"] },
            new WatchOptions { Name = "b", Keywords = ["Moscow"] },
            new WatchOptions { Name = "c", Keywords = ["Beijing"] },
        ]);
        Assert.Equal(["a", "b"], matcher.Match(new ItemText("Kabul and Moscow", "")).Select(m => m.Watch));
    }

    [Theory]
    [InlineData("Afghanistan", null)]
    [InlineData("\"Moscow conference\"", null)]
    [InlineData("", "empty keyword")]
    [InlineData("  ", "empty keyword")]
    [InlineData("\"unclosed", "quote the whole keyword or nothing: '\"unclosed'")]
    [InlineData("half \"quoted\"", "quote the whole keyword or nothing: 'half \"quoted\"'")]
    [InlineData("!!!", "no words in keyword '!!!'")]
    public void Keyword_check_names_the_problem(string keyword, string? expected) =>
        Assert.Equal(expected, Keyword.Check(keyword));

    [Theory]
    [InlineData("Kabul's Café — ISIS-K, 2017!", "kabul s cafe isis k 2017")]
    [InlineData("Straße in Zürich, Ærø", "strasse in zurich aero")]
    [InlineData("Ελλάδα και Αθήνα", "ελλαδα και αθηνα")]
    [InlineData("Ёлка в Москве", "елка в москве")]
    [InlineData("Việt Nam, Łódź", "viet nam lodz")]
    [InlineData("Cafe\u0301 decomposed", "cafe decomposed")]
    [InlineData("ＦＵＬＬ width", "full width")]
    public void Words_are_folded_and_split_on_punctuation(string text, string expected) =>
        Assert.Equal(expected.Split(' '), TextFolding.Words(text));
}
