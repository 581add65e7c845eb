using System.Collections.Frozen;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace FeedWatcher.Matching;

/// <summary>A word as the analyzer reads it: folded (lower case, no accents), its English stem and the stem's
/// number in the <see cref="Vocabulary"/>, and whether it counts in seed similarity (not a stop word, longer
/// than one letter). One instance per distinct word, shared by every token of it.</summary>
public sealed class WordForm(string word, string term, bool similar)
{
    public string Word { get; } = word;
    public string Term { get; } = term;
    public int Id { get; private set; } = Vocabulary.IdOf(term);
    public bool Similar { get; } = similar;

    /// <summary>A word read when the vocabulary was full gets its number once a watch has given it one.</summary>
    internal void Refresh()
    {
        if (Id == Vocabulary.Unknown) Id = Vocabulary.IdOf(Term);
    }
}

/// <summary>One word of a text and its position, so that phrases and NEAR can be checked;
/// <see cref="JoinsNext"/> when a hyphen joins it to the next word ("cyber-attack", "cease-fire").</summary>
public readonly record struct Token(WordForm Form, int Position, bool JoinsNext = false)
{
    /// <summary>The word folded: lower case, no accents.</summary>
    public string Word => Form.Word;

    /// <summary>The word's English stem.</summary>
    public string Term => Form.Term;

    /// <summary>The stem's number in the <see cref="Vocabulary"/>.</summary>
    public int Id => Form.Id;
}

/// <summary>Text analysis, the same for keywords, queries, seeds and items: case and accent folding (see
/// <see cref="TextFolding"/>), words split at anything that is not a letter or digit (so "ISIS-K" is the
/// two words "isis k" and "GBU-43" is "gbu 43"), possessives dropped ("Taliban's" is "taliban"), other
/// apostrophes joined ("O'Brien" is "obrien"), dotted acronyms joined ("U.S." is "us"), and each word
/// reduced to its English stem with the Snowball (Porter 2) stemmer: talks, talking and talked are "talk".</summary>
public static class TextAnalyzer
{
    static readonly WordTable Known = new();

    static WordForm NewForm(string word)
    {
        var term = StemOf(word);
        return new WordForm(word, term, term.Length > 1 && !StopTerms.Contains(term));
    }

    [ThreadStatic] static EnglishStemmer? _stemmer;

    /// <summary>The tokens of <paramref name="text"/>, positions counted from <paramref name="firstPosition"/>.</summary>
    public static List<Token> Tokens(string? text, int firstPosition = 0)
    {
        var tokens = new List<Token>();
        Tokenize(text, firstPosition, tokens);
        return tokens;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>; returns the next free position.</summary>
    public static int Tokenize(string? text, int firstPosition, List<Token> tokens)
    {
        var position = firstPosition;
        if (string.IsNullOrEmpty(text))
            return position;
        Span<char> word = stackalloc char[MaxWordLength];
        var length = 0;
        var segment = 0; // length of the current dotted-acronym segment
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                // Most news text is ASCII: folded here without the Unicode tables.
                if (length < MaxWordLength) word[length++] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
                segment++;
                continue;
            }
            if (c >= 128 && TextFolding.IsWordChar(c))
            {
                length = TextFolding.AppendFolded(c, word, length);
                segment++;
                continue;
            }
            if (TextFolding.IsCombiningMark(c))
                continue;
            if (length > 0 && i + 1 < text.Length && char.IsLetter(text[i + 1]))
            {
                if (c is '\'' or '\u2019' or '\u02BC')
                {
                    var possessive = text[i + 1] is 's' or 'S' && (i + 2 == text.Length || !char.IsLetterOrDigit(text[i + 2]));
                    if (possessive) i++;
                    else continue; // O'Brien, don't: one word
                }
                else if (c == '.' && segment == 1 && (i + 2 == text.Length || !char.IsLetterOrDigit(text[i + 2]) || text[i + 2] == '.'))
                {
                    segment = 0; // U.S., U.N.: one word
                    continue;
                }
            }
            if (length > 0)
            {
                var joinsNext = c is '-' or '\u2010' or '\u2011' && i + 1 < text.Length && char.IsLetter(text[i + 1]) && char.IsLetter(text[i - 1]);
                tokens.Add(new Token(Lookup(word[..length]), position++, joinsNext));
            }
            length = 0;
            segment = 0;
        }
        if (length > 0)
            tokens.Add(new Token(Lookup(word[..length]), position++));
        return position;
    }

    const int MaxWordLength = 64;

    /// <summary>The two words of a hyphenated compound written as one ("cyber-attack" as "cyberattack"), so that
    /// the spellings with and without the hyphen meet in seed similarity.</summary>
    public static WordForm Compound(string first, string second)
    {
        Span<char> joined = stackalloc char[MaxWordLength];
        if (first.Length + second.Length > MaxWordLength)
            return Lookup((first + second).AsSpan(0, MaxWordLength));
        first.CopyTo(joined);
        second.CopyTo(joined[first.Length..]);
        return Lookup(joined[..(first.Length + second.Length)]);
    }

    /// <summary>The stem of one folded word.</summary>
    public static string Stem(string word) => Lookup(word).Term;

    static WordForm Lookup(ReadOnlySpan<char> word)
    {
        var form = Known.Find(word) ?? Known.GetOrAdd(word, NewForm);
        if (form.Id == Vocabulary.Unknown) form.Refresh();
        return form;
    }

    static string StemOf(string word)
    {
        foreach (var c in word)
        {
            if (!char.IsAsciiLetterLower(c)) return word; // numbers, codes and other scripts as written
        }
        if (word.Length <= 2) return word;
        var stemmer = _stemmer ??= new EnglishStemmer();
        stemmer.SetCurrent(word);
        stemmer.Stem();
        return stemmer.Current == word ? word : string.Intern(stemmer.Current);
    }

    /// <summary>Whether a term carries no topic (the, of, said, ...): left out of seed similarity, never out of
    /// keywords and phrases.</summary>
    public static bool IsStopTerm(string term) => StopTerms.Contains(term);

    static readonly FrozenSet<string> StopTerms = """
        a about above after again against all also am an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have having
        he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
        nor not now of off on once only or other our ours ourselves out over own same she should so some such than
        that the their theirs them themselves then there these they this those through to too under until up very
        was we were what when where which while who whom why will with would you your yours yourself yourselves
        said says say new one two three first last year years day days week time according amid since via mr mrs
        ms among including near least many much people told reports reported report latest
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(w => StemOf(w)).ToFrozenSet(StringComparer.Ordinal);
}
