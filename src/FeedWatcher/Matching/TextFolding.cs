using System.Globalization;
using System.Text;

namespace FeedWatcher.Matching;

/// <summary>Folds text for matching, the same way for keywords and items: lower case, accents removed,
/// every run of characters that are not letters or digits turned into one space, with a space at each end,
/// so that " kabul " finds the whole word and " moscow conference " the phrase. It needs no ICU: the
/// accent table below covers Latin, Greek and Cyrillic, and FeedWatcher runs culture-invariant.</summary>
public static class TextFolding
{
    /// <summary>" kabul s cafe isis k 2017 " for "Kabul's Café — ISIS-K, 2017!".</summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return " ";
        var folded = new StringBuilder(text.Length + 2).Append(' ');
        Span<char> buffer = stackalloc char[2];
        foreach (var c in text)
        {
            if (IsWordChar(c))
                folded.Append(buffer[..AppendFolded(c, buffer, 0)]);
            else if (!IsCombiningMark(c) && folded[^1] != ' ')
                folded.Append(' ');
        }
        if (folded[^1] != ' ') folded.Append(' ');
        return folded.ToString();
    }

    /// <summary>Whether <paramref name="c"/> belongs to a word: a letter or digit, full-width forms included.</summary>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c);

    /// <summary>Whether <paramref name="c"/> is a combining accent, which folding drops.</summary>
    public static bool IsCombiningMark(char c) =>
        c >= 128 && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>Writes the folded form of the word character <paramref name="c"/> (one or two characters:
    /// "ss" for "ß") at <paramref name="length"/> in <paramref name="word"/>, if it fits; returns the new length.</summary>
    public static int AppendFolded(char c, Span<char> word, int length)
    {
        if (c is >= '\uFF01' and <= '\uFF5E') c = (char)(c - 0xFEE0); // full-width forms
        c = char.ToLowerInvariant(c);
        if (c >= 128 && Special.TryGetValue(c, out var spelled))
        {
            if (length + spelled.Length > word.Length) return length;
            spelled.AsSpan().CopyTo(word[length..]);
            return length + spelled.Length;
        }
        if (length >= word.Length) return length;
        word[length] = c < 128 ? c : Unaccented(c);
        return length + 1;
    }

    /// <summary>The words of <paramref name="text"/>, folded: kabul, s, cafe for "Kabul's Café".</summary>
    public static string[] Words(string? text) => Fold(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    static char Unaccented(char c)
    {
        foreach (var (start, bases) in Tables)
        {
            if (c >= start && c < start + bases.Length)
                return bases[c - start] is var b and not '\0' ? b : c;
        }
        return c;
    }

    // For each range, the unaccented letter of every code point ('\0': leave it), from Unicode's
    // compatibility decompositions with the combining marks removed.
    static readonly (int Start, string Bases)[] Tables =
    [
        (0x00C0, "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0yaaaaaaccccccccdd\0\0eeeeeeeeeegggggggghh\0\0iiiiiiii\0\0\0\0jjkk\0llllll\0\0\0\0nnnnnn\0\0\0oooooo\0\0rrrrrrsssssssstttt\0\0uuuuuuuuuuuuwwyyyzzzzzz\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0oo\0\0\0\0\0\0\0\0\0\0\0\0\0uu\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0aaiioouuuuuuuuuu\0aaaaææ\0\0ggkkooooʒʒj\0\0\0gg\0\0nnaaææøøaaaaeeeeiiiioooorrrruuuusstt\0\0hh\0\0\0\0\0\0aaeeooooooooyy\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
        (0x0370, "\0\0\0\0ʹ\0\0\0\0\0 \0\0\0;\0\0\0\0\0  α·εηι\0ο\0υωι\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0ιυαεηιυ\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0ιυουω\0βθΥΥΥφπ\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0κρς\0\0ε\0\0\0ς\0\0\0\0\0\0"),
        (0x0400, "ее\0г\0\0\0і\0\0\0\0киу\0\0\0\0\0\0\0\0\0\0и\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0и\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0ее\0г\0\0\0і\0\0\0\0киу\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0ѵѵ\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0жж\0\0\0\0\0\0\0\0\0\0\0\0\0аааа\0\0ее\0\0әәжжзз\0\0ииииоо\0\0өөээуууууучч\0\0ыы\0\0\0\0\0\0"),
        (0x1E00, "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy\0s\0\0\0\0aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy\0\0\0\0\0\0"),
    ];

    // Letters whose decomposition is not a base letter and a mark.
    static readonly Dictionary<char, string> Special = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['œ'] = "oe", ['ĳ'] = "ij", ['þ'] = "th", ['ð'] = "d", ['ø'] = "o", ['đ'] = "d", ['ł'] = "l", ['ħ'] = "h", ['ı'] = "i", ['ŀ'] = "l", ['ſ'] = "s", ['ŧ'] = "t", ['ŋ'] = "n", ['ƀ'] = "b", ['ɨ'] = "i", ['ǥ'] = "g", ['ƚ'] = "l", ['ɍ'] = "r", ['ɏ'] = "y", ['ȼ'] = "c", ['ȿ'] = "s", ['ɀ'] = "z", ['ǝ'] = "e", ['ə'] = "e",
    };
}
