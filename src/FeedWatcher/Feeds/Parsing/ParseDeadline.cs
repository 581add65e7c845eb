using System.Diagnostics;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>When reading one document must stop: checked between the steps of reading and repairing it, and by
/// the XML reader each time it takes more text, so that no document holds a parsing slot for long.</summary>
sealed class ParseDeadline(TimeSpan limit)
{
    readonly long _start = Stopwatch.GetTimestamp();

    /// <exception cref="TimeoutException">The time is up.</exception>
    public void Check()
    {
        if (Stopwatch.GetElapsedTime(_start) > limit)
            throw new TimeoutException();
    }

    /// <summary><paramref name="reader"/>, checking the deadline on every read of a block.</summary>
    public TextReader Watch(TextReader reader) => new Watched(reader, this);

    sealed class Watched(TextReader inner, ParseDeadline deadline) : TextReader
    {
        public override int Peek() => inner.Peek();

        public override int Read() => inner.Read();

        public override int Read(char[] buffer, int index, int count)
        {
            deadline.Check();
            return inner.Read(buffer, index, count);
        }

        public override int Read(Span<char> buffer)
        {
            deadline.Check();
            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
