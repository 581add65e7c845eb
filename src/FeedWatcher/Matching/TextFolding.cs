using System.Globalization;
using System.Text;

namespace FeedWatcher.Matching;

/// <summary>Folds text for matching, the same way for keywords and items: lower case, accents removed,
/// every run of characters that are not letters or digits turned into one space, with a space at each end,
/// so that " kabul " finds the whole word and " moscow conference " the phrase.</summary>
public static class TextFolding
{
    /// <summary>" kabul s cafe isis k 2017 " for "Kabul's Café — ISIS-K, 2017!".</summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return " ";
        // Most feed text is ASCII: fold it directly; anything else is decomposed first so accents can be dropped.
        var source = System.Text.Ascii.IsValid(text) ? text : text.Normalize(NormalizationForm.FormKD);
        var folded = new StringBuilder(source.Length + 2).Append(' ');
        foreach (var c in source)
        {
            if (char.IsLetterOrDigit(c))
                folded.Append(char.ToLowerInvariant(c));
            else if (c < 128 || CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark))
            {
                if (folded[^1] != ' ') folded.Append(' ');
            }
        }
        if (folded[^1] != ' ') folded.Append(' ');
        return folded.ToString();
    }

    /// <summary>The words of <paramref name="text"/>, folded: kabul, s, cafe for "Kabul's Café".</summary>
    public static string[] Words(string? text) => Fold(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
