namespace FeedWatcher.Feeds.Parsing;

/// <summary>How deep a document's elements nest, told from its bytes before it is parsed, in one pass that stops as
/// soon as the limit is passed. Start tags open a level and end tags close one; comments, CDATA sections, processing
/// instructions, declarations, empty-element tags and HTML's void elements (<c>&lt;br&gt;</c>, often left unclosed in
/// feeds' markup) do not nest. Read as ASCII, which every encoding a feed uses but UTF-16 and UTF-32 agrees with
/// for markup; in those the count stays low, and a document is never refused for them.</summary>
public static class XmlDepth
{
    static readonly string[] Void = ["br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source", "track", "wbr"];

    /// <summary>Whether elements in <paramref name="document"/> nest more than <paramref name="limit"/> deep.</summary>
    public static bool Exceeds(ReadOnlySpan<byte> document, int limit)
    {
        var depth = 0;
        var at = document.IndexOf((byte)'<');
        while (at >= 0 && at + 1 < document.Length)
        {
            var rest = document[at..];
            int end;
            switch (rest[1])
            {
                case (byte)'!' when rest.StartsWith("<![CDATA["u8):
                    end = Past(rest, "]]>"u8);
                    break;
                case (byte)'!' when rest.StartsWith("<!--"u8):
                    end = Past(rest, "-->"u8);
                    break;
                case (byte)'!' or (byte)'?':
                    end = Past(rest, ">"u8);
                    break;
                case (byte)'/':
                    depth--;
                    end = Past(rest, ">"u8);
                    break;
                case var c when IsNameStart(c):
                    end = Past(rest, ">"u8);
                    var closed = end > 1 && end <= rest.Length && rest[end - 2] == (byte)'/';
                    if (!closed && !IsVoid(rest[1..]) && ++depth > limit) return true;
                    break;
                default:
                    end = 1;
                    break;
            }
            if (end > rest.Length) return false; // the document ends inside a tag
            var next = rest[end..].IndexOf((byte)'<');
            at = next < 0 ? -1 : at + end + next;
        }
        return false;
    }

    // Where the text after the first occurrence of the marker starts, or past the end when there is none.
    static int Past(ReadOnlySpan<byte> text, ReadOnlySpan<byte> marker)
    {
        var found = text[1..].IndexOf(marker);
        return found < 0 ? text.Length + 1 : found + 1 + marker.Length;
    }

    static bool IsNameStart(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or >= 0x80;

    static bool IsVoid(ReadOnlySpan<byte> tag)
    {
        var length = 0;
        while (length < tag.Length && (char.IsAsciiLetterOrDigit((char)tag[length]) || tag[length] == (byte)':')) length++;
        if (length is < 2 or > 6) return false;
        Span<char> name = stackalloc char[length];
        for (var i = 0; i < length; i++) name[i] = char.ToLowerInvariant((char)tag[i]);
        foreach (var candidate in Void)
        {
            if (name.SequenceEqual(candidate)) return true;
        }
        return false;
    }
}
