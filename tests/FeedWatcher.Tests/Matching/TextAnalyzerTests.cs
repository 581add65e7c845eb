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

public class VocabularyTests
{
    [Fact]
    public void Every_spelling_of_a_term_has_its_number_and_the_same_number()
    {
        var tokens = TextAnalyzer.Tokens("Talks, TALKING, talked and talk");
        Assert.Single(tokens.Where(t => t.Word != "and").Select(t => t.Id).Distinct());
        Assert.Equal("talk", Vocabulary.TermOf(tokens[0].Id));
        Assert.Equal(tokens[0].Id, Vocabulary.IdOf("talk"));
    }

    [Fact]
    public void Words_read_by_many_threads_at_once_get_one_form_each()
    {
        // Enough new words to make the word table grow several times while it is read.
        var words = Enumerable.Range(0, 20_000).Select(i => $"vocabularytest{i}").ToArray();
        var forms = new System.Collections.Concurrent.ConcurrentBag<(string Word, WordForm Form)>();
        Parallel.For(0, 4, _ =>
        {
            foreach (var word in words)
                forms.Add((word, TextAnalyzer.Tokens(word)[0].Form));
        });
        Assert.All(forms.GroupBy(f => f.Word), g => Assert.Single(g.Select(f => f.Form).Distinct()));
        Assert.Equal(words.Length, forms.Select(f => f.Form.Id).Distinct().Count());
    }

    [Fact]
    public void A_term_set_holds_exactly_its_numbers()
    {
        var set = new TermSet([3, 64, 1000]);
        Assert.Equal([3, 64, 1000], Enumerable.Range(-5, 2000).Where(set.Contains));
    }

    [Fact]
    public void Document_frequencies_count_each_item_once_per_term()
    {
        var statistics = new TermStatistics();
        statistics.Observe([new SimilarityTerm(7, 2), new SimilarityTerm(9, 1)]);
        statistics.Observe([new SimilarityTerm(7, 1)]);
        Assert.Equal((0, 0), (statistics.Documents, statistics.DocumentFrequency(7))); // counted from the next publication on
        statistics.Publish();
        Assert.Equal((2, 2, 1, 0), (statistics.Documents, statistics.DocumentFrequency(7), statistics.DocumentFrequency(9), statistics.DocumentFrequency(8)));
        Assert.True(statistics.Idf(8) > statistics.Idf(9) && statistics.Idf(9) > statistics.Idf(7));
    }
}
