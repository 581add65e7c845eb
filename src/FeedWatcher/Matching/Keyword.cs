namespace FeedWatcher.Matching;

/// <summary>One configured keyword: its folded words, and whether they must appear as an exact phrase.</summary>
public sealed record Keyword(string Text, IReadOnlyList<string> Words, bool IsPhrase)
{
    /// <summary>Reads a keyword as written in the configuration: <c>Taliban talks</c> needs both words
    /// anywhere, <c>"Moscow conference"</c> needs that phrase.</summary>
    public static Keyword Parse(string text)
    {
        var trimmed = text.Trim();
        var isPhrase = trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"';
        return new Keyword(trimmed, TextFolding.Words(isPhrase ? trimmed[1..^1] : trimmed), isPhrase);
    }

    /// <summary>What to look for in folded text: the whole phrase, or each word, with spaces around.</summary>
    public string[] Needles { get; } = IsPhrase ? [$" {string.Join(' ', Words)} "] : [.. Words.Select(w => $" {w} ")];

    /// <summary>Whether the keyword occurs in the folded texts: a phrase within one of them, words in any.</summary>
    public bool IsIn(string foldedTitle, string foldedSummary) => IsPhrase
        ? foldedTitle.Contains(Needles[0], StringComparison.Ordinal) || foldedSummary.Contains(Needles[0], StringComparison.Ordinal)
        : Needles.All(n => foldedTitle.Contains(n, StringComparison.Ordinal) || foldedSummary.Contains(n, StringComparison.Ordinal));

    /// <summary>Why the keyword cannot be used, or null when it can.</summary>
    public static string? Check(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "empty keyword";
        var trimmed = text.Trim();
        var quotes = trimmed.Count(c => c == '"');
        if (quotes != 0 && !(quotes == 2 && trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"'))
            return $"quote the whole keyword or nothing: '{text}'";
        return Parse(trimmed).Words.Count == 0 ? $"no words in keyword '{text}'" : null;
    }
}
