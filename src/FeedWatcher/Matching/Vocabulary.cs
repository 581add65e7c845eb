using System.Collections.Concurrent;

namespace FeedWatcher.Matching;

/// <summary>Every term met so far, numbered from 0, so that items, watches and term statistics work with small
/// integers rather than strings: one hash of the word when it is read, array lookups after that. Safe to share
/// between threads; numbers are never reused.
/// <para>Bounded: past <see cref="MaxTerms"/>, a term not yet known has no number (<see cref="Unknown"/>) unless
/// a watch needs it, so that a stream of junk cannot grow the process without end.</para></summary>
public static class Vocabulary
{
    /// <summary>The number of a term there was no room for: it matches nothing and is left out of similarity.</summary>
    public const int Unknown = -1;

    public const int MaxTerms = 2_000_000;

    static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.Ordinal);
    static readonly Lock Gate = new();
    static string[] _terms = new string[1024];
    static int _count;

    /// <summary>How many terms have a number.</summary>
    public static int Count => Volatile.Read(ref _count);

    /// <summary>The number of <paramref name="term"/>, given one if it is new (and there is room, or
    /// <paramref name="always"/>).</summary>
    public static int IdOf(string term, bool always = false)
    {
        if (Ids.TryGetValue(term, out var id))
            return id;
        if (Count >= MaxTerms && !always)
            return Unknown;
        lock (Gate)
        {
            if (Ids.TryGetValue(term, out id))
                return id;
            if (_count >= MaxTerms && !always)
                return Unknown;
            if (_count == _terms.Length)
                Array.Resize(ref _terms, _terms.Length * 2);
            id = _count;
            _terms[id] = term;
            Volatile.Write(ref _count, id + 1);
            Ids[term] = id;
            return id;
        }
    }

    /// <summary>The term numbered <paramref name="id"/>.</summary>
    public static string TermOf(int id) => id == Unknown ? "" : Volatile.Read(ref _terms)[id];
}
