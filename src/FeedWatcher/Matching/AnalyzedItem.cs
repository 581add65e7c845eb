namespace FeedWatcher.Matching;

/// <summary>A term of an item (or seed) for similarity, by number, and how often it occurs (title occurrences
/// counted twice).</summary>
public readonly record struct SimilarityTerm(int Term, float Frequency);

/// <summary>An item's title and summary analyzed once, for every watch: the tokens of both (title first) and
/// its terms for seed similarity (stop words out, aliases merged), a sorted array: an item has some seventy
/// words, and scanning or sorting them is cheaper than hashing them.</summary>
public sealed class AnalyzedItem
{
    readonly Token[] _tokens;
    [ThreadStatic] static List<Token>? _scratch;

    public AnalyzedItem(string? title, string? summary, AliasTable aliases)
    {
        (Title, Summary, Aliases) = (title ?? "", summary ?? "", aliases);
        var tokens = _scratch ??= [];
        tokens.Clear();
        TitleCount = TextAnalyzer.Tokenize(title, 0, tokens);
        TextAnalyzer.Tokenize(summary, TitleCount, tokens);
        _tokens = [.. tokens];
        if (tokens.Capacity > 4096) _scratch = null;
        Similarity = aliases.SimilarityTerms(this);
    }

    public string Title { get; }
    public string Summary { get; }

    /// <summary>The alias groups the similarity terms were made with.</summary>
    public AliasTable Aliases { get; }

    /// <summary>The title's tokens, then the summary's; a token's position is its index here.</summary>
    public IReadOnlyList<Token> Tokens => _tokens;

    /// <summary>How many of <see cref="Tokens"/> are the title's.</summary>
    public int TitleCount { get; }

    /// <summary>Terms for seed similarity, by ascending term number.</summary>
    public SimilarityTerm[] Similarity { get; }

    /// <summary>The item's similarity to each seed of a watch set, kept from matching for learning.</summary>
    internal (WatchSet Watches, float[] Values)? Similarities { get; set; }

    /// <summary>Whether matching found the item a hit in which a watch's keyword (or query) was found: the story a user
    /// asked for, which is not learnt from as background.</summary>
    internal bool IsKeywordHit { get; set; }

    /// <summary>The watches (by position) the item is a confident keyword hit for, which learn from it.</summary>
    internal List<int>? Confident { get; set; }

    public bool InTitle(int position) => position < TitleCount;

    public bool SameField(int a, int b) => InTitle(a) == InTitle(b);

    /// <summary>Positions where the phrase <paramref name="terms"/> (term numbers) starts, within one field.</summary>
    public IEnumerable<int> Find(int[] terms)
    {
        for (var position = 0; position < _tokens.Length; position++)
        {
            if (_tokens[position].Id == terms[0] && IsAt(terms, position)) yield return position;
        }
    }

    /// <summary>Whether the phrase <paramref name="terms"/> occurs (in the title when <paramref name="titleOnly"/>): what
    /// <see cref="Find"/> tells, without enumerating.</summary>
    public bool Contains(int[] terms, bool titleOnly = false)
    {
        var limit = titleOnly ? TitleCount : _tokens.Length;
        for (var position = 0; position < limit; position++)
        {
            if (_tokens[position].Id == terms[0] && IsAt(terms, position)) return true;
        }
        return false;
    }

    /// <summary>Whether the phrase <paramref name="terms"/> starts at <paramref name="position"/>, within one field.</summary>
    public bool IsAt(int[] terms, int position)
    {
        var last = position + terms.Length - 1;
        if (last >= _tokens.Length || !SameField(position, last))
            return false;
        for (var j = 0; j < terms.Length; j++)
        {
            if (_tokens[position + j].Id != terms[j]) return false;
        }
        return true;
    }
}
