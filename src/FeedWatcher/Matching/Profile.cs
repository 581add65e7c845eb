namespace FeedWatcher.Matching;

/// <summary>What a watch compares items with: its seed, and what it learnt (Rocchio's relevance feedback, as query
/// expansion). Each confident hit that names the watch's keywords adds its terms, and each reader's judgement adds
/// (relevant) or takes away (not relevant) the judged item's terms, as a unit-length vector of saturated term
/// frequencies. The strongest <see cref="MaxLearnt"/> learnt words the seed does not have join the query at the
/// seed's own length, so the seed stays half of it however much is learnt. Words judged against weigh less among
/// the learnt ones and may drop out of them; the seed's own weights never change.</summary>
sealed class Profile(Dictionary<int, float> seed)
{
    /// <summary>How many learnt terms join the query: the strongest.</summary>
    public const int MaxLearnt = 100;

    // How much the learnt part weighs against the seed (1: as much).
    const float LearntWeight = 1f;

    readonly Dictionary<int, float> _learnt = [];
    readonly List<(SimilarityTerm[] Terms, float Weight)> _pending = [];
    readonly float _seedLength = MathF.Sqrt(seed.Values.Sum(v => v * v));

    /// <summary>How many confident hits and judgements (relevant, not relevant) it learnt from.</summary>
    public (int ConfidentHits, int Relevant, int NotRelevant) Sources { get; private set; }

    /// <summary>The learnt words that are in the query now, strongest first, with their weights.</summary>
    public IReadOnlyList<(int Term, float Weight)> Learnt() =>
        [.. _learnt.Where(t => t.Value > 0 && !seed.ContainsKey(t.Key)).OrderByDescending(t => t.Value).ThenBy(t => t.Key).Take(MaxLearnt).Select(t => (t.Key, t.Value))];

    /// <summary>Counts an item's terms with the weight given, from the next <see cref="Publish"/> on.</summary>
    public void Add(SimilarityTerm[] terms, float weight)
    {
        lock (_pending) _pending.Add((terms, weight));
    }

    /// <summary>Folds in what was added since the last call; whether anything was.</summary>
    public bool Publish()
    {
        lock (_pending)
        {
            if (_pending.Count == 0) return false;
            foreach (var (terms, weight) in _pending)
            {
                var (confident, relevant, notRelevant) = Sources;
                Sources = weight switch
                {
                    < 0 => (confident, relevant, notRelevant + 1),
                    >= 1 => (confident, relevant + 1, notRelevant),
                    _ => (confident + 1, relevant, notRelevant),
                };
                var length = MathF.Sqrt(terms.Sum(t => WatchSet.Saturate(t.Frequency) * WatchSet.Saturate(t.Frequency)));
                if (length == 0) continue;
                foreach (var (term, tf) in terms)
                    _learnt[term] = _learnt.GetValueOrDefault(term) + weight * WatchSet.Saturate(tf) / length;
            }
            _pending.Clear();
            return true;
        }
    }

    /// <summary>The query: the seed's weights, plus the learnt ones scaled to the seed's length; by term number.</summary>
    public SimilarityTerm[] Query()
    {
        var query = new Dictionary<int, float>(seed);
        // Only words the seed does not have: the seed's own weights stay as the user wrote them, so learning widens the
        // watch to the story's new words, and an item that shares only the seed's old words (a city, a minister) with
        // it scores no higher for what was learnt, lower if anything, as the query grows.
        var strongest = Learnt();
        var length = MathF.Sqrt(strongest.Sum(t => t.Weight * t.Weight));
        if (length > 0)
        {
            foreach (var (term, weight) in strongest)
                query[term] = query.GetValueOrDefault(term) + LearntWeight * _seedLength * weight / length;
        }
        return [.. query.Where(t => t.Value > 0).Select(t => new SimilarityTerm(t.Key, t.Value)).OrderBy(t => t.Term)];
    }
}

/// <summary>Every watch's query, indexed by term for scoring an item against all of them in one walk over its terms.
/// Immutable: replaced whole when a profile learns.</summary>
sealed class QueryIndex
{
    public QueryIndex(SimilarityTerm[][] queries)
    {
        Sorted = queries;
        var byTerm = new Dictionary<int, List<(int, float)>>();
        for (var w = 0; w < queries.Length; w++)
        {
            foreach (var (term, weight) in queries[w])
                (byTerm.TryGetValue(term, out var list) ? list : byTerm[term] = []).Add((w, weight));
        }
        ByTerm = byTerm.ToDictionary(t => t.Key, t => t.Value.ToArray());
        Terms = new TermSet(ByTerm.Keys);
    }

    /// <summary>Each watch's query terms and weights, by ascending term number (empty without a seed).</summary>
    public SimilarityTerm[][] Sorted { get; }

    public Dictionary<int, (int Watch, float Weight)[]> ByTerm { get; }

    public TermSet Terms { get; }

    public int Count => ByTerm.Count;

    (int Documents, float[] Norms) _norms = (-1, []);

    /// <summary>Each query's length with the current document frequencies; recomputed as those grow by 2%.</summary>
    public float[] Norms(TermStatistics statistics)
    {
        var documents = statistics.Documents;
        var cached = _norms;
        if (cached.Documents >= 0 && documents <= cached.Documents * 1.02 + 10)
            return cached.Norms;
        var norms = new float[Sorted.Length];
        for (var w = 0; w < Sorted.Length; w++)
        {
            var sum = 0f;
            foreach (var (term, weight) in Sorted[w])
            {
                var x = weight * statistics.Idf(term);
                sum += x * x;
            }
            norms[w] = MathF.Sqrt(sum);
        }
        _norms = (documents, norms);
        return norms;
    }
}
