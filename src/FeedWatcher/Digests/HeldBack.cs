namespace FeedWatcher.Digests;

/// <summary>What a reader's judgements keep out of the digest ("fewer like this"): a hit whose title means nearly what
/// the title of an item judged not relevant for the same watch means (the cosine of their sentence embeddings at least
/// <see cref="MinSimilarity"/>), and means it by at least <see cref="Margin"/> more than any item judged relevant does.
/// It is the one way a judgement keeps out an item that names a keyword: another Taliban attack after one was judged
/// not relevant, but not a peace talk held beside it. The hit stays a hit, on the watch's page and in
/// <c>feedwatcher hits</c>; the digest counts it and carries it, so that it is not offered again.</summary>
public static class HeldBack
{
    public const double MinSimilarity = 0.65, Margin = 0.1;

    /// <summary>An item judged for a watch: its number, the verdict, and its title's embedding.</summary>
    public sealed record Judged(long ItemId, bool Relevant, float[] Meaning);

    /// <summary>The item judged not relevant that a hit whose title means <paramref name="meaning"/> is held back for;
    /// null when it is not held back.</summary>
    public static Judged? For(float[] meaning, IEnumerable<Judged> judged)
    {
        Judged? against = null;
        double nearestAgainst = 0, nearestFor = 0;
        foreach (var item in judged)
        {
            var similarity = SentenceEmbeddings.Similarity(meaning, item.Meaning);
            if (item.Relevant) nearestFor = Math.Max(nearestFor, similarity);
            else if (against is null || similarity > nearestAgainst) (against, nearestAgainst) = (item, similarity);
        }
        return against is not null && nearestAgainst >= MinSimilarity && nearestAgainst - nearestFor >= Margin ? against : null;
    }
}
