using System.Buffers;
using System.Text;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>The text of a feed's bytes, decoded as it is read, so that a feed is parsed without first
/// being held whole as one string. It drops what FeedReader strips from a document before parsing it:
/// C0 controls other than tab and line breaks, DEL and stray byte order marks anywhere, and white space
/// before the first character.</summary>
public sealed class FeedTextReader : TextReader
{
    static readonly SearchValues<char> Dropped = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F\uFEFF");

    readonly Decoder _decoder;
    readonly char[] _chars = new char[4096];
    ReadOnlyMemory<byte> _bytes;
    int _start, _end;
    bool _flushed, _begun;

    /// <param name="bytes">The feed's bytes after any byte order mark.</param>
    /// <param name="encoding">The encoding <see cref="FeedDecoder.Choose"/> chose for them.</param>
    public FeedTextReader(ReadOnlyMemory<byte> bytes, Encoding encoding)
    {
        _bytes = bytes;
        _decoder = encoding.GetDecoder();
    }

    public override int Peek() => Fill() ? _chars[_start] : -1;

    public override int Read() => Fill() ? _chars[_start++] : -1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty || !Fill()) return 0;
        var count = Math.Min(buffer.Length, _end - _start);
        _chars.AsSpan(_start, count).CopyTo(buffer);
        _start += count;
        return count;
    }

    // Decodes the next run of characters once the last is used up; false at the end of the bytes.
    bool Fill()
    {
        while (_start == _end)
        {
            if (_flushed) return false;
            var flush = _bytes.IsEmpty;
            _decoder.Convert(_bytes.Span, _chars, flush, out var bytesUsed, out var charsUsed, out var completed);
            _bytes = _bytes[bytesUsed..];
            _flushed = flush && completed;
            _start = 0;
            _end = Keep(charsUsed);
        }
        return true;
    }

    // Compacts the decoded run to the characters kept; returns how many.
    int Keep(int count)
    {
        var run = _chars.AsSpan(0, count);
        var first = _begun ? run.IndexOfAny(Dropped) : 0;
        if (first < 0) return count;
        var kept = first;
        foreach (var c in run[first..])
        {
            if (Dropped.Contains(c)) continue;
            if (!_begun)
            {
                if (char.IsWhiteSpace(c)) continue;
                _begun = true;
            }
            run[kept++] = c;
        }
        return kept;
    }
}
