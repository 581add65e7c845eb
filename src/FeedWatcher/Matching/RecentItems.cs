namespace FeedWatcher.Matching;

/// <summary>The newest items learnt from, to tell a copy: the same report published again by another outlet (a wire
/// story in every paper that runs it). A copy teaches nothing new, and counted again it would make one story's words
/// common in the document frequencies, raise the watches' usual similarity, and weigh in a watch's profile as many
/// times as it was published. An item is a copy when the cosine of its saturated term frequencies and those of one of
/// the last <c>capacity</c> items is at least <see cref="CopyCosine"/>. Candidates are the items that share one of its
/// <c>keys</c> rarest terms (all of them when no rarity is given): a copy shares its original's rare words.
/// Safe to share between threads.</summary>
sealed class RecentItems(int capacity, int keys = int.MaxValue)
{
    /// <summary>From this cosine on, a later item is a copy of an earlier one.</summary>
    public const float CopyCosine = 0.85f;

    readonly (int[] Terms, float[] Weights, int[] Keys)?[] _items = new (int[], float[], int[])?[capacity];
    readonly Dictionary<int, List<int>> _byKey = [];
    readonly Lock _gate = new();
    int _next;

    /// <summary>Whether the item of <paramref name="terms"/> (sorted by term) is a copy of one remembered; if not, it is
    /// remembered, in place of the oldest. <paramref name="rarity"/> orders terms, rarest first (a document frequency).</summary>
    public bool IsCopy(ReadOnlySpan<SimilarityTerm> terms, Func<int, int>? rarity = null)
    {
        if (terms.IsEmpty) return false;
        var (ids, weights) = (new int[terms.Length], new float[terms.Length]);
        var length = 0f;
        for (var i = 0; i < terms.Length; i++)
        {
            ids[i] = terms[i].Term;
            weights[i] = WatchSet.Saturate(terms[i].Frequency);
            length += weights[i] * weights[i];
        }
        length = MathF.Sqrt(length);
        for (var i = 0; i < weights.Length; i++) weights[i] /= length;
        var itemKeys = keys >= ids.Length || rarity is null ? ids : Rarest(ids, rarity, keys);
        lock (_gate)
        {
            foreach (var key in itemKeys)
            {
                if (!_byKey.TryGetValue(key, out var slots)) continue;
                foreach (var slot in slots)
                {
                    if (_items[slot] is { } earlier && Cosine(ids, weights, earlier.Terms, earlier.Weights) >= CopyCosine) return true;
                }
            }
            var at = _next++ % capacity;
            if (_items[at] is { } oldest)
            {
                foreach (var key in oldest.Keys)
                {
                    var slots = _byKey[key];
                    slots.Remove(at);
                    if (slots.Count == 0) _byKey.Remove(key);
                }
            }
            _items[at] = (ids, weights, itemKeys);
            foreach (var key in itemKeys)
                (_byKey.TryGetValue(key, out var slots) ? slots : _byKey[key] = []).Add(at);
            return false;
        }
    }

    /// <summary>Forgets every item.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            Array.Clear(_items);
            _byKey.Clear();
            _next = 0;
        }
    }

    // The count rarest of the terms, kept in order as the terms go by. Where they are as rare (before any are counted,
    // all of them), the newer word first: words are numbered as they are first met, the common ones early.
    static int[] Rarest(int[] terms, Func<int, int> rarity, int count)
    {
        var (best, ranks) = (new int[count], new int[count]);
        var found = 0;
        foreach (var term in terms)
        {
            var rank = rarity(term);
            var at = found;
            while (at > 0 && rank <= ranks[at - 1]) at--; // terms come in ascending order: an equal rank goes ahead
            if (at == count) continue;
            if (found < count) found++;
            for (var i = found - 1; i > at; i--) (best[i], ranks[i]) = (best[i - 1], ranks[i - 1]);
            (best[at], ranks[at]) = (term, rank);
        }
        return best;
    }

    // Unit vectors over sorted terms: one walk over both.
    static float Cosine(int[] aTerms, float[] a, int[] bTerms, float[] b)
    {
        var (i, j, dot) = (0, 0, 0f);
        while (i < aTerms.Length && j < bTerms.Length)
        {
            if (aTerms[i] == bTerms[j]) dot += a[i++] * b[j++];
            else if (aTerms[i] < bTerms[j]) i++;
            else j++;
        }
        return dot;
    }
}
