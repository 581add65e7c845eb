namespace FeedWatcher.Matching;

/// <summary>What a profile learns from: a confident hit of the watch, a reader's judgement, or a hit the digest held back
/// as like an item judged not relevant (<see cref="Digests.HeldBack"/>), which weighs as a judgement against does.</summary>
public enum Evidence { ConfidentHit, Relevant, NotRelevant, HeldBack }

/// <summary>What a watch compares items with: its seed, and what it learnt (Rocchio's relevance feedback, as query
/// expansion). Each confident hit that names the watch's keywords adds its terms, and each reader's judgement adds
/// (relevant) or takes away (not relevant) the judged item's terms, as does each hit a digest held back as like one judged
/// not relevant; each as a unit-length vector of saturated term frequencies. A confident hit (or a hit held back) that
/// copies one of the <see cref="RecentPieces"/> before it teaches nothing: one report is one piece of evidence. Older
/// evidence fades: each new piece weighs 2^(1/<see cref="HalfLife"/>) times the one before, so a story's words of years
/// ago give way to its words of now. The strongest <see cref="MaxLearnt"/> learnt words the seed does not have join the
/// query at up to the seed's own length, none weighing more than the seed's strongest word, so the seed stays at least
/// half of it however much is learnt. Words judged against weigh less among the learnt ones and may
/// drop out of them; the seed's own weights never change.
/// A pinned word is in the query as a seed word is; a banned word is never learnt.</summary>
sealed class Profile(Dictionary<int, float> seed)
{
    /// <summary>How many learnt terms join the query: the strongest.</summary>
    public const int MaxLearnt = 100;

    /// <summary>After how many pieces of evidence one weighs half as much as the newest.</summary>
    public const int HalfLife = 500;

    // How many learnt words are remembered, the strongest: past twice as many, the weakest are forgotten.
    const int Remembered = 2_000;

    // How much the learnt part weighs against the seed (1: as much).
    const float LearntWeight = 1f;

    static readonly float Growth = MathF.Pow(2, 1f / HalfLife);

    readonly Dictionary<int, LearntWord> _learnt = [];
    // The newest confident hits and hits held back: a copy of one of them teaches nothing new.
    readonly RecentItems _recentHits = new(RecentPieces), _recentHeldBack = new(RecentPieces);
    readonly List<(SimilarityTerm[] Terms, Evidence Kind, long Source)> _pending = [];
    readonly float _seedLength = MathF.Sqrt(seed.Values.Sum(v => v * v));
    readonly float _seedMean = seed.Count == 0 ? 1 : seed.Values.Average();
    readonly float _seedMax = seed.Count == 0 ? 1 : seed.Values.Max();
    // What the newest evidence weighs: grows with each piece instead of every older weight shrinking.
    float _scale = 1;
    bool _changed;
    (IReadOnlySet<int> Pinned, IReadOnlySet<int> Banned) _words = (new HashSet<int>(), new HashSet<int>());

    /// <summary>How many confident hits, judgements (relevant, not relevant) and hits held back it learnt from.</summary>
    public (int ConfidentHits, int Relevant, int NotRelevant, int HeldBack) Sources { get; private set; }

    /// <summary>How many confident hits and hits held back it did not learn from, as copies of one of the
    /// <see cref="RecentPieces"/> before them (<see cref="RecentItems"/>). A reader's judgements always count.</summary>
    public int Copies { get; private set; }

    /// <summary>How many of the newest confident hits (and apart, hits held back) a new one may be a copy of.</summary>
    public const int RecentPieces = 100;

    /// <summary>The words pinned and banned, by term number.</summary>
    public (IReadOnlySet<int> Pinned, IReadOnlySet<int> Banned) Words => _words;

    /// <summary>The learnt words that are in the query now (not the seed's nor the pinned), strongest first, with their weights (the strongest 1)
    /// and what they were learnt from.</summary>
    public IReadOnlyList<(int Term, float Weight, LearntWord From)> Learnt()
    {
        var strongest = _learnt.Where(t => t.Value.Weight > 0 && !seed.ContainsKey(t.Key) && !_words.Banned.Contains(t.Key) && !_words.Pinned.Contains(t.Key))
            .OrderByDescending(t => t.Value.Weight).ThenBy(t => t.Key).Take(MaxLearnt).ToList();
        var top = strongest.Count == 0 ? 1 : strongest[0].Value.Weight;
        return [.. strongest.Select(t => (t.Key, t.Value.Weight / top, t.Value))];
    }

    /// <summary>Counts an item's terms as evidence of the kind given, from the next <see cref="Publish"/> on;
    /// <paramref name="source"/> is the item's number, where it has one.</summary>
    public void Add(SimilarityTerm[] terms, Evidence kind, long source = 0)
    {
        lock (_pending) _pending.Add((terms, kind, source));
    }

    /// <summary>Sets the words pinned and banned; they count from the next <see cref="Publish"/> on.</summary>
    public void SetWords(IReadOnlySet<int> pinned, IReadOnlySet<int> banned)
    {
        lock (_pending)
        {
            if (pinned.SetEquals(_words.Pinned) && banned.SetEquals(_words.Banned)) return;
            (_words, _changed) = ((pinned, banned), true);
        }
    }

    /// <summary>Forgets everything learnt (not the pinned and banned words); scores change from the next <see cref="Publish"/> on.</summary>
    public void Forget()
    {
        lock (_pending)
        {
            _pending.Clear();
            _learnt.Clear();
            _recentHits.Clear();
            _recentHeldBack.Clear();
            (Sources, Copies, _scale, _changed) = (default, 0, 1, true);
        }
    }

