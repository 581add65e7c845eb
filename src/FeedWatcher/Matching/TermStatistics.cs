namespace FeedWatcher.Matching;

/// <summary>Document frequencies learnt from the items FeedWatcher has seen, so that common words weigh little
/// in seed similarity: each item counts once for each of its similarity terms. Safe to share between threads:
/// counts live in fixed blocks indexed by term number, which never move, so no count is lost while the table
/// grows.</summary>
public sealed class TermStatistics
{
    const int BlockBits = 16, BlockSize = 1 << BlockBits;
    // Room for twice the vocabulary's limit: terms numbered past it for watches are counted too.
    readonly int[]?[] _blocks = new int[]?[2 * Vocabulary.MaxTerms / BlockSize];
    int _documents;

    /// <summary>How many items have been counted.</summary>
    public int Documents => Volatile.Read(ref _documents);

    /// <summary>Counts one item, given its distinct similarity terms.</summary>
    public void Observe(ReadOnlySpan<SimilarityTerm> terms)
    {
        foreach (var (term, _) in terms)
        {
            if (term < 0 || term >> BlockBits >= _blocks.Length) continue;
            var block = Volatile.Read(ref _blocks[term >> BlockBits]) ?? NewBlock(term >> BlockBits);
            Interlocked.Increment(ref block[term & (BlockSize - 1)]);
        }
        Interlocked.Increment(ref _documents);
    }

    /// <summary>In how many items the term numbered <paramref name="term"/> occurred.</summary>
    public int DocumentFrequency(int term) =>
        term >= 0 && term >> BlockBits < _blocks.Length && Volatile.Read(ref _blocks[term >> BlockBits]) is { } block
            ? Volatile.Read(ref block[term & (BlockSize - 1)])
            : 0;

    /// <summary>BM25's inverse document frequency: high for rare terms, near zero for terms in most items.</summary>
    public float Idf(int term)
    {
        var n = Documents;
        var df = Math.Min(DocumentFrequency(term), n);
        return MathF.Log(1 + (n - df + 0.5f) / (df + 0.5f));
    }

    int[] NewBlock(int index)
    {
        Interlocked.CompareExchange(ref _blocks[index], new int[BlockSize], null);
        return _blocks[index]!;
    }
}
