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
        foreach (var raw in text)
        {
            var c = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw; // full-width forms
            if (char.IsLetterOrDigit(c))
            {
                c = char.ToLowerInvariant(c);
                if (c < 128) folded.Append(c);
                else if (Special.TryGetValue(c, out var spelled)) folded.Append(spelled);
                else folded.Append(Unaccented(c));
            }
            else if (c >= 128 && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                // a combining accent: dropped
            }
            else if (folded[^1] != ' ')
            {
                folded.Append(' ');
            }
        }
        if (folded[^1] != ' ') folded.Append(' ');
        return folded.ToString();
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
