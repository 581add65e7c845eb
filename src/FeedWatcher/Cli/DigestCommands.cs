using System.CommandLine;
using System.Text.Json;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Matching;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher same-story</c>: the digest's decision whether two texts tell the same story.</summary>
public static class DigestCommands
{
    public static Command SameStoryCommand()
    {
        var pairs = new Option<FileInfo>("--pairs") { Description = "Pairs of texts, one JSON object a line: id, a, b (each text taken as an item title).", Required = true };
        var command = new Command("same-story", "Score pairs of texts as the digest does before merging one story from several feeds: "
            + "one JSON line per pair, {\"id\", \"score\", \"same\"}. Term weights are learnt from the file's own texts; aliases are the configured global ones.") { pairs };
        command.SetAction(async r =>
        {
            var file = r.GetValue(pairs)!;
            List<(string Id, string A, string B)> read;
            try
            {
                read = ReadPairs(file);
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or KeyNotFoundException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: {file}: {e.Message}");
                return 1;
            }
            // The configured global aliases, as the digest merges with them.
            var options = FeedWatcherServices.CreateBuilder(CommandLine.Settings(r)).Configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
            var aliases = new AliasTable(options.Aliases);
            var statistics = new TermStatistics();
            var analyzed = new Dictionary<string, AnalyzedItem>(StringComparer.Ordinal);
            foreach (var text in read.SelectMany(p => new[] { p.A, p.B }))
            {
                if (analyzed.ContainsKey(text)) continue;
                var item = new AnalyzedItem(text, "", aliases);
                analyzed[text] = item;
                statistics.Observe(item.Similarity);
            }
            var sameStory = new SameStory(statistics);
            foreach (var (id, a, b) in read)
            {
                var score = Math.Round(sameStory.Score(analyzed[a], analyzed[b]), 4);
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { id, score, same = score >= SameStory.Threshold }));
            }
            return 0;
        });
        return command;
    }

    static List<(string Id, string A, string B)> ReadPairs(FileInfo file)
    {
        var pairs = new List<(string, string, string)>();
        var number = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            string Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new InvalidOperationException($"line {number}: '{name}' is missing or not a string");
            var id = root.TryGetProperty("id", out var idValue) ? idValue.ToString() : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pairs.Add((id, Text("a"), Text("b")));
        }
        return pairs;
    }
}
