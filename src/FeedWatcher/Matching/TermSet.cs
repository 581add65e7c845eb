namespace FeedWatcher.Matching;

/// <summary>A fixed set of term numbers as bits, so that asking whether an item's word is one a watch or an
/// alias cares about is one array read: most words are not, and this is asked for every word.</summary>
public sealed class TermSet
{
    readonly ulong[] _bits;

    public TermSet(IEnumerable<int> terms)
    {
        var numbers = terms.Where(t => t >= 0).ToList();
        _bits = new ulong[numbers.Count == 0 ? 0 : numbers.Max() / 64 + 1];
        foreach (var term in numbers)
            _bits[term >> 6] |= 1UL << term;
    }

    public bool Contains(int term)
    {
        var word = term >> 6;
        return (uint)word < (uint)_bits.Length && (_bits[word] & (1UL << term)) != 0;
    }
}
