using System.CommandLine;
using System.Text.Json;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Matching;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher digest preview|send</c>, and <c>feedwatcher same-story</c>: the digest's decision
/// whether two texts tell the same story.</summary>
public static class DigestCommands
{
    public static Command Digest()
    {
        var name = new Argument<string?>("name") { Description = "The digest's name (every digest when left out).", Arity = ArgumentArity.ZeroOrOne };
        var html = new Option<FileInfo>("--html") { Description = "Write the HTML part to this file." };
        var text = new Option<FileInfo>("--text") { Description = "Write the plain-text part to this file instead of printing it." };
        var preview = new Command("preview", "Render what the next digest would hold, without sending or claiming anything.") { name, html, text };
        preview.SetAction(r => AppHost.WithHostAsync(SettingsAndName(r, name).Settings, async host =>
        {
            var outbox = await ReadyAsync(host);
            if (Select(outbox, host, SettingsAndName(r, name).Name) is not { } digests) return 1;
            foreach (var digest in digests)
                await PreviewAsync(outbox, digest, r.GetValue(html) is { } htmlFile ? Path(htmlFile, digest, digests.Count) : null,
                    r.GetValue(text) is { } textFile ? Path(textFile, digest, digests.Count) : null);
            return 0;
        }, dataCommand: true));

        var send = new Command("send", "Make the digest now from the hits it has not carried yet, and send it with whatever else is due.") { name };
        send.SetAction(r => AppHost.WithHostAsync(SettingsAndName(r, name).Settings, async host =>
        {
            var outbox = await ReadyAsync(host);
            if (Select(outbox, host, SettingsAndName(r, name).Name) is not { } digests) return 1;
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            foreach (var digest in digests)
            {
                var id = await outbox.CreateAsync(digest, $"manual:{now:O}");
                Console.WriteLine(id is null ? $"Digest {digest.Name}: nothing to send" : $"Digest {digest.Name}: #{id} added to the outbox");
            }
            var outcomes = await outbox.DeliverDueAsync();
            foreach (var outcome in outcomes)
            {
                if (outcome.State == "sent")
                    Console.WriteLine(System.IO.Path.IsPathRooted(outcome.Destination)
                        ? $"Digest {outcome.Name} #{outcome.Id} written to {outcome.Destination} (no Smtp:Host is configured)"
                        : $"Digest {outcome.Name} #{outcome.Id} sent to {outcome.Destination}");
                else await Console.Error.WriteLineAsync($"Digest {outcome.Name} #{outcome.Id} not sent ({outcome.State}): {outcome.Error}");
            }
            return outcomes.All(o => o.State == "sent") ? 0 : 1;
        }, dataCommand: true));

        return new Command("digest", "Preview or send digests.") { preview, send };
    }

    /// <summary>Renders what the next digest would hold: its text printed (or written to <paramref name="textFile"/>),
    /// its HTML written to <paramref name="htmlFile"/> when given.</summary>
    public static async Task PreviewAsync(DigestOutbox outbox, DigestOptions digest, string? htmlFile = null, string? textFile = null)
    {
        var (draft, message) = await outbox.PreviewAsync(digest);
        if (htmlFile is not null) await File.WriteAllTextAsync(htmlFile, message.HtmlBody);
        if (textFile is not null) await File.WriteAllTextAsync(textFile, message.TextBody);
        else
        {
            Console.WriteLine($"Subject: {message.Subject}");
            Console.WriteLine($"To: {string.Join(", ", message.To.Mailboxes.Select(m => m.Address))}");
            Console.WriteLine();
            Console.Write(message.TextBody);
        }
        if (draft.Stories.Count == 0 && !digest.SendWhenEmpty)
            await Console.Error.WriteLineAsync($"Digest {digest.Name}: no new stories, so nothing would be sent (SendWhenEmpty is false)");
    }

    // A setting (--Section:Key=value) right after the command is taken for the optional NAME by the parser: it
    // goes back to the settings.
    static (string[] Settings, string? Name) SettingsAndName(ParseResult result, Argument<string?> name) =>
        result.GetValue(name) is { } given && given.StartsWith("--", StringComparison.Ordinal)
            ? ([given, .. CommandLine.Settings(result)], null)
            : (CommandLine.Settings(result), result.GetValue(name));

    static async Task<DigestOutbox> ReadyAsync(IHost host)
    {
        await host.Services.GetRequiredService<Storage.Migrator>().MigrateAsync();
        await host.Services.GetRequiredService<Scheduling.LearnTermsOnStart>().StartAsync(CancellationToken.None);
        return host.Services.GetRequiredService<DigestOutbox>();
    }

    static List<DigestOptions>? Select(DigestOutbox outbox, IHost host, string? name)
    {
        var all = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<FeedWatcherOptions>>().CurrentValue.Digests;
        if (name is null)
        {
            if (all.Count == 0) Console.Error.WriteLine("feedwatcher: no digest is configured (FeedWatcher:Digests)");
            return all.Count == 0 ? null : all;
        }
        if (outbox.Find(name) is { } digest) return [digest];
        Console.Error.WriteLine($"feedwatcher: no digest named '{name}' (digests: {string.Join(", ", all.Select(d => d.Name))})");
        return null;
    }

    // With several digests, one file each: NAME inserted before the extension.
    static string Path(FileInfo file, DigestOptions digest, int count) =>
        count == 1 ? file.FullName : System.IO.Path.ChangeExtension(file.FullName, null) + "-" + digest.Name + file.Extension;

    public static Command SameStoryCommand()
    {
        var pairs = new Option<FileInfo>("--pairs") { Description = "Pairs of texts, one JSON object a line: id, a, b (each text taken as an item title).", Required = true };
        var parts = new Option<bool>("--parts") { Description = "Also print the two parts of the score: \"meaning\" (sentence embeddings) and \"terms\" (shared terms)." };
        var command = new Command("same-story", "Score pairs of texts as the digest does before merging one story from several feeds: "
            + "one JSON line per pair, {\"id\", \"score\", \"same\"}. Term weights are learnt from the file's own texts; aliases are the configured global ones.") { pairs, parts };
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
            var texts = read.SelectMany(p => new[] { p.A, p.B }).Distinct(StringComparer.Ordinal).ToList();
            foreach (var text in texts)
                statistics.Observe(new AnalyzedItem(text, "", aliases).Similarity);
            statistics.Publish();
            var sameStory = new SameStory(statistics, aliases);
            var titles = sameStory.Prepare(texts).ToDictionary(t => t.Text, StringComparer.Ordinal);
            foreach (var (id, a, b) in read)
            {
                var score = Math.Round(sameStory.Score(titles[a], titles[b]), 4);
                var same = score >= SameStory.Threshold;
                await Console.Out.WriteLineAsync(r.GetValue(parts)
                    ? JsonSerializer.Serialize(new { id, score, same, meaning = Math.Round(SameStory.Meaning(titles[a], titles[b]), 4), terms = Math.Round(sameStory.SharedTerms(titles[a].Terms, titles[b].Terms), 4) })
                    : JsonSerializer.Serialize(new { id, score, same }));
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
