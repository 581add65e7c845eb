using FeedWatcher.Matching;

namespace FeedWatcher.Digests;

/// <summary>Whether two items tell the same story, as the digest decides before merging them into one entry
/// ("also reported by ..."), from their titles. The score is mostly what the titles mean
/// (<see cref="SentenceEmbeddings"/>: the cosine of their sentence embeddings, which sees that "Zambian" and
/// "Zambia's", or "ex-President" and "former president", say the same), and partly the words they share (the
/// cosine of their terms as watches analyze them, aliases as one term, each weighted by its inverse document
/// frequency learnt from the items seen), which keeps apart look-alikes that differ in a rare word or a number.
/// At <see cref="Threshold"/> and above they are the same story.</summary>
public sealed class SameStory(TermStatistics statistics, AliasTable aliases)
{
    /// <summary>The shipped threshold, and the share of the meaning in the score: chosen together for the best
    /// F1 on human-scored pairs of news headlines and sentences (README, "Same story").</summary>
    public const double Threshold = 0.70, MeaningWeight = 0.8;

    /// <summary>A title made ready for comparison: analyzed, and its meaning encoded.</summary>
    public sealed class Title
    {
        internal Title(string text, AnalyzedItem terms, float[] meaning) => (Text, Terms, Meaning) = (text, terms, meaning);

        public string Text { get; }
        public AnalyzedItem Terms { get; }
        internal float[] Meaning { get; }
    }

    /// <summary>The titles, ready to compare: the model is run once for them all.</summary>
    public IReadOnlyList<Title> Prepare(IReadOnlyList<string> titles, CancellationToken cancellationToken = default)
    {
        var meanings = SentenceEmbeddings.Encode(titles, cancellationToken);
        return [.. titles.Select((title, i) => new Title(title, new AnalyzedItem(title, "", aliases), meanings[i]))];
    }

    /// <summary>How alike two titles are, in [0, 1].</summary>
    public double Score(Title a, Title b)
    {
        if (string.IsNullOrWhiteSpace(a.Text) || string.IsNullOrWhiteSpace(b.Text)) return 0;
        return Math.Min(1, MeaningWeight * Meaning(a, b) + (1 - MeaningWeight) * SharedTerms(a.Terms, b.Terms));
    }

    /// <summary>How alike two titles' meanings are: the cosine of their sentence embeddings, in [0, 1].</summary>
    public static double Meaning(Title a, Title b) => Math.Clamp(SentenceEmbeddings.Similarity(a.Meaning, b.Meaning), 0, 1);

    public bool Same(Title a, Title b) => Score(a, b) >= Threshold;

    /// <summary>The threshold of the shared words alone: where they tell the same story best on their own (F1 0.86
    /// on the human-scored pairs, against 0.90 with the meaning).</summary>
    public const double WordsThreshold = 0.5;

    /// <summary>Whether two titles of one watch's hits tell the same story by the words they share alone, without running
    /// the model: for the story pages, which show many titles at once and must answer fast. The watch's own words
    /// (<paramref name="watchTerms"/>: its keywords and seed) are in every hit and tell its stories apart not at all, so
    /// they do not count.</summary>
    public bool SameByWords(AnalyzedItem a, AnalyzedItem b, IReadOnlySet<int> watchTerms) => SharedTerms(a, b, watchTerms) >= WordsThreshold;

    /// <summary>The cosine similarity of two items' terms, each weighted by its inverse document frequency; without the
    /// terms in <paramref name="ignored"/>.</summary>
    public double SharedTerms(AnalyzedItem a, AnalyzedItem b, IReadOnlySet<int>? ignored = null)
    {
        // Both term arrays are sorted by term number: one merge walk.
        var (x, y) = (a.Similarity, b.Similarity);
        double dot = 0, normX = 0, normY = 0;
        int i = 0, j = 0;
        while (i < x.Length || j < y.Length)
        {
            if (j == y.Length || (i < x.Length && x[i].Term < y[j].Term))
                normX += Square(x[i++].Term, ignored);
            else if (i == x.Length || y[j].Term < x[i].Term)
                normY += Square(y[j++].Term, ignored);
            else
            {
                var square = Square(x[i].Term, ignored);
                (dot, normX, normY) = (dot + square, normX + square, normY + square);
                (i, j) = (i + 1, j + 1);
            }
        }
        return normX == 0 || normY == 0 ? 0 : Math.Min(1, dot / Math.Sqrt(normX * normY));
    }

    double Square(int term, IReadOnlySet<int>? ignored)
    {
        if (ignored?.Contains(term) == true) return 0;
        double idf = statistics.Idf(term);
        return idf * idf;
    }
}
