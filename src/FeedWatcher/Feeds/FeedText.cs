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

    /// <summary>Undoes the two common garblings of feed text: UTF-8 read as Latin-1 or windows-1252
    /// ("CafÃ©" for "Café", "â€¦" for "…"), and C1 control characters from references to windows-1252 bytes
    /// (&amp;#146;), which are read as the windows-1252 characters they were meant to be, as browsers do.</summary>
    public static string FixMojibake(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\u0080', '\u00FF') < 0 && !text.AsSpan().ContainsAny(Cp1252Specials))
            return text;
        var bytes = new byte[text.Length];
        var onlyBytes = true;
        for (var i = 0; i < text.Length && onlyBytes; i++)
        {
            var c = text[i];
            if (c <= '\u00FF') bytes[i] = (byte)c;
            else if (Cp1252Specials.Contains(c)) bytes[i] = Windows1252.GetBytes([c])[0];
            else onlyBytes = false;
        }
        if (onlyBytes && System.Text.Unicode.Utf8.IsValid(bytes) && bytes.AsSpan().IndexOfAnyInRange((byte)0xC2, (byte)0xF4) >= 0)
            return System.Text.Encoding.UTF8.GetString(bytes);
        if (text.AsSpan().IndexOfAnyInRange('\u0080', '\u009F') < 0)
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] is >= '\u0080' and <= '\u009F')
                chars[i] = Windows1252.GetString([(byte)chars[i]])[0];
        return new string(chars);
    }

    // The characters windows-1252 puts where Latin-1 has C1 controls.
    static readonly System.Buffers.SearchValues<char> Cp1252Specials = System.Buffers.SearchValues.Create("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

    static readonly System.Text.Encoding Windows1252 = GetWindows1252();

    static System.Text.Encoding GetWindows1252()
    {
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        return System.Text.Encoding.GetEncoding(1252);
    }

    [GeneratedRegex(@"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Tags();

    [GeneratedRegex(@"[\s\u00A0]+")]
    private static partial Regex Whitespace();
}
