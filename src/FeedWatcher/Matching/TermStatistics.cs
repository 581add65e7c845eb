namespace FeedWatcher.Matching;

/// <summary>Document frequencies learnt from the items FeedWatcher has seen, so that common words weigh little
/// in seed similarity: each item counts once for each of its similarity terms.
/// <para>What is observed counts from the next <see cref="Publish"/> on: the worker publishes between poll cycles,
/// so every item of a cycle is weighed by the same figures, whatever order its feeds answered in.</para>
/// <para>Safe to share between threads: counts live in fixed blocks indexed by term number, which never move, so no
/// count is lost while the table grows.</para></summary>
public sealed class TermStatistics
{
    const int BlockBits = 16, BlockSize = 1 << BlockBits;
    // Room for twice the vocabulary's limit: terms numbered past it for watches are counted too.
    const int Blocks = 2 * Vocabulary.MaxTerms / BlockSize;
    readonly int[]?[] _published = new int[]?[Blocks], _pending = new int[]?[Blocks];
    readonly Lock _publishing = new();
    int _documents, _pendingDocuments;

    /// <summary>How many items count, as of the last <see cref="Publish"/>.</summary>
    public int Documents => Volatile.Read(ref _documents);

    /// <summary>Counts one item, given its distinct similarity terms, from the next <see cref="Publish"/> on.</summary>
    public void Observe(ReadOnlySpan<SimilarityTerm> terms)
    {
        foreach (var (term, _) in terms)
        {
            if (term < 0 || term >> BlockBits >= Blocks) continue;
            var block = Volatile.Read(ref _pending[term >> BlockBits]) ?? NewBlock(_pending, term >> BlockBits);
            Interlocked.Increment(ref block[term & (BlockSize - 1)]);
        }
        Interlocked.Increment(ref _pendingDocuments);
    }

    /// <summary>Makes the items observed since the last call count.</summary>
    public void Publish()
    {
        lock (_publishing)
        {
            Fold(_pending, _published);
            Interlocked.Add(ref _documents, Interlocked.Exchange(ref _pendingDocuments, 0));
        }
    }

    static void Fold(int[]?[] pendingBlocks, int[]?[] publishedBlocks)
    {
        for (var b = 0; b < Blocks; b++)
        {
            if (Volatile.Read(ref pendingBlocks[b]) is not { } pending) continue;
            var published = Volatile.Read(ref publishedBlocks[b]) ?? NewBlock(publishedBlocks, b);
            for (var i = 0; i < BlockSize; i++)
            {
                if (pending[i] != 0 && Interlocked.Exchange(ref pending[i], 0) is var count and not 0)
                    Interlocked.Add(ref published[i], count);
            }
        }
    }

    /// <summary>In how many items the term numbered <paramref name="term"/> occurred.</summary>
    public int DocumentFrequency(int term) => Count(_published, term);

    static int Count(int[]?[] blocks, int term) =>
        term >= 0 && term >> BlockBits < Blocks && Volatile.Read(ref blocks[term >> BlockBits]) is { } block
            ? Volatile.Read(ref block[term & (BlockSize - 1)])
            : 0;

    /// <summary>BM25's inverse document frequency: high for rare terms, near zero for terms in most items.</summary>
    public float Idf(int term) => Idf(Documents, DocumentFrequency(term));

    /// <summary>The inverse document frequency of a term of an item being scored, as if the item were counted: its
    /// own words are not unseen, whichever items were counted before it.</summary>
    public float IdfWithItem(int term) => Idf(Documents + 1, DocumentFrequency(term) + 1);

    static float Idf(int n, int df)
    {
        df = Math.Min(df, n);
        return MathF.Log(1 + (n - df + 0.5f) / (df + 0.5f));
    }

    static int[] NewBlock(int[]?[] blocks, int index)
    {
        Interlocked.CompareExchange(ref blocks[index], new int[BlockSize], null);
        return blocks[index]!;
    }
}
