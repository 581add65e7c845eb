namespace FeedWatcher.Matching;

/// <summary>The analyzer's cache of words seen before, looked up by the span of the folded word, so that a known
/// word costs one hash and no allocation. An open-addressing table: reads take no lock (a slot, once written,
/// holds a complete <see cref="WordForm"/>), writes take one and publish a larger copy when the table is half
/// full. Hashes are the runtime's randomized string hashes, so that hostile text cannot force collisions.
/// Bounded: emptied when it holds <see cref="MaxWords"/> words.</summary>
public sealed class WordTable
{
    sealed record Slots(WordForm?[] Forms, int[] Hashes);

    public const int MaxWords = 500_000;

    readonly Lock _gate = new();
    Slots _slots = New(1 << 12);
    int _count;

    /// <summary>The form of <paramref name="word"/>, or null when it has not been added.</summary>
    public WordForm? Find(ReadOnlySpan<char> word) => Find(Volatile.Read(ref _slots), word, string.GetHashCode(word));

    /// <summary>The form of <paramref name="word"/>, made by <paramref name="make"/> and added if it is new.</summary>
    public WordForm GetOrAdd(ReadOnlySpan<char> word, Func<string, WordForm> make)
    {
        var hash = string.GetHashCode(word);
        if (Find(Volatile.Read(ref _slots), word, hash) is { } known)
            return known;
        var form = make(word.ToString());
        lock (_gate)
        {
            var slots = _slots;
            if (Find(slots, word, hash) is { } added)
                return added;
            if (_count >= MaxWords)
                (slots, _count) = (New(1 << 12), 0);
            else if (2 * (_count + 1) > slots.Forms.Length)
                slots = Grow(slots);
            Insert(slots, form, hash);
            _count++;
            Volatile.Write(ref _slots, slots);
            return form;
        }
    }

    static WordForm? Find(Slots slots, ReadOnlySpan<char> word, int hash)
    {
        var forms = slots.Forms;
        var mask = forms.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var form = Volatile.Read(ref forms[i]);
            if (form is null) return null;
            if (slots.Hashes[i] == hash && word.SequenceEqual(form.Word)) return form;
        }
    }

    static void Insert(Slots slots, WordForm form, int hash)
    {
        var mask = slots.Forms.Length - 1;
        var i = hash & mask;
        while (slots.Forms[i] is not null) i = (i + 1) & mask;
        slots.Hashes[i] = hash; // before the form: a reader that sees the form sees its hash
        Volatile.Write(ref slots.Forms[i], form);
    }

    static Slots Grow(Slots slots)
    {
        var larger = New(slots.Forms.Length * 2);
        for (var i = 0; i < slots.Forms.Length; i++)
        {
            if (slots.Forms[i] is { } form) Insert(larger, form, slots.Hashes[i]);
        }
        return larger;
    }

    static Slots New(int size) => new(new WordForm?[size], new int[size]);
}
