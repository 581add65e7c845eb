using System.Collections.Concurrent;

namespace FeedWatcher.Matching;

/// <summary>Document frequencies learnt from the items FeedWatcher has seen, so that common words weigh little
/// in seed similarity: each item counts once for each of its similarity terms. Safe to share between threads.</summary>
public sealed class TermStatistics
{
    readonly ConcurrentDictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    int _documents;
    const int MaxTerms = 1_000_000;

    /// <summary>How many items have been counted.</summary>
    public int Documents => Volatile.Read(ref _documents);

    /// <summary>Counts one item.</summary>
    public void Observe(IEnumerable<string> terms)
    {
        foreach (var term in terms)
            _documentFrequency.AddOrUpdate(term, 1, static (_, n) => n + 1);
        // Counting a concurrent dictionary takes all its locks: the size is checked now and then only.
        if (Interlocked.Increment(ref _documents) % 4096 == 0 && _documentFrequency.Count > MaxTerms)
            Prune();
    }

    /// <summary>BM25's inverse document frequency: high for rare terms, near zero for terms in most items.</summary>
    public float Idf(string term)
    {
        var n = Documents;
        var df = Math.Min(_documentFrequency.GetValueOrDefault(term), n);
        return MathF.Log(1 + (n - df + 0.5f) / (df + 0.5f));
    }

    // Terms seen once (misspellings, numbers, one-off names) go first when the table is full.
    void Prune()
    {
        foreach (var (term, count) in _documentFrequency)
        {
            if (count <= 1) _documentFrequency.TryRemove(term, out _);
        }
    }
}