    /// <summary>Folds in what was added since the last call; whether the query changed.</summary>
    public bool Publish()
    {
        lock (_pending)
        {
            var changed = _changed || _pending.Count > 0;
            foreach (var (terms, kind, source) in _pending) Fold(terms, kind, source);
            _pending.Clear();
            _changed = false;
            if (_learnt.Count > 2 * Remembered)
            {
                foreach (var term in _learnt.OrderByDescending(t => MathF.Abs(t.Value.Weight)).ThenBy(t => t.Key).Skip(Remembered).Select(t => t.Key).ToList())
                    _learnt.Remove(term);
            }
            return changed;
        }
    }

    void Fold(SimilarityTerm[] terms, Evidence kind, long source)
    {
        if (kind switch { Evidence.ConfidentHit => _recentHits, Evidence.HeldBack => _recentHeldBack, _ => null } is { } recent && recent.IsCopy(terms))
        {
            Copies++;
            return;
        }
        var (confident, relevant, notRelevant, heldBack) = Sources;
        Sources = kind switch
        {
            Evidence.NotRelevant => (confident, relevant, notRelevant + 1, heldBack),
            Evidence.Relevant => (confident, relevant + 1, notRelevant, heldBack),
            Evidence.HeldBack => (confident, relevant, notRelevant, heldBack + 1),
            _ => (confident + 1, relevant, notRelevant, heldBack),
        };
        var length = MathF.Sqrt(terms.Sum(t => WatchSet.Saturate(t.Frequency) * WatchSet.Saturate(t.Frequency)));
        if (length == 0) return;
        _scale *= Growth;
        if (_scale > 1e6f)
        {
            foreach (var term in _learnt.Keys.ToList())
                _learnt[term] = _learnt[term] with { Weight = _learnt[term].Weight / _scale };
            _scale = 1;
        }
        var weight = _scale * kind switch { Evidence.Relevant => Judged, Evidence.NotRelevant or Evidence.HeldBack => -SelfTaught, _ => SelfTaught };
        foreach (var (term, tf) in terms)
        {
            if (_words.Banned.Contains(term)) continue;
            var word = _learnt.GetValueOrDefault(term);
            _learnt[term] = new LearntWord(word.Weight + weight * WatchSet.Saturate(tf) / length,
                word.ConfidentHits + (kind == Evidence.ConfidentHit ? 1 : 0), word.Relevant + (kind == Evidence.Relevant ? 1 : 0),
                word.NotRelevant + (kind == Evidence.NotRelevant ? 1 : 0), source == 0 || kind is Evidence.NotRelevant or Evidence.HeldBack ? word.LastSource : source,
                word.HeldBack + (kind == Evidence.HeldBack ? 1 : 0));
        }
    }

    /// <summary>What a confident hit and a judgement weigh: a judgement twice a confident hit, against it (or a hit held back)
    /// once.</summary>
    const float SelfTaught = 0.5f, Judged = 1f;

    /// <summary>The query: the seed's weights, the pinned words at the seed's mean weight, and the learnt ones scaled
    /// to the seed's length, each held at the seed's strongest word's weight; by term number.</summary>
    public SimilarityTerm[] Query()
    {
        var query = new Dictionary<int, float>(seed);
        foreach (var term in _words.Pinned)
            query[term] = Math.Max(query.GetValueOrDefault(term), _seedMean);
        // Only words the seed does not have: the seed's own weights stay as the user wrote them, so learning widens the
        // watch to the story's new words, and an item that shares only the seed's old words (a city, a minister) with
        // it scores no higher for what was learnt, lower if anything, as the query grows. No learnt word weighs more than
        // the seed's strongest: the few words of the first hits would otherwise each outweigh the seed's, and one of them
        // alone would put an item of another story far above the usual similarity.
        var strongest = Learnt();
        var length = MathF.Sqrt(strongest.Sum(t => t.Weight * t.Weight));
        if (length > 0)
        {
            foreach (var (term, weight, _) in strongest)
                query[term] = query.GetValueOrDefault(term) + Math.Min(_seedMax, LearntWeight * _seedLength * weight / length);
        }
        return [.. query.Where(t => t.Value > 0).Select(t => new SimilarityTerm(t.Key, t.Value)).OrderBy(t => t.Term)];
    }
}

/// <summary>A learnt word's weight (newest evidence 1 at the time), how many confident hits and judgements taught it, the
/// last item that did (0 when unknown), and how many hits held back had it.</summary>
readonly record struct LearntWord(float Weight, int ConfidentHits, int Relevant, int NotRelevant, long LastSource, int HeldBack = 0);

/// <summary>Every watch's query, indexed by term for scoring an item against all of them in one walk over its terms.
/// Immutable: replaced whole when a profile learns.</summary>
sealed class QueryIndex
{
    /// <summary>The queries of the profiles given (none for a watch without a seed).</summary>
    public static QueryIndex Of(Profile?[] profiles) =>
        new([.. profiles.Select(p => p?.Query() ?? [])], [.. profiles.Select(p => p?.Learnt().ToDictionary(t => t.Term, t => t.From) ?? [])]);

    public QueryIndex(SimilarityTerm[][] queries, Dictionary<int, LearntWord>[] learnt)
    {
        Sorted = queries;
        Learnt = learnt;
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

    /// <summary>Each watch's learnt words in its query, with what they were learnt from.</summary>
    public Dictionary<int, LearntWord>[] Learnt { get; }

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
