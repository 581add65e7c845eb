using System.Globalization;
using System.Text;

namespace FeedWatcher.Matching;

/// <summary>Splits text into case- and accent-folded words, the same way for keywords and items.</summary>
public static class TextFolding
{
    /// <summary>The words of <paramref name="text"/>, lower-cased with accents removed: "Kabul's Café" gives
    /// kabul, s, cafe.</summary>
    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
            return words;
        var decomposed = text.Normalize(NormalizationForm.FormKD);
        var word = new StringBuilder();
        foreach (var c in decomposed)
        {
            if (char.IsLetterOrDigit(c))
                word.Append(char.ToLowerInvariant(c));
            else if (CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark))
                Flush();
        }
        Flush();
        return words;

        void Flush()
        {
            if (word.Length == 0) return;
            words.Add(word.ToString());
            word.Clear();
        }
    }
}
