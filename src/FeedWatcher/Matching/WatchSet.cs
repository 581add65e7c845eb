namespace FeedWatcher.Matching;

/// <summary>The compiled watches of one configuration, scoring an item against all of them in one pass over
/// its terms: an inverted index from term to the watches that use it finds the few watches worth evaluating
/// and accumulates every seed similarity at once.
/// <para>Score in [0, 1]: with a seed, <c>0.3 keywords + 0.7 seed</c>; without, the keyword part alone. The
/// keyword part is <c>1 - prod(1 - s)</c> over the keywords (and query) found, s = 0.7 in the title, 0.45 in
/// the summary. The seed part starts from the cosine similarity of item and seed (BM25 term weights, document
/// frequencies from <see cref="TermStatistics"/>, aliases as one term) and measures how far it stands above
/// the watch's usual similarity, in standard deviations over the items seen that share a term with the seed
/// (the score normalization of TDT topic tracking), reaching 1 at 6, and at most the cosine over 0.2 (where the usual
/// is next to nothing, one shared word stands many deviations up). Until <see cref="MinItems"/> items are known,
/// words cannot be weighed and the seed part is 0. A keyword (or the query) found is what the user asked for and
/// makes a hit on its own: with a seed, its score is at least the watch's MinScore, and the seed ranks it above
/// that. A query not satisfied or an exclusion found makes the score 0, and so do no keywords found in a watch with
/// no seed.</para>
/// <para>What is learnt from an item counts from the next <see cref="Publish"/> on, so the items of one poll cycle
/// are scored alike in any order. A hit that names a watch's keywords is the story the user asked for, not the
/// background it is measured against: it does not count in the document frequencies, and hits weigh at most a
/// tenth of the usual similarity. So a story that floods the news neither makes its own words common nor raises
/// its own bar. Nor does one report printed by many outlets: a copy of an item learnt from before counts nowhere
/// (<see cref="RecentItems"/>).</para></summary>
public sealed class WatchSet : IWatchMatcher
{
    public const double KeywordWeight = 0.3, SeedWeight = 0.7, FullSimilarity = 0.4, InTitle = 0.7, InSummary = 0.45;
    const float K1 = 1.2f;

    readonly CompiledWatch[] _watches;
    readonly Dictionary<int, int[]> _watchesByTerm = [];
    readonly TermSet _watchTerms;
    readonly double[] _maxKeywords;
    // What items are compared with: each watch's seed, and what the watch learnt from its hits and its reader.
    QueryIndex _queries;
    readonly Profile?[] _profiles;
    // Each watch's pinned and banned words as written: the configuration's and the user's.
    readonly (string[] Pinned, string[] Banned)[] _words;
    readonly HashSet<string> _multiWordKeywords;
    readonly int[] _always;
    readonly TermStatistics _statistics;
    // The newest items learnt from, by their three rarest terms: a copy of one of them is not learnt from again.
    readonly RecentItems _recent = new(RecentWindow, keys: 3);
    readonly Func<int, int> _rarity;
    readonly Lock _similarityGate = new();
    // Per watch, the similarities of the items seen, the keyword hits apart from the others, and what the current
    // cycle added to each; and from them, at each publication, the usual similarity. Read without the lock: it
    // changes only between cycles.
    readonly Moments[] _others, _hits, _pendingOthers, _pendingHits, _usual;

    public WatchSet(IEnumerable<CompiledWatch> watches, AliasTable aliases, TermStatistics statistics)
    {
        _watches = [.. watches];
        Aliases = aliases;
        _statistics = statistics;
        _rarity = statistics.DocumentFrequency;
        var byTerm = new Dictionary<int, List<int>>();
        for (var w = 0; w < _watches.Length; w++)
        {
            foreach (var term in _watches[w].Terms)
                (byTerm.TryGetValue(term, out var list) ? list : byTerm[term] = []).Add(w);
        }
        foreach (var (term, list) in byTerm) _watchesByTerm[term] = [.. list];
        _watchTerms = new TermSet(_watchesByTerm.Keys);
        _profiles = [.. _watches.Select(w => w.Seed is null ? null : new Profile(w.Seed.ToDictionary(t => t.Key, t => Saturate(t.Value))))];
        _words = [.. _watches.Select(_ => (Array.Empty<string>(), Array.Empty<string>()))];
        foreach (var watch in _watches) SetWords(watch.Name, [], []);
        _queries = QueryIndex.Of(_profiles);
        // The most the keyword part can be: every keyword (and the query) found in the title.
        _maxKeywords = [.. _watches.Select(w => 1 - Math.Pow(1 - InTitle, w.Keywords.Count + (w.Query is null ? 0 : 1)))];
        _multiWordKeywords = [.. _watches.SelectMany(w => w.Keywords).Select(k => k.Text).Where(t => AliasTable.Analyze(t).Length > 1)];
        _always = [.. Enumerable.Range(0, _watches.Length).Where(w => _watches[w].EvaluateAlways)];
        (_others, _hits) = (new Moments[_watches.Length], new Moments[_watches.Length]);
        (_pendingOthers, _pendingHits) = (new Moments[_watches.Length], new Moments[_watches.Length]);
        _usual = new Moments[_watches.Length];
    }

