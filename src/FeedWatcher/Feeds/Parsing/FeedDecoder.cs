using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>Turns a feed's bytes into text: the byte order mark first, then the HTTP charset, then the XML
/// declaration, then UTF-8 if the bytes are valid UTF-8, else windows-1252. Labels that mean Latin-1 are
/// read as windows-1252, as browsers do, since that is what such feeds really hold.</summary>
public static partial class FeedDecoder
{
    static FeedDecoder() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static string Decode(byte[] bytes, string? httpCharset = null)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF })) return Encoding.UTF8.GetString(span[3..]);
        if (span.StartsWith(new byte[] { 0xFF, 0xFE, 0, 0 })) return new UTF32Encoding(false, false).GetString(span[4..]);
        if (span.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF })) return new UTF32Encoding(true, false).GetString(span[4..]);
        if (span.StartsWith(new byte[] { 0xFF, 0xFE })) return Encoding.Unicode.GetString(span[2..]);
        if (span.StartsWith(new byte[] { 0xFE, 0xFF })) return Encoding.BigEndianUnicode.GetString(span[2..]);
        if (span.StartsWith(new byte[] { (byte)'<', 0, (byte)'?', 0 })) return Encoding.Unicode.GetString(span);
        if (span.StartsWith(new byte[] { 0, (byte)'<', 0, (byte)'?' })) return Encoding.BigEndianUnicode.GetString(span);

        var declared = Find(httpCharset) ?? Find(XmlDeclaredEncoding(span));
        var validUtf8 = Utf8.IsValid(span);
        if (declared is null || (declared.CodePage == Encoding.UTF8.CodePage && !validUtf8))
            declared = validUtf8 ? Encoding.UTF8 : Windows1252;
        else if (declared.CodePage is 28591 or 20127) // ISO-8859-1, US-ASCII
            declared = Windows1252;
        return declared.GetString(span);
    }

    static Encoding Windows1252 => Encoding.GetEncoding(1252);

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
