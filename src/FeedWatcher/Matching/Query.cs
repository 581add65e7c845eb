namespace FeedWatcher.Matching;

/// <summary>A term of a watch found in an item: as the watch wrote it, the name actually found (an alias of
/// it, or itself), and whether in the title or the summary.</summary>
public sealed record TermHit(string Term, string Found, string Field)
{
    public override string ToString() =>
        (string.Equals(Term, Found, StringComparison.OrdinalIgnoreCase) ? Term : $"{Found} (as {Term})") + $" in {Field}";
}

/// <summary>A compiled query, keyword or exclusion: evaluated against an analyzed item, it says whether the
/// item satisfies it and records the terms it found.</summary>
public abstract class QueryNode
{
    /// <summary>Whether the item satisfies the node; the terms found are added to <paramref name="found"/> if given.</summary>
    public abstract bool Evaluate(AnalyzedItem item, List<TermHit>? found);

    /// <summary>Adds the terms that can make this node true, so that a watch is only evaluated for items that
    /// hold one of them; returns false when the node can be true through a prefix, which no term lists.</summary>
    public abstract bool CollectTerms(ISet<int> terms);
}

/// <summary>A node with positions (a word, phrase, prefix, alias group or NEAR), which NEAR can combine.</summary>
public abstract class PositionalNode : QueryNode
{
    /// <summary>Where the node occurs: first and last position of each occurrence.</summary>
    public abstract IEnumerable<(int Start, int End, TermHit Hit)> Occurrences(AnalyzedItem item);

    /// <summary>False when the node certainly does not occur in the item: a check without allocations, which spares
    /// enumerating occurrences where there are none (most items, for most watches).</summary>
    public virtual bool MayOccur(AnalyzedItem item) => true;

    public override bool Evaluate(AnalyzedItem item, List<TermHit>? found)
    {
        if (!MayOccur(item)) return false;
        var any = false;
        foreach (var (_, _, hit) in Occurrences(item))
        {
            any = true;
            if (found is null) break;
            if (!found.Contains(hit)) found.Add(hit);
        }
        return any;
    }
}

/// <summary>A word or a phrase (its stems), optionally in the title only.</summary>
public sealed class TermNode(string[] phrase, string text, string written, bool titleOnly) : PositionalNode
{
    readonly int[] _ids = AliasTable.IdsOf(phrase);

    public IReadOnlyList<string> Terms => phrase;

    public override bool MayOccur(AnalyzedItem item) => item.Contains(_ids, titleOnly);

    public override IEnumerable<(int, int, TermHit)> Occurrences(AnalyzedItem item)
    {
        foreach (var start in item.Find(_ids))
        {
            if (titleOnly && !item.InTitle(start)) continue;
            yield return (start, start + phrase.Length - 1, new TermHit(written, text, item.InTitle(start) ? "title" : "summary"));
        }
    }

    public override bool CollectTerms(ISet<int> terms)
    {
        terms.Add(_ids[0]);
        return true;
    }
}

/// <summary>Words that start with a prefix, as written (not stemmed): <c>negotiat*</c>.</summary>
public sealed class PrefixNode(string prefix, string written, bool titleOnly) : PositionalNode
{
    public override IEnumerable<(int, int, TermHit)> Occurrences(AnalyzedItem item)
    {
        var limit = titleOnly ? item.TitleCount : item.Tokens.Count;
        for (var i = 0; i < limit; i++)
        {
            var word = item.Tokens[i].Word;
            if (word.StartsWith(prefix, StringComparison.Ordinal))
                yield return (i, i, new TermHit(written, word, item.InTitle(i) ? "title" : "summary"));
        }
    }

    public override bool CollectTerms(ISet<int> terms) => false;
}