    public IReadOnlyList<CompiledWatch> Watches => _watches;

    public AliasTable Aliases { get; }

    public TermStatistics Statistics => _statistics;

    public AnalyzedItem Analyze(ItemText item) => new(item.Title, item.Summary, Aliases);

    /// <summary>Counts a new item: its terms in the document frequencies unless it is a keyword hit, and its
    /// similarity to each seed in that watch's running mean and deviation, which seed similarity is measured against.
    /// A copy of one of the last <see cref="RecentWindow"/> items learnt (another outlet's print of the same report)
    /// counts nowhere: one story is one piece of evidence however many feeds run it. Counts from the next
    /// <see cref="Publish"/> on.</summary>
    public void Learn(AnalyzedItem item)
    {
        if (_recent.IsCopy(item.Similarity, _rarity)) return;
        // Similarities measured while words could not be weighed yet would skew the usual similarity for good.
        var weighed = _statistics.Documents >= MinItems;
        if (!item.IsKeywordHit) _statistics.Observe(item.Similarity);
        if (_queries.Count == 0 || !weighed) return;
        foreach (var w in LearnsFromOwnHits ? item.Confident ?? [] : [])
            _profiles[w]?.Add(item.Similarity, Evidence.ConfidentHit);
        // The similarities computed when the item was matched, if it was, with the same watches.
        var similarities = item.Similarities is { } known && ReferenceEquals(known.Watches, this) ? known.Values : Similarities(item, []);
        var pending = item.IsKeywordHit ? _pendingHits : _pendingOthers;
        lock (_similarityGate)
        {
            for (var w = 0; w < _watches.Length; w++)
            {
                if (_watches[w].Seed is not null && similarities[w] > 0) // items sharing no term are not the comparison
                    pending[w] = pending[w].Add(similarities[w]);
            }
        }
    }

    /// <summary>Makes what was learnt since the last call count in scores: the worker calls it after each poll cycle.</summary>
    public void Publish()
    {
        _statistics.Publish();
        var learnt = false;
        foreach (var profile in _profiles) learnt |= profile?.Publish() == true;
        if (learnt) Volatile.Write(ref _queries, QueryIndex.Of(_profiles));
        lock (_similarityGate)
        {
            for (var w = 0; w < _watches.Length; w++)
            {
                if (_pendingOthers[w].Count == 0 && _pendingHits[w].Count == 0) continue;
                (_others[w], _pendingOthers[w]) = (_others[w].Merge(_pendingOthers[w]), default);
                (_hits[w], _pendingHits[w]) = (_hits[w].Merge(_pendingHits[w]), default);
                // Keyword hits count in full up to a tenth of the whole, so that a story flooding the news cannot raise its own bar.
                var hitWeight = _hits[w].Count == 0 ? 0 : Math.Min(1, MaxHitShare / (1 - MaxHitShare) * _others[w].Count / _hits[w].Count);
                _usual[w] = _others[w].Merge(_hits[w], hitWeight);
            }
        }
    }

    const double MaxHitShare = 0.1;

    /// <summary>Teaches the watch named what an item is: a confident hit, judged relevant or not by a reader, or held back
    /// from a digest as like one judged not (what the item shares with those weighs more, or less). Counts from the next
    /// <see cref="Publish"/> on.</summary>
    public void Teach(string watch, AnalyzedItem item, Evidence kind, long source = 0)
    {
        if (IndexOf(watch) is { } w) _profiles[w]?.Add(item.Similarity, kind, source);
    }

    /// <summary>The words a user pinned (always in the watch's query, as seed words are) and banned (never learnt)
    /// besides those of the configuration; from the next <see cref="Publish"/> on.</summary>
    public void SetWords(string watch, IEnumerable<string> pinned, IEnumerable<string> banned)
    {
        if (IndexOf(watch) is not { } w || _profiles[w] is null) return;
        var words = (Pinned: _watches[w].Pinned.Concat(pinned).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            Banned: _watches[w].Banned.Concat(banned).Distinct(StringComparer.OrdinalIgnoreCase).ToArray());
        _words[w] = words;
        _profiles[w]!.SetWords(TermsOf(words.Pinned), TermsOf(words.Banned));
    }

