using System.Net;
using System.Text.RegularExpressions;

namespace FeedWatcher.Feeds;

/// <summary>Plain text from feed HTML, for matching and for the digest.</summary>
public static partial class FeedText
{
    /// <summary>Markup removed (scripts and styles with their content), entities decoded, white space collapsed.</summary>
    public static string Plain(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
            return "";
        var text = html.Contains('<', StringComparison.Ordinal) ? Tags().Replace(html, " ") : html;
        if (text.Contains('&', StringComparison.Ordinal))
            text = WebUtility.HtmlDecode(text);
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Tags();

    [GeneratedRegex(@"[\s\u00A0]+")]
    private static partial Regex Whitespace();
}
