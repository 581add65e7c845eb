using System.Text.Encodings.Web;
using System.Text.Json;
using FeedWatcher.Feeds;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher parse FILE... [--json]</c>: reads feed files as FeedWatcher would and prints what
/// it found, one JSON line per file with --json (the schema the parser is scored with).</summary>
public static class ParseCommand
{
    public static int Run(IReadOnlyList<string> files, bool json)
    {
        var failed = 0;
        var line = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var file in files)
        {
            ParsedFeed? feed = null;
            string? error = null;
            try
            {
                feed = FeedParser.Parse(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is FeedParseException or IOException or UnauthorizedAccessException)
            {
                error = e.Message;
                failed++;
            }
            if (json)
            {
                Write(writer, file, feed, error);
                writer.Flush();
                Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(line.WrittenSpan));
                line.Clear();
                writer.Reset();
            }
            else
            {
                Console.WriteLine(feed is null ? $"{file}: {error}" : $"{file}: {feed.Title} ({feed.Entries.Count} items)");
                if (feed is not null)
                    foreach (var e in feed.Entries)
                        Console.WriteLine($"  {(e.Published ?? e.Updated)?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "(no date)",-16}  {e.TitleText}  {e.Link}");
            }
        }
        return failed == 0 ? 0 : 1;
    }

    static void Write(Utf8JsonWriter w, string file, ParsedFeed? feed, string? error)
    {
        w.WriteStartObject();
        w.WriteString("file", file);
        w.WriteBoolean("ok", feed is not null);
        w.WriteString("error", error);
        if (feed is not null)
        {
            w.WriteStartObject("feed");
            w.WriteString("title", feed.Title);
            w.WriteString("link", feed.Link);
            w.WriteEndObject();
            w.WriteNumber("item_count", feed.Entries.Count);
            w.WriteStartArray("items");
            foreach (var e in feed.Entries)
            {
                w.WriteStartObject();
                w.WriteString("title", e.Title);
                w.WriteString("link", e.Link);
                w.WriteString("id", e.Id);
                w.WriteString("published", Iso(e.Published));
                w.WriteString("updated", Iso(e.Updated));
                w.WriteString("author", e.Author);
                w.WriteString("summary", e.Summary);
                w.WriteString("content", e.Content);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    static string? Iso(DateTime? utc) => utc?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