    HashSet<int> TermsOf(IEnumerable<string> words) =>
        [.. words.SelectMany(word => new AnalyzedItem(word, "", Aliases).Similarity.Select(t => t.Term))];

    /// <summary>Forgets what the watch named learnt, from the next <see cref="Publish"/> on.</summary>
    public void Forget(string watch)
    {
        if (IndexOf(watch) is { } w) _profiles[w]?.Forget();
    }

    /// <summary>What the watch named learnt: its strongest learnt words, with their weights (the strongest 1) and
    /// sources, and how many confident hits and judgements it learnt from; its pinned and banned words as written; null
    /// for a watch without a seed. A word is spelled as its last source item spells it, where
    /// <paramref name="sources"/> has that item's text.</summary>
    public LearntProfile? LearntBy(string watch, IReadOnlyDictionary<long, ItemText>? sources = null)
    {
        if (IndexOf(watch) is not { } w || _profiles[w] is not { } profile) return null;
        var (confident, relevant, notRelevant, heldBack) = profile.Sources;
        string Name(int term, long source) => sources is not null && sources.TryGetValue(source, out var text)
            ? Display(term, Analyze(text)) : Aliases.NameOf(Vocabulary.TermOf(term));
        return new LearntProfile(_watches[w].Name,
            [.. profile.Learnt().Select(t => new LearntProfile.Word(Name(t.Term, t.From.LastSource), Math.Round(t.Weight, 3), t.From.ConfidentHits, t.From.Relevant, t.From.NotRelevant, t.From.LastSource, t.From.HeldBack))],
            confident, relevant, notRelevant, _words[w].Pinned, _words[w].Banned, heldBack) { Copies = profile.Copies };
    }

    int? IndexOf(string watch) => Array.FindIndex(_watches, x => x.Name.Equals(watch, StringComparison.OrdinalIgnoreCase)) is var w and >= 0 ? w : null;

    /// <summary>Whether the watches learn from their confident hits as they match them (the backtest); the worker's learn
    /// from the hits stored by every instance instead, through <see cref="Teach"/>.</summary>
    public bool LearnsFromOwnHits { get; set; } = true;

    /// <summary>The score from which a hit that names the watch's keywords teaches the watch its words.</summary>
    public const double LearnFrom = 0.6;

    /// <summary>The cosine similarity of the item to every watch's seed, in one walk over the item's terms;
    /// marks the watches whose seed shares a term with the item.</summary>
    float[] Similarities(AnalyzedItem item, Span<byte> candidates)
    {
        var dot = new float[_watches.Length];
        var itemNorm = 0f;
        var queries = Volatile.Read(ref _queries);
        foreach (var (term, tf) in item.Similarity)
        {
            var idf = _statistics.IdfWithItem(term);
            var weight = Saturate(tf) * idf;
            itemNorm += weight * weight;
            if (queries.Terms.Contains(term) && queries.ByTerm.TryGetValue(term, out var seeds))
            {
                foreach (var (w, seedTf) in seeds)
                {
                    dot[w] += weight * seedTf * idf;
                    if (!candidates.IsEmpty) candidates[w] |= SeedCandidate;
                }
            }
        }
        var norms = queries.Norms(_statistics);
        for (var w = 0; w < dot.Length; w++)
            dot[w] = norms[w] == 0 || itemNorm == 0 ? 0 : dot[w] / (MathF.Sqrt(itemNorm) * norms[w]);
        return dot;
    }

    /// <summary>The seed part of the score: how far the similarity stands above the watch's usual similarity to
    /// items (in standard deviations, 1 at <see cref="FullDeviations"/>) but no more than the similarity itself allows
    /// (1 at <see cref="FullSimilarityAboveUsual"/>), once enough items have been seen; before that, the similarity
    /// itself (1 at <see cref="FullSimilarity"/>), and 0 while words cannot be weighed.</summary>
    double SeedPart(int watch, float similarity)
    {
        if (_statistics.Documents < MinItems) return 0;
        // The item counts among the items it is compared with, as its words count in their weights.
        var usual = similarity > 0 ? _usual[watch].Add(similarity) : _usual[watch];
        if (usual.Count < MinItems) return Math.Min(1, similarity / FullSimilarity);
        // Far above the usual similarity says little where the usual is next to nothing: in a stream with nothing of
        // the story, one word shared with the seed ("extended", "China") stands many deviations up.
        var aboveUsual = (similarity - usual.Mean) / (Math.Max(usual.Deviation, 1e-4) * FullDeviations);
        return Math.Clamp(Math.Min(aboveUsual, similarity / FullSimilarityAboveUsual), 0, 1);
    }

