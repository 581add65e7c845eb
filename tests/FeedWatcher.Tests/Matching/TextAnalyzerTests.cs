using FeedWatcher.Matching;

namespace FeedWatcher.Tests.Matching;

public class TextAnalyzerTests
{
    [Theory]
    [InlineData("Taliban's talks", "taliban talk")]
    [InlineData("Talks, talking and talked", "talk talk and talk")]
    [InlineData("ISIS-K and GBU-43/B", "isi k and gbu 43 b")]
    [InlineData("U.S. troops; the U.N.", "us troop the un")]
    [InlineData("O'Brien’s café in Kraków", "obrien cafe in krakow")]
    [InlineData("ＡＦＧＨＡＮＩＳＴＡＮ", "afghanistan")]
    [InlineData("Straße", "strass")]
    [InlineData("", "")]
    public void Folds_splits_and_stems(string text, string terms) =>
        Assert.Equal(terms, string.Join(' ', TextAnalyzer.Tokens(text).Select(t => t.Term)));

    [Fact]
    public void Positions_count_words_and_keep_the_folded_word()
    {
        var tokens = TextAnalyzer.Tokens("Moscow conference ends", firstPosition: 10);
        Assert.Equal([(10, "moscow"), (11, "conference"), (12, "ends")], tokens.Select(t => (t.Position, t.Word)));
        Assert.Equal("confer", tokens[1].Term);
    }

    [Fact]
    public void Stop_terms_are_common_words_only()
    {
        Assert.True(TextAnalyzer.IsStopTerm("the"));
        Assert.True(TextAnalyzer.IsStopTerm(TextAnalyzer.Stem("said")));
        Assert.False(TextAnalyzer.IsStopTerm("taliban"));
    }
}
