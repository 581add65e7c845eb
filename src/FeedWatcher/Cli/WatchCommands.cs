using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedWatcher.Configuration;
using FeedWatcher.Matching;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher match</c> scores a text against a watch and says why; <c>feedwatcher backtest</c>
/// runs watches over stored items or a JSON-lines file and, given judgments, measures them.</summary>
public static class WatchCommands
{
    public static Command Watches()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per watch, per line." };
        var list = new Command("list", "List the configured watches: keywords, query, exclusions, seed, minimum score, scope.") { json };
        var name = new Argument<string>("name") { Description = "The watch." };
        var show = new Command("show", "What a watch learnt from its confident hits and its readers' judgements: its strongest learnt words, with what taught them; the words pinned and banned.") { name, json };
        var forgetJudgements = new Option<bool>("--judgements") { Description = "Forget what the readers' judgements taught it too (they stay stored)." };
        var reset = new Command("reset", "Make a watch forget what it learnt from its hits so far (and, with --judgements, from the judgements so far). Its seed, keywords and pinned and banned words stay.") { name, forgetJudgements };
        var word = new Argument<string>("word") { Description = "The word (or words)." };
        var remove = new Option<bool>("--remove") { Description = "Lift the pin or ban instead." };
        var pin = new Command("pin", "Keep a word in what the watch compares items with, as the seed's words are.") { name, word, remove };
        var ban = new Command("ban", "Never let the watch learn a word from its hits and judgements.") { name, word, remove };
        var watches = new Command("watches", "The configured watches (feedwatcher watches list).") { list, show, reset, pin, ban };
        watches.Options.Add(json);
        list.SetAction(List);
        watches.SetAction(List);
        show.SetAction(r => WithWatchAsync(r, name, async (host, watchName) =>
        {
            // Learnt as a starting worker learns it: every confident hit and judgement on record (the profile needs
            // nothing else; the recent items a worker also reads at start only weigh words).
            await host.Services.GetRequiredService<WatchLearning>().ApplyNewAsync();
            var registry = host.Services.GetRequiredService<WatchRegistry>();
            var sources = await host.Services.GetRequiredService<ItemStore>().TextsAsync([.. registry.Current.LearntBy(watchName)!.Words.Select(w => w.LastSource).Where(s => s > 0).Distinct()]);
            var profile = registry.Current.LearntBy(watchName, sources)!;
            var titles = sources.ToDictionary(s => s.Key, s => s.Value.Title);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    watch = profile.Watch, confident_hits = profile.ConfidentHits, judged_relevant = profile.JudgedRelevant,
                    judged_not_relevant = profile.JudgedNotRelevant, held_back = profile.HeldBack, copies_left_out = profile.Copies, pinned = profile.Pinned, banned = profile.Banned,
                    words = profile.Words.Select(w => new
                    {
                        word = w.Text, weight = w.Weight, confident_hits = w.ConfidentHits, judged_relevant = w.Relevant, judged_not_relevant = w.NotRelevant, held_back = w.HeldBack,
                        last_item = w.LastSource == 0 ? null : (long?)w.LastSource, last_title = titles.GetValueOrDefault(w.LastSource),
                    }),
                }));
                return 0;
            }
            Console.WriteLine($"{profile.Watch}: learnt from {profile.LearntFrom()}");
            var web = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FeedWatcherOptions>>().Value.Web;
            if (web.Enabled)
                Console.WriteLine($"Page: {(web.PublicBaseUrl is { Length: > 0 } publicUrl ? publicUrl : web.Listen).TrimEnd('/')}{Web.StoryPages.PathOf(profile.Watch)}");
            if (profile.Pinned.Count > 0) Console.WriteLine($"Pinned: {string.Join(", ", profile.Pinned)}");
            if (profile.Banned.Count > 0) Console.WriteLine($"Banned: {string.Join(", ", profile.Banned)}");
            if (profile.Words.Count == 0)
            {
                Console.WriteLine("Nothing learnt yet: a hit that names the watch's keywords and scores 0.6 or more teaches it the story's new words, and so does an item judged relevant.");
                return 0;
            }
            Console.WriteLine("Words that join the seed, strongest first (weight; what taught it; the last item that did):");
            foreach (var w in profile.Words)
            {
                var last = titles.TryGetValue(w.LastSource, out var title) ? $"; last item {w.LastSource} \"{title}\"" : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {w.Text,-24} {w.Weight,5:0.00}  {w.Sources}{last}"));
            }
            return 0;
        }));
        reset.SetAction(r => WithWatchAsync(r, name, async (host, watchName) =>
        {
            var judgements = r.GetValue(forgetJudgements);
            await host.Services.GetRequiredService<LearningStore>().ResetAsync(watchName, judgements);
            Console.WriteLine(judgements
                ? $"{watchName} forgets what it learnt from its hits and judgements so far; the worker applies it at its next poll cycle. The judgements stay stored."
                : $"{watchName} forgets what it learnt from its hits so far and learns again from its judgements; the worker applies it at its next poll cycle.");
            return 0;
        }));
        pin.SetAction(r => SetWordAsync(r, true));
        ban.SetAction(r => SetWordAsync(r, false));
        return watches;

        Task<int> SetWordAsync(ParseResult r, bool pinned) => WithWatchAsync(r, name, async (host, watchName) =>
        {
            var text = r.GetValue(word)!.Trim();
            if (AliasTable.Analyze(text).Length == 0)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: '{text}' has no words to {(pinned ? "pin" : "ban")}");
                return 2;
            }
            var lift = r.GetValue(remove);
            var changed = await host.Services.GetRequiredService<LearningStore>().SetWordAsync(watchName, text, lift ? null : pinned);
            var what = pinned ? "pinned" : "banned";
            Console.WriteLine(!changed ? $"'{text}' was {(lift ? "not " : "already ")}{(lift ? "pinned or banned" : what)} for {watchName}"
                : lift ? $"'{text}' is no longer pinned or banned for {watchName}; the worker applies it at its next poll cycle"
                : $"'{text}' is {what} for {watchName}; the worker applies it at its next poll cycle");
            return 0;
        });

        int List(ParseResult r)
        {
            var configuration = FeedWatcherServices.CreateBuilder(CommandLine.Settings(r)).Configuration;
            if (!AppHost.CheckConfiguration(configuration, quietWhenValid: true)) return 1;
            var options = configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
            foreach (var (watch, i) in options.Watches.Select((w, i) => (w, i)))
            {
                var seed = watch.Seed is null ? null : watch.Seed.File is { Length: > 0 } file ? $"file {file}" : watch.Seed.Title;
                if (r.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        name = watch.Name, keywords = watch.Keywords, query = watch.Query, exclude = watch.Exclude, aliases = watch.Aliases,
                        seed, min_score = watch.MinScore ?? WatchOptions.DefaultMinScore, feeds = watch.Feeds, tags = watch.Tags,
                    }));
                    continue;
                }
                Console.WriteLine($"{watch.Name}  (FeedWatcher:Watches:{i})");
                if (watch.Keywords.Count > 0) Console.WriteLine($"  keywords   {string.Join(", ", watch.Keywords)}");
                if (watch.Query is not null) Console.WriteLine($"  query      {watch.Query}");
                if (watch.Exclude.Count > 0) Console.WriteLine($"  exclude    {string.Join(", ", watch.Exclude)}");
                if (watch.Aliases.Count > 0) Console.WriteLine($"  aliases    {string.Join("; ", watch.Aliases.Select(g => string.Join(" = ", g)))}");
                if (seed is not null) Console.WriteLine($"  seed       {seed}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  min score  {watch.MinScore ?? WatchOptions.DefaultMinScore:0.00}"));
                if (watch.Feeds.Count + watch.Tags.Count > 0) Console.WriteLine($"  scope      {string.Join(", ", watch.Feeds.Concat(watch.Tags.Select(t => "tag " + t)))}");
            }
            if (!r.GetValue(json))
                Console.WriteLine($"{options.Watches.Count} watch(es); {options.Aliases.Count} global alias group(s). They are changed under FeedWatcher:Watches, without a restart.");
            return 0;
        }
    }

    // Runs an action on a watch with a seed, named as the user wrote it, on the migrated database.
    static Task<int> WithWatchAsync(ParseResult r, Argument<string> name, Func<IHost, string, Task<int>> action) =>
        AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var registry = host.Services.GetRequiredService<WatchRegistry>();
            var watch = registry.Current.Watches.FirstOrDefault(w => w.Name.Equals(r.GetValue(name), StringComparison.OrdinalIgnoreCase));
            if (watch?.Seed is null)
            {
                await Console.Error.WriteLineAsync(watch is not null
                    ? $"feedwatcher: watch '{watch.Name}' has no seed, so it learns nothing"
                    : $"feedwatcher: no watch named '{r.GetValue(name)}' (watches: {string.Join(", ", registry.Current.Watches.Select(w => w.Name))})");
                return 1;
            }
            return await action(host, watch.Name);
        }, dataCommand: true);

    public static Command Match()
    {
        var watch = new Option<string>("--watch") { Description = "The watch's name (all watches when left out)." };
        var text = new Option<string>("--text") { Description = "The item's text: its first line is the title, the rest the summary." };
        var file = new Option<FileInfo>("--file") { Description = "Read the item's text from a file instead." };
        var json = new Option<bool>("--json") { Description = "One JSON object per watch." };
        var command = new Command("match", "Score a text against the watches and say why it matched or not.") { watch, text, file, json };
        command.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            var body = r.GetValue(file) is { } f ? await File.ReadAllTextAsync(f.FullName) : r.GetValue(text);
            if (body is null)
            {
                await Console.Error.WriteLineAsync("feedwatcher: give the item's text with --text or --file");
                return 2;
            }
            var lines = body.Split('\n', 2);
            var registry = host.Services.GetRequiredService<WatchRegistry>();
            var name = r.GetValue(watch);
            if (name is not null && !registry.Current.Watches.Any(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                await Console.Error.WriteLineAsync($"feedwatcher: no watch named '{name}' (watches: {string.Join(", ", registry.Current.Watches.Select(w => w.Name))})");
                return 1;
            }
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            await host.Services.GetRequiredService<LearnTermsOnStart>().StartAsync(CancellationToken.None);
            var item = registry.Analyze(new ItemText(lines[0].Trim(), lines.Length > 1 ? lines[1].Trim() : ""));
            foreach (var match in registry.Current.Score(item, null, includeMisses: true).Where(m => name is null || m.Watch.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                Console.WriteLine(r.GetValue(json)
                    ? JsonSerializer.Serialize(new { watch = match.Watch, score = match.Score, match = match.IsHit, explanation = match.Explanation }, WatchExplanation.Json)
                    : string.Create(CultureInfo.InvariantCulture, $"{match.Watch}: {(match.IsHit ? "match" : "no match")}, {match.Explanation}"));
            }
            return 0;
        }, dataCommand: true));
        return command;
    }

    public static Command Feedback()
    {
        var item = new Argument<string>("item") { Description = "The item: its number, or its link." };
        var verdict = new Argument<string>("verdict") { Description = "relevant or not-relevant." };
        var watch = new Option<string>("--watch") { Description = "The watch it is judged for (by default every watch it is a hit for)." };
        var command = new Command("feedback", "Judge an item relevant or not for a watch: the watch learns from it at its next poll cycle, and the judgement is kept.") { item, verdict, watch };
        command.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            var relevant = r.GetValue(verdict) switch
            {
                "relevant" => true,
                "not-relevant" => false,
                _ => (bool?)null,
            };
            if (relevant is null)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: say relevant or not-relevant, not '{r.GetValue(verdict)}'");
                return 2;
            }
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var store = host.Services.GetRequiredService<LearningStore>();
            var found = await store.FindItemsAsync(r.GetValue(item)!);
            if (found.Count == 0)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: no stored item is numbered or linked '{r.GetValue(item)}'");
                return 1;
            }
            var configured = host.Services.GetRequiredService<WatchRegistry>().Current.Watches.Select(w => w.Name).ToList();
            var name = r.GetValue(watch);
            if (name is not null)
            {
                name = configured.FirstOrDefault(w => w.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (name is null)
                {
                    await Console.Error.WriteLineAsync($"feedwatcher: no watch named '{r.GetValue(watch)}' (watches: {string.Join(", ", configured)})");
                    return 1;
                }
            }
            var judged = 0;
            foreach (var (id, title, hitFor) in found)
            {
                string[] forWatches = name is not null ? [name] : hitFor;
                foreach (var w in forWatches)
                {
                    await store.AddAsync(w, id, relevant.Value);
                    Console.WriteLine($"Item {id} \"{title}\": {(relevant.Value ? "relevant" : "not relevant")} for {w}");
                    judged++;
                }
            }
            if (judged == 0)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: item {string.Join(", ", found.Select(f => f.Id))} is no hit for any watch; name the watch with --watch");
                return 1;
            }
            return 0;
        }, dataCommand: true));
        return command;
    }

    public static Command Backtest()
    {
        var since = new Option<DateTime?>("--since") { Description = "Stored items first seen on or after this date (UTC)." };
        var items = new Option<FileInfo>("--items") { Description = "Items from a JSON-lines file (id, date, title, summary) instead of the database." };
        var watches = new Option<FileInfo>("--watches") { Description = "Watches (and Aliases) from this JSON file instead of the configuration." };
        var qrels = new Option<FileInfo>("--qrels") { Description = "Judgments (topic, item, relevance per line): print precision, recall, F1 and detection cost per watch." };
        var output = new Option<FileInfo>("--out") { Description = "Write the JSON lines here instead of standard output." };
        var explain = new Option<bool>("--explain") { Description = "Add each score's explanation to its line." };
        var feedback = new Option<FileInfo>("--feedback") { Description = "Judgments (as --qrels) given by a simulated reader: each hit is judged right after it is made, when the file judges it." };
        var command = new Command("backtest", "Run the watches over past items: one JSON line per (item, watch) with its score.") { since, items, watches, qrels, output, explain, feedback };
        command.SetAction(async r =>
        {
            if (r.GetValue(items) is null && r.GetValue(since) is null)
            {
                await Console.Error.WriteLineAsync("feedwatcher: give --since DATE (stored items) or --items FILE");
                return 2;
            }
            var options = FeedWatcherServices.CreateBuilder(CommandLine.Settings(r)).Configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
            if (r.GetValue(watches) is { } watchFile)
            {
                try { ReadWatches(watchFile, options); }
                catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
                {
                    await Console.Error.WriteLineAsync($"feedwatcher: {watchFile}: {e.Message}");
                    return 1;
                }
            }
            var (set, problems) = WatchCompiler.Compile(options, new TermStatistics());
            if (set is null)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: the watches do not compile:\n  {string.Join("\n  ", problems)}");
                return 1;
            }
            if (r.GetValue(items) is { } itemFile)
            {
                try { return await RunAsync(set, ReadItems(itemFile), r.GetValue(qrels), r.GetValue(output), r.GetValue(explain), r.GetValue(feedback)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    await Console.Error.WriteLineAsync($"feedwatcher: {e.Message}");
                    return 1;
                }
            }
            return await AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
            {
                await host.Services.GetRequiredService<Migrator>().MigrateAsync();
                var stored = host.Services.GetRequiredService<ItemStore>().SinceAsync(DateTime.SpecifyKind(r.GetValue(since)!.Value, DateTimeKind.Utc));
                return await RunAsync(set, stored.Select(i => (i.Id.ToString(CultureInfo.InvariantCulture), new ItemText(i.Title, i.Summary), (string?)i.FeedUrl)), r.GetValue(qrels), r.GetValue(output), r.GetValue(explain), r.GetValue(feedback));
            }, dataCommand: true);
        });
        return command;
    }

    static async Task<int> RunAsync(WatchSet set, IAsyncEnumerable<(string Id, ItemText Text, string? FeedUrl)> items, FileInfo? qrelsFile, FileInfo? output, bool explain,
        FileInfo? feedbackFile)
    {
        var judgments = qrelsFile is null ? null : Evaluation.ReadQrels(await File.ReadAllLinesAsync(qrelsFile.FullName));
        var reader = feedbackFile is null ? null : Evaluation.ReadQrels(await File.ReadAllLinesAsync(feedbackFile.FullName));
        var judged = new Dictionary<string, List<(double, bool)>>(StringComparer.OrdinalIgnoreCase);
        await using var writer = output is null ? null : new StreamWriter(output.FullName);
        var lines = writer ?? Console.Out;
        // What the simulated reader judged, by watch: the digest holds back hits like those judged not relevant.
        var verdicts = new Dictionary<string, List<Digests.HeldBack.Judged>>(StringComparer.OrdinalIgnoreCase);
        var judgedIds = new List<string>(); // a judged item's ItemId is its place here
        var count = 0;
        await foreach (var (id, text, feedUrl) in items)
        {
            // Each item is scored on what came before it, then learnt from unless it is a hit, as the worker does.
            var item = set.Analyze(text);
            var matches = set.Score(item, feedUrl, includeMisses: true);
            set.Learn(item);
            // The simulated reader judges the hits the digest shows, right after they are made, and nothing else.
            var heldBack = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            float[]? meaning = null;
            foreach (var hit in reader is null ? [] : matches.Where(m => m.IsHit))
            {
                var before = verdicts.TryGetValue(hit.Watch, out var known) ? known : verdicts[hit.Watch] = [];
                if (before.Any(j => !j.Relevant))
                {
                    meaning ??= Digests.SentenceEmbeddings.Encode([text.Title])[0];
                    if (Digests.HeldBack.For(meaning, before) is { } like)
                    {
                        heldBack[hit.Watch] = judgedIds[(int)like.ItemId];
                        set.Teach(hit.Watch, item, Evidence.HeldBack);
                        continue;
                    }
                }
                if (reader!.TryGetValue((hit.Watch, id), out var relevance) && relevance >= 0)
                {
                    set.Teach(hit.Watch, item, relevance >= 1 ? Evidence.Relevant : Evidence.NotRelevant);
                    meaning ??= Digests.SentenceEmbeddings.Encode([text.Title])[0];
                    before.Add(new Digests.HeldBack.Judged(judgedIds.Count, relevance >= 1, meaning));
                    judgedIds.Add(id);
                }
            }
            set.Publish();
            foreach (var match in matches)
            {
                // A hit the digest holds back is not alerted: it is measured as no hit.
                var held = heldBack.GetValueOrDefault(match.Watch);
                var line = explain
                    ? JsonSerializer.SerializeToNode(new { item = id, watch = match.Watch, score = match.Score, match = match.IsHit && held is null, explanation = match.Explanation }, WatchExplanation.Json)!
                    : JsonSerializer.SerializeToNode(new { item = id, watch = match.Watch, score = match.Score, match = match.IsHit && held is null })!;
                if (held is not null) line["held_back_like"] = held; // the item judged not relevant it is like
                await lines.WriteLineAsync(line.ToJsonString(explain ? WatchExplanation.Json : null));
                if (judgments is not null && judgments.TryGetValue((match.Watch, id), out var relevance) && relevance >= 0)
                    (judged.TryGetValue(match.Watch, out var list) ? list : judged[match.Watch] = []).Add((held is null ? match.Score : 0, relevance >= 1));
            }
            if (++count % 1000 == 0)
                await Console.Error.WriteLineAsync($"feedwatcher: {count} items");
        }
        await lines.FlushAsync();
        await Console.Error.WriteLineAsync($"feedwatcher: {count} items, {set.Watches.Count} watches");
        if (judgments is null)
            return 0;
        var report = writer is null ? Console.Error : Console.Out;
        await report.WriteLineAsync("At each watch's MinScore:");
        foreach (var (watch, list) in judged.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            await report.WriteLineAsync("  " + Evaluation.Measure(watch, list, set.Watches.First(w => w.Name.Equals(watch, StringComparison.OrdinalIgnoreCase)).MinScore));
        var loo = Evaluation.LeaveOneOut(judged);
        await report.WriteLineAsync("At the threshold chosen on the other watches (leave one out):");
        foreach (var figures in loo)
            await report.WriteLineAsync("  " + figures);
        await report.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  mean C_norm {loo.Average(f => f.Cost):0.000}, mean F1 {loo.Average(f => f.F1):0.000}"));
        return 0;
    }

    // A watches file: {"Watches": [...], "Aliases": [...]}, bare or under "FeedWatcher" as in appsettings.json.
    static void ReadWatches(FileInfo file, FeedWatcherOptions options)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(file.FullName, optional: false).Build();
        var section = configuration.GetSection(FeedWatcherOptions.Section).Exists() ? configuration.GetSection(FeedWatcherOptions.Section) : (IConfiguration)configuration;
        options.Watches = section.GetSection("Watches").Get<List<WatchOptions>>() ?? throw new InvalidOperationException("no Watches in the file");
        options.Aliases = section.GetSection("Aliases").Get<List<List<string>>>() ?? options.Aliases;
    }

    // Items in date order (stable), each with an id, title and summary.
    static async IAsyncEnumerable<(string, ItemText, string?)> ReadItems(FileInfo file)
    {
        var rows = new List<(string Date, int Line, string Id, ItemText Text)>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(file.FullName))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject item;
            try { item = JsonNode.Parse(line)?.AsObject() ?? throw new JsonException("not an object"); }
            catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{file.Name}:{number}: {e.Message}", e); }
            rows.Add(((string?)item["date"] ?? "", number, (string?)item["id"] ?? number.ToString(CultureInfo.InvariantCulture),
                new ItemText((string?)item["title"] ?? "", (string?)item["summary"] ?? "")));
        }
        foreach (var row in rows.OrderBy(r => r.Date, StringComparer.Ordinal).ThenBy(r => r.Line))
            yield return (row.Id, row.Text, null);
    }
}
