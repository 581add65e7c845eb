using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>Chooses how a feed's bytes become text: the byte order mark first, then the HTTP charset, then the XML
/// declaration, then UTF-8 if the bytes are valid UTF-8, else windows-1252. Labels that mean Latin-1 are
/// read as windows-1252, as browsers do, since that is what such feeds really hold.</summary>
public static partial class FeedDecoder
{
    static FeedDecoder() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The encoding to read the bytes with, and where the text starts (after any byte order mark).</summary>
    public static (Encoding Encoding, int Start) Choose(ReadOnlySpan<byte> span, string? httpCharset = null)
    {
        if (span.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF })) return (Utf8OrWindows1252, 3);
        if (span.StartsWith(new byte[] { 0xFF, 0xFE, 0, 0 })) return (new UTF32Encoding(false, false), 4);
        if (span.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF })) return (new UTF32Encoding(true, false), 4);
        if (span.StartsWith(new byte[] { 0xFF, 0xFE })) return (Encoding.Unicode, 2);
        if (span.StartsWith(new byte[] { 0xFE, 0xFF })) return (Encoding.BigEndianUnicode, 2);
        if (span.StartsWith(new byte[] { (byte)'<', 0, (byte)'?', 0 })) return (Encoding.Unicode, 0);
        if (span.StartsWith(new byte[] { 0, (byte)'<', 0, (byte)'?' })) return (Encoding.BigEndianUnicode, 0);

        var declared = Find(httpCharset) ?? Find(XmlDeclaredEncoding(span));
        var validUtf8 = Utf8.IsValid(span);
        var encoding = declared switch
        {
            null => validUtf8 ? Encoding.UTF8 : Detect(span),
            { CodePage: 65001 } => Utf8OrWindows1252,
            // Latin-1 labels: UTF-8 in disguise when the bytes are valid UTF-8 beyond ASCII, else windows-1252.
            { CodePage: 28591 or 20127 or 1252 } => validUtf8 && !Ascii.IsValid(span) ? Encoding.UTF8 : Windows1252,
            _ => declared,
        };
        return (encoding, 0);
    }

    static Encoding Windows1252 => Encoding.GetEncoding(1252);

    /// <summary>UTF-8 that reads an invalid byte as the windows-1252 character it most likely is, so a feed
    /// that mixes encodings loses nothing to U+FFFD.</summary>
    static readonly Encoding Utf8OrWindows1252 = Encoding.GetEncoding("utf-8", EncoderFallback.ReplacementFallback, new Windows1252Fallback());

    // Undeclared and not UTF-8: ask a charset detector (Mozilla's universal detector), else windows-1252.
    static Encoding Detect(ReadOnlySpan<byte> span)
    {
        var detected = UtfUnknown.CharsetDetector.DetectFromBytes(span.ToArray()).Detected;
        return detected is { Encoding: { } found, Confidence: > 0.5f } && found.CodePage != 65001 ? found : Windows1252;
    }

    sealed class Windows1252Fallback : DecoderFallback
    {
        public override int MaxCharCount => 1;
        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        sealed class Buffer : DecoderFallbackBuffer
        {
            string _pending = "";
            int _index;
            public override int Remaining => _pending.Length - _index;
            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _pending = Encoding.GetEncoding(1252).GetString(bytesUnknown);
                _index = 0;
                return true;
            }
            public override char GetNextChar() => _index < _pending.Length ? _pending[_index++] : '\0';
            public override bool MovePrevious() => _index > 0 && _index-- > 0;
        }
    }

    static Encoding? Find(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        try { return Encoding.GetEncoding(name.Trim().Trim('"', '\'')); }
        catch (ArgumentException) { return null; }
    }

    static string? XmlDeclaredEncoding(ReadOnlySpan<byte> span)
    {
        var head = Encoding.Latin1.GetString(span[..Math.Min(span.Length, 1024)]);
        var m = Declaration().Match(head);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"<\?xml[^>]*?encoding\s*=\s*[""']([A-Za-z0-9._:-]+)[""']")]
    private static partial Regex Declaration();

    /// <summary>The charset parameter of a Content-Type header, if any.</summary>
    public static string? CharsetOf(string? contentType)
    {
        if (contentType is null) return null;
        var m = Charset().Match(contentType);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"charset\s*=\s*[""']?([^""';\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Charset();
}
