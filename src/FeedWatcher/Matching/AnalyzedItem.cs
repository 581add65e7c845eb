namespace FeedWatcher.Matching;

/// <summary>An item's title and summary analyzed once, for every watch: the tokens of both (title first),
/// where each term occurs, and the item's terms for seed similarity (stop words out, aliases merged).</summary>
public sealed class AnalyzedItem
{
    readonly Dictionary<string, int> _firstByTerm;
    readonly int[] _nextSameTerm;

    public AnalyzedItem(string? title, string? summary, AliasTable aliases)
    {
        (Title, Summary, Aliases) = (title ?? "", summary ?? "", aliases);
        var tokens = new List<Token>();
        TitleCount = TextAnalyzer.Tokenize(title, 0, tokens);
        TextAnalyzer.Tokenize(summary, TitleCount, tokens);
        Tokens = tokens;
        _firstByTerm = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        _nextSameTerm = new int[tokens.Count];
        for (var i = tokens.Count - 1; i >= 0; i--)
        {
            _nextSameTerm[i] = _firstByTerm.TryGetValue(tokens[i].Term, out var next) ? next : -1;
            _firstByTerm[tokens[i].Term] = i;
        }
        Similarity = aliases.SimilarityTerms(this);
    }

    public string Title { get; }
    public string Summary { get; }

    /// <summary>The alias groups the similarity terms were made with.</summary>
    public AliasTable Aliases { get; }

    /// <summary>The title's tokens, then the summary's; a token's position is its index here.</summary>
    public IReadOnlyList<Token> Tokens { get; }

    /// <summary>How many of <see cref="Tokens"/> are the title's.</summary>
    public int TitleCount { get; }

    /// <summary>Term frequencies for seed similarity, title occurrences counted twice.</summary>
    public IReadOnlyDictionary<string, float> Similarity { get; }

    public bool InTitle(int position) => position < TitleCount;

    public bool SameField(int a, int b) => InTitle(a) == InTitle(b);

    /// <summary>The distinct terms of the item.</summary>
    public IEnumerable<string> Terms => _firstByTerm.Keys;

    public bool Contains(string term) => _firstByTerm.ContainsKey(term);

    /// <summary>Positions where the phrase <paramref name="terms"/> starts, within one field.</summary>
    public IEnumerable<int> Find(IReadOnlyList<string> terms)
    {
        if (!_firstByTerm.TryGetValue(terms[0], out var position))
            yield break;
        for (; position >= 0; position = _nextSameTerm[position])
        {
            if (IsAt(terms, position)) yield return position;
        }
    }

    /// <summary>Whether the phrase <paramref name="terms"/> starts at <paramref name="position"/>, within one field.</summary>
    public bool IsAt(IReadOnlyList<string> terms, int position)
    {
        var last = position + terms.Count - 1;
        if (last >= Tokens.Count || !SameField(position, last))
            return false;
        for (var j = 1; j < terms.Count; j++)
        {
            if (!string.Equals(Tokens[position + j].Term, terms[j], StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
