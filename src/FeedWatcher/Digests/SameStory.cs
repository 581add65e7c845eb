using FeedWatcher.Matching;

namespace FeedWatcher.Digests;

/// <summary>Whether two items tell the same story, as the digest decides before merging them into one entry
/// ("also reported by ..."). The score is the cosine similarity of the two items' terms (the analysis watches
/// use: folded, stemmed, stop words out, aliases as one term), each term weighted by its inverse document
/// frequency learnt from the items seen: two headlines sharing "Nangarhar" and "GBU-43" are closer than two
/// sharing "Afghanistan" and "said", and a word only one of them has (another number, day or direction)
/// pulls them apart. At <see cref="Threshold"/> and above they are the same story.</summary>
public sealed class SameStory(TermStatistics statistics)
{
    /// <summary>The shipped threshold: the best F1 on human-scored pairs of news headlines and sentences
    /// (README, "Same story").</summary>
    public const double Threshold = 0.5;

    /// <summary>The similarity of two analyzed items, in [0, 1].</summary>
    public double Score(AnalyzedItem a, AnalyzedItem b)
    {
        // Both term arrays are sorted by term number: one merge walk.
        var (x, y) = (a.Similarity, b.Similarity);
        double dot = 0, normX = 0, normY = 0;
        int i = 0, j = 0;
        while (i < x.Length || j < y.Length)
        {
            if (j == y.Length || (i < x.Length && x[i].Term < y[j].Term))
                normX += Square(x[i++].Term);
            else if (i == x.Length || y[j].Term < x[i].Term)
                normY += Square(y[j++].Term);
            else
            {
                var square = Square(x[i].Term);
                (dot, normX, normY) = (dot + square, normX + square, normY + square);
                (i, j) = (i + 1, j + 1);
            }
        }
        return normX == 0 || normY == 0 ? 0 : Math.Min(1, dot / Math.Sqrt(normX * normY));
    }

    public bool Same(AnalyzedItem a, AnalyzedItem b) => Score(a, b) >= Threshold;

    double Square(int term)
    {
        double idf = statistics.Idf(term);
        return idf * idf;
    }
}