    public const double FullDeviations = 6;

    /// <summary>The similarity from which the seed part can be whole, once the usual similarity is known: an item
    /// that names no keyword is a hit only from a cosine of <c>MinScore / SeedWeight</c> times this (0.086 at 0.3).</summary>
    public const double FullSimilarityAboveUsual = 0.2;

    /// <summary>How many items must be known before the seed scores (they weigh its words), and how many comparable
    /// ones before its usual similarity is trusted.</summary>
    public const int MinItems = 50;

    /// <summary>How many of the newest items learnt from a new one may be a copy of.</summary>
    public const int RecentWindow = 5_000;

    public IReadOnlyList<WatchMatch> Match(AnalyzedItem item, string? feedUrl = null) => Score(item, feedUrl, includeMisses: false);

    /// <summary>The item's score for each watch it could match (every watch, with <paramref name="includeMisses"/>).</summary>
    public IReadOnlyList<WatchMatch> Score(AnalyzedItem item, string? feedUrl, bool includeMisses)
    {
        if (!ReferenceEquals(item.Aliases, Aliases))
            item = new AnalyzedItem(item.Title, item.Summary, Aliases); // analyzed before a reload
        // Watches whose keywords or query can match: one of their terms is in the item.
        var candidates = _watches.Length <= 4096 ? stackalloc byte[_watches.Length] : new byte[_watches.Length];
        foreach (var w in _always) candidates[w] = KeywordCandidate;
        foreach (var token in item.Tokens)
        {
            if (_watchTerms.Contains(token.Id) && _watchesByTerm.TryGetValue(token.Id, out var watches))
                foreach (var w in watches) candidates[w] = KeywordCandidate;
        }

        // Seed similarity for every watch at once: one walk over the item's similarity terms.
        float[]? similarities = null;
        if (_queries.Count > 0)
        {
            similarities = Similarities(item, candidates);
            item.Similarities = (this, similarities);
        }

        var matches = new List<WatchMatch>();
        for (var w = 0; w < _watches.Length; w++)
        {
            var watch = _watches[w];
            if (candidates[w] == 0)
            {
                if (includeMisses && watch.InScope(feedUrl)) matches.Add(Miss(watch, "no keyword or seed term found"));
                continue;
            }
            if (!watch.InScope(feedUrl)) continue;
            var seed = watch.Seed is null ? 0 : SeedPart(w, similarities![w]);
            // The best score the keywords could give is short of the minimum, and none is found (which would make a
            // hit whatever the score): the watch is not evaluated. Finding none is checked without collecting hits.
            var keywordCandidate = (candidates[w] & KeywordCandidate) != 0;
            if (!includeMisses && watch.Seed is not null
                && Math.Round((keywordCandidate ? KeywordWeight * _maxKeywords[w] : 0) + SeedWeight * seed, 4) < watch.MinScore
                && !(keywordCandidate && AnyKeywordFound(watch, item)))
                continue;
            var match = Evaluate(w, item, seed, includeMisses);
            if (match is null) continue;
            matches.Add(match);
            if (match.IsHit && match.Explanation.Matched.Count > 0)
            {
                item.IsKeywordHit = true;
                if (match.Score >= LearnFrom) (item.Confident ??= []).Add(w);
            }
        }
        return matches;
    }

    const byte KeywordCandidate = 1, SeedCandidate = 2;

    // Whether the query is satisfied or, without one, a keyword is found: what Evaluate finds, without its allocations.
    static bool AnyKeywordFound(CompiledWatch watch, AnalyzedItem item)
    {
        if (watch.Query is not null) return watch.Query.Evaluate(item, null);
        foreach (var (_, keyword) in watch.Keywords)
        {
            if (keyword.Evaluate(item, null)) return true;
        }
        return false;
    }

