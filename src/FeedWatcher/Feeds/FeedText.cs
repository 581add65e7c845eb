using System.Net;
using System.Text;

namespace FeedWatcher.Feeds;

/// <summary>Plain text from feed HTML, for matching and for the digest.</summary>
public static class FeedText
{
    /// <summary>Markup removed (comments, scripts and styles with their content), entities decoded, white
    /// space collapsed, in one pass.</summary>
    public static string Plain(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
            return "";
        if (html.AsSpan().IndexOfAny(MarkupOrSpace) < 0 && !html.Contains("  ", StringComparison.Ordinal) && html[0] != ' ' && html[^1] != ' ')
            return html;
        var text = new StringBuilder(html.Length);
        var span = html.AsSpan();
        var pendingSpace = false;
        for (var i = 0; i < span.Length;)
        {
            var c = span[i];
            if (c == '<' && i + 1 < span.Length && (char.IsAsciiLetter(span[i + 1]) || span[i + 1] is '/' or '!' or '?'))
            {
                i = SkipMarkup(span, i);
                pendingSpace = true;
                continue;
            }
            if (c == '&' && span[i..].IndexOf(';') is var semi and > 1 and < 12)
            {
                var decoded = WebUtility.HtmlDecode(span.Slice(i, semi + 1).ToString());
                Append(text, decoded, ref pendingSpace);
                i += semi + 1;
                continue;
            }
            if (char.IsWhiteSpace(c) || c == '\u00A0')
                pendingSpace = true;
            else
            {
                if (pendingSpace && text.Length > 0) text.Append(' ');
                pendingSpace = false;
                text.Append(c);
            }
            i++;
        }
        return text.ToString();
    }

    static void Append(StringBuilder text, string decoded, ref bool pendingSpace)
    {
        foreach (var c in decoded)
        {
            if (char.IsWhiteSpace(c) || c == '\u00A0') { pendingSpace = true; continue; }
            if (pendingSpace && text.Length > 0) text.Append(' ');
            pendingSpace = false;
            text.Append(c);
        }
    }

    // Past a tag, a comment, or a script or style element with its content.
    static int SkipMarkup(ReadOnlySpan<char> span, int start)
    {
        var rest = span[start..];
        if (rest.StartsWith("<!--"))
            return rest.IndexOf("-->") is var end and >= 0 ? start + end + 3 : span.Length;
        foreach (var element in RawTextElements)
        {
            if (rest.Length > element.Length + 1 && rest[1..].StartsWith(element, StringComparison.OrdinalIgnoreCase)
                && !char.IsAsciiLetterOrDigit(rest[element.Length + 1]))
            {
                var close = rest.IndexOf("</" + element, StringComparison.OrdinalIgnoreCase);
                if (close < 0) return span.Length;
                var gt = rest[close..].IndexOf('>');
                return gt < 0 ? span.Length : start + close + gt + 1;
            }
        }
        var tagEnd = rest.IndexOf('>');
        return tagEnd < 0 ? span.Length : start + tagEnd + 1;
    }

    static readonly string[] RawTextElements = ["script", "style"];
    static readonly System.Buffers.SearchValues<char> MarkupOrSpace = System.Buffers.SearchValues.Create("<&\t\n\r\u00A0\f\v");

    /// <summary>Undoes the two common garblings of feed text: UTF-8 read as Latin-1 or windows-1252
    /// ("CafÃ©" for "Café", "â€¦" for "…"), and C1 control characters from references to windows-1252 bytes
    /// (&amp;#146;), which are read as the windows-1252 characters they were meant to be, as browsers do.</summary>
    public static string FixMojibake(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\u0080', '\u00FF') < 0 && !text.AsSpan().ContainsAny(Cp1252Specials))
            return text;
        if (HasUtf8LeadAndContinuation(text) && Utf8ReadAsLatin1(text) is { } repaired)
            return repaired;
        if (text.AsSpan().IndexOfAnyInRange('\u0080', '\u009F') < 0)
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] is >= '\u0080' and <= '\u009F')
                chars[i] = Windows1252.GetString([(byte)chars[i]])[0];
        return new string(chars);
    }

    // A UTF-8 lead byte read as a character (Â to ô) followed by a continuation byte read as one (\u0080 to
    // \u00BF, or the windows-1252 character of a byte from 0x80 to 0x9F): text that is not so garbled has none.
    static bool HasUtf8LeadAndContinuation(ReadOnlySpan<char> text)
    {
        for (var i = text.IndexOfAnyInRange('\u00C2', '\u00F4'); i >= 0 && i + 1 < text.Length;)
        {
            var next = text[i + 1];
            if (next is >= '\u0080' and <= '\u00BF' || Cp1252Specials.Contains(next))
                return true;
            var rest = text[(i + 1)..].IndexOfAnyInRange('\u00C2', '\u00F4');
            if (rest < 0) return false;
            i += 1 + rest;
        }
        return false;
    }

    // The text as the UTF-8 it was before it was read as Latin-1 or windows-1252; null when it was not UTF-8.
    static string? Utf8ReadAsLatin1(string text)
    {
        var bytes = new byte[text.Length];
        var onlyBytes = true;
        for (var i = 0; i < text.Length && onlyBytes; i++)
        {
            var c = text[i];
            if (c <= '\u00FF') bytes[i] = (byte)c;
            else if (Cp1252Specials.Contains(c)) bytes[i] = Windows1252.GetBytes([c])[0];
            else onlyBytes = false;
        }
        return onlyBytes && System.Text.Unicode.Utf8.IsValid(bytes) && bytes.AsSpan().IndexOfAnyInRange((byte)0xC2, (byte)0xF4) >= 0
            ? System.Text.Encoding.UTF8.GetString(bytes) : null;
    }

    // The characters windows-1252 puts where Latin-1 has C1 controls.
    static readonly System.Buffers.SearchValues<char> Cp1252Specials = System.Buffers.SearchValues.Create("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

    static readonly System.Text.Encoding Windows1252 = GetWindows1252();

    static System.Text.Encoding GetWindows1252()
    {
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        return System.Text.Encoding.GetEncoding(1252);
    }


}