/// <summary>Any of several positional nodes: an alias group, or OR between words and phrases.</summary>
public sealed class AnyPositionalNode(IReadOnlyList<PositionalNode> nodes) : PositionalNode
{
    public override IEnumerable<(int, int, TermHit)> Occurrences(AnalyzedItem item)
    {
        // Where names overlap (ISIS within ISIS-K), the longest one found is the one reported.
        var all = nodes.Where(n => n.MayOccur(item)).SelectMany(n => n.Occurrences(item)).OrderBy(o => o.Start).ThenByDescending(o => o.End).ToList();
        var coveredUntil = -1;
        foreach (var occurrence in all)
        {
            if (occurrence.End <= coveredUntil) continue;
            coveredUntil = Math.Max(coveredUntil, occurrence.End);
            yield return occurrence;
        }
    }

    public override bool MayOccur(AnalyzedItem item)
    {
        foreach (var node in nodes)
        {
            if (node.MayOccur(item)) return true;
        }
        return false;
    }

    public override bool CollectTerms(ISet<int> terms) => nodes.Aggregate(true, (all, n) => n.CollectTerms(terms) && all);
}

/// <summary><c>a NEAR/n b</c>: both in one field with at most n words between them.</summary>
public sealed class NearNode(PositionalNode left, PositionalNode right, int distance) : PositionalNode
{
    public override bool MayOccur(AnalyzedItem item) => left.MayOccur(item) && right.MayOccur(item);

    public override IEnumerable<(int, int, TermHit)> Occurrences(AnalyzedItem item)
    {
        var rights = right.Occurrences(item).ToList();
        if (rights.Count == 0) yield break;
        foreach (var (start, end, hit) in left.Occurrences(item))
        {
            foreach (var (rStart, rEnd, rHit) in rights)
            {
                if (!item.SameField(start, rStart) || Math.Max(rStart - end, start - rEnd) - 1 > distance) continue;
                yield return (Math.Min(start, rStart), Math.Max(end, rEnd), hit);
                yield return (Math.Min(start, rStart), Math.Max(end, rEnd), rHit);
            }
        }
    }

    public override bool CollectTerms(ISet<int> terms)
    {
        // Both sides must occur: the terms of one side are enough to find the candidates.
        var leftTerms = new HashSet<int>();
        if (left.CollectTerms(leftTerms)) { terms.UnionWith(leftTerms); return true; }
        return right.CollectTerms(terms);
    }
}

/// <summary>All of several nodes.</summary>
public sealed class AllNode(IReadOnlyList<QueryNode> nodes) : QueryNode
{
    public override bool Evaluate(AnalyzedItem item, List<TermHit>? found)
    {
        foreach (var node in nodes)
        {
            if (!node.Evaluate(item, found)) return false;
        }
        return true;
    }

    public override bool CollectTerms(ISet<int> terms)
    {
        // One positive part is enough to find the candidates: take the first that lists its terms.
        foreach (var node in nodes.Where(n => n is not NotNode))
        {
            var partTerms = new HashSet<int>();
            if (node.CollectTerms(partTerms)) { terms.UnionWith(partTerms); return true; }
        }
        return false;
    }
}

/// <summary>Any of several nodes (evaluated all, so that every term found is recorded).</summary>
public sealed class AnyNode(IReadOnlyList<QueryNode> nodes) : QueryNode
{
    public override bool Evaluate(AnalyzedItem item, List<TermHit>? found)
    {
        var any = false;
        foreach (var node in nodes)
        {
            any |= node.Evaluate(item, found);
            if (any && found is null) return true;
        }
        return any;
    }

    public override bool CollectTerms(ISet<int> terms) => nodes.Aggregate(true, (all, n) => n.CollectTerms(terms) && all);
}

/// <summary>NOT a node: true when the node is not satisfied.</summary>
public sealed class NotNode(QueryNode node) : QueryNode
{
    public override bool Evaluate(AnalyzedItem item, List<TermHit>? found) => !node.Evaluate(item, null);

    public override bool CollectTerms(ISet<int> terms) => false;
}