    // Null for a miss that is not wanted: explanations are only built for what is shown.
    WatchMatch? Evaluate(int w, AnalyzedItem item, double seed, bool includeMisses)
    {
        var watch = _watches[w];
        foreach (var (text, node) in watch.Excludes)
        {
            if (node.Evaluate(item, null))
                return includeMisses ? Miss(watch, null, text) : null;
        }
        var found = new List<TermHit>();
        if (watch.Query is not null && !watch.Query.Evaluate(item, found))
            return includeMisses ? Miss(watch, "query not satisfied") : null;
        var missing = 1.0;
        if (watch.Query is not null)
            missing *= 1 - Strength(found, 0);
        foreach (var (text, keyword) in watch.Keywords)
        {
            var start = found.Count;
            if (!keyword.Evaluate(item, found)) continue;
            missing *= 1 - Strength(found, start);
            // Words of a keyword found near each other are reported as the keyword.
            for (var i = start; i < found.Count; i++)
            {
                if (found[i].Term != text && _multiWordKeywords.Contains(text) && !text.Equals(found[i].Found, StringComparison.OrdinalIgnoreCase))
                    found[i] = found[i] with { Term = text, Found = text };
            }
        }
        var keywords = 1 - missing;
        if (watch.Seed is null && found.Count == 0)
            return includeMisses ? Miss(watch, "no keyword found") : null;
        var score = Math.Round(watch.Seed is null ? keywords : KeywordWeight * keywords + SeedWeight * seed, 4);
        // What the user asked for explicitly is a hit whatever the seed says: the seed ranks, it does not veto.
        var byKeyword = watch.Seed is not null && found.Count > 0 && score < watch.MinScore;
        if (byKeyword) score = watch.MinScore;
        if (score < watch.MinScore && !includeMisses)
            return null;
        var (seedTerms, learntTerms) = watch.Seed is null ? ([], []) : SharedTerms(w, item);
        var explanation = new WatchExplanation(score, Math.Round(keywords, 4), Math.Round(seed, 4), [.. found.Distinct()],
            seedTerms, ByKeyword: byKeyword) { LearntTerms = learntTerms };
        return new WatchMatch(watch.Name, score, explanation, score >= watch.MinScore);
    }

    // The strength of the hits found from position start on: the title's if one is in the title.
    static double Strength(List<TermHit> found, int start)
    {
        for (var i = start; i < found.Count; i++)
        {
            if (found[i].Field == "title") return InTitle;
        }
        return found.Count > start ? InSummary : 0;
    }

    static WatchMatch Miss(CompiledWatch watch, string? reason, string? excluded = null) =>
        new(watch.Name, 0, new WatchExplanation(0, 0, 0, [], [], excluded, reason), false);

    // The query terms that weigh most in the item's similarity, as the item spells them: the seed's (and pinned), and the
    // learnt ones with what taught them.
    (string[] Seed, string[] Learnt) SharedTerms(int watch, AnalyzedItem item)
    {
        // The best few kept in order as the shared terms go by (ties by term, so that explanations are stable), found
        // by walking the item's and the seed's sorted terms together: built for every hit, so without hashing or
        // sorting every shared term.
        const int Shown = 6;
        Span<(int Term, float Weight)> best = stackalloc (int, float)[Shown];
        var count = 0;
        var queries = Volatile.Read(ref _queries);
        var seed = queries.Sorted[watch];
        var s = 0;
        foreach (var (term, frequency) in item.Similarity)
        {
            while (s < seed.Length && seed[s].Term < term) s++;
            if (s == seed.Length) break;
            if (seed[s].Term != term) continue;
            var idf = _statistics.IdfWithItem(term);
            var weight = Saturate(frequency) * seed[s].Frequency * idf * idf;
            var at = count;
            while (at > 0 && Before((term, weight), best[at - 1])) at--;
            if (at >= Shown) continue;
            if (count < Shown) count++;
            for (var i = count - 1; i > at; i--) best[i] = best[i - 1];
            best[at] = (term, weight);
        }
        var learnt = queries.Learnt[watch];
        var (fromSeed, fromLearnt) = (new List<string>(count), new List<string>());
        for (var i = 0; i < count; i++)
        {
            if (learnt.TryGetValue(best[i].Term, out var from) && !_watches[watch].Seed!.ContainsKey(best[i].Term))
                fromLearnt.Add($"{Display(best[i].Term, item)} ({LearntProfile.Word.Describe(from.ConfidentHits, from.Relevant, from.NotRelevant, from.HeldBack)})");
            else
                fromSeed.Add(Display(best[i].Term, item));
        }
        return ([.. fromSeed], [.. fromLearnt]);
    }

    static bool Before((int Term, float Weight) a, (int Term, float Weight) b) =>
        a.Weight > b.Weight || (a.Weight == b.Weight && string.CompareOrdinal(Vocabulary.TermOf(a.Term), Vocabulary.TermOf(b.Term)) < 0);

    string Display(int term, AnalyzedItem item)
    {
        foreach (var token in item.Tokens)
        {
            if (token.Id == term) return token.Word;
        }
        return Aliases.NameOf(Vocabulary.TermOf(term));
    }

    // BM25's term-frequency saturation: the second occurrence adds less than the first.
    internal static float Saturate(float tf) => tf * (K1 + 1) / (tf + K1);
}
