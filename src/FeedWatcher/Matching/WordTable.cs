namespace FeedWatcher.Matching;

/// <summary>The analyzer's cache of words seen before, looked up by the span of the folded word, so that a known
/// word costs one hash and no allocation. An open-addressing table: reads take no lock (a slot, once written,
/// holds a complete <see cref="WordForm"/>), writes take one and publish a larger copy when the table is half
/// full. Hashes are the runtime's randomized string hashes, so that hostile text cannot force collisions.
/// Bounded: emptied when it holds <see cref="MaxWords"/> words.</summary>
public sealed class WordTable
{
    // A slot's hash beside its form, so that a miss costs one cache line.
    struct Slot
    {
        public int Hash;
        public WordForm? Form;
    }

    sealed record Slots(Slot[] Items);

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
            else if (2 * (_count + 1) > slots.Items.Length)
                slots = Grow(slots);
            Insert(slots, form, hash);
            _count++;
            Volatile.Write(ref _slots, slots);
            return form;
        }
    }

    static WordForm? Find(Slots slots, ReadOnlySpan<char> word, int hash)
    {
        var items = slots.Items;
        var mask = items.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var form = Volatile.Read(ref items[i].Form);
            if (form is null) return null;
            if (items[i].Hash == hash && word.SequenceEqual(form.Word)) return form;
        }
    }

    static void Insert(Slots slots, WordForm form, int hash)
    {
        var items = slots.Items;
        var mask = items.Length - 1;
        var i = hash & mask;
        while (items[i].Form is not null) i = (i + 1) & mask;
        items[i].Hash = hash; // before the form: a reader that sees the form sees its hash
        Volatile.Write(ref items[i].Form, form);
    }

    static Slots Grow(Slots slots)
    {
        var larger = New(slots.Items.Length * 2);
        foreach (var slot in slots.Items)
        {
            if (slot.Form is { } form) Insert(larger, form, slot.Hash);
        }
        return larger;
    }

    static Slots New(int size) => new(new Slot[size]);
}
