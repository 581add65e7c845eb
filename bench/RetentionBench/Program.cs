// A year of polling simulated straight into the database through FeedWatcher's own item writes (ItemStore.SavePollsAsync):
// FEEDS feeds, each listing its newest 30 items and polled with a body once a day, adding PER_DAY new items a day on
// average (feed by feed from a fifth to nearly twice that), one new item in 200 a hit; item texts are those of the
// ../shared/perf feed set, read with FeedWatcher's parser. Run twice on one private PostgreSQL: as FeedWatcher was
// before retention (everything kept), and with the default FeedWatcher:Retention applied every night. Prints the
// database's size at each month's end side by side, and how long the nightly cleanups took.
//   RetentionBench [--feeds 1000] [--per-day 10] [--days 365] [--root DIR]
using System.Diagnostics;
using System.Globalization;
using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var feedCount = IntArg("--feeds", 1000);
var perDay = IntArg("--per-day", 10);
var days = IntArg("--days", 365);
var root = Arg("--root", "/tmp/fwperf");
const int Listed = 30;

var texts = Texts(Path.Combine(root, "feeds"));
Console.Error.WriteLine($"{texts.Count} item texts, average {texts.Average(t => t.Title.Length + t.Summary.Length):0} characters");

await using var postgres = await PrivatePostgres.StartAsync(Path.Combine(root, "retention-pg"), NullLogger.Instance);
// --kept FILE: the figures of a run with everything kept, from an earlier run (they do not depend on the policy).
var keptFile = Arg("--kept", "");
var kept = keptFile.Length > 0 && File.Exists(keptFile)
    ? [.. File.ReadLines(keptFile).Select(l => l.Split('\t')).Select(f => (int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), TimeSpan.Zero))]
    : await SimulateAsync("kept", retention: false);
if (keptFile.Length > 0 && !File.Exists(keptFile))
    File.WriteAllLines(keptFile, kept.Select(k => FormattableString.Invariant($"{k.Day}\t{k.Items}\t{k.Bytes}")));
var cleaned = await SimulateAsync("retention", retention: true);

Console.WriteLine($"A year of polling simulated: {feedCount:N0} feeds, {perDay} new items a day each on average, {days} days");
Console.WriteLine();
Console.WriteLine("| day | items stored | database, everything kept | items stored (with text) | database, default retention | cleanup that night |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var (a, b) in kept.Zip(cleaned))
    Console.WriteLine($"| {a.Day} | {a.Items:N0} | {Mb(a.Bytes)} | {b.Items:N0} ({b.WithText:N0}) | {Mb(b.Bytes)} | {b.Cleanup.TotalSeconds:0.0} s |");
return 0;

static string Mb(long bytes) => $"{bytes / 1e6:N0} MB";

async Task<List<(int Day, long Items, long WithText, long Bytes, TimeSpan Cleanup)>> SimulateAsync(string name, bool retention)
{
    var connectionString = await postgres.CreateDatabaseAsync($"year_{name}");
    await using (var admin = new NpgsqlConnection(connectionString))
    {
        await admin.OpenAsync();
        await admin.ExecuteAsync("DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS quartz CASCADE");
    }
    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
    var start = new DateTime(2025, 1, 1, 6, 0, 0, DateTimeKind.Utc);
    var feeds = new FeedStore(dataSource);
    await feeds.ImportAsync([.. Enumerable.Range(0, feedCount).Select(f => ($"http://feeds.example/{f}", (string?)null))], start);
    var rows = (await feeds.AllAsync()).OrderBy(f => f.Id).ToList();
    var items = new ItemStore(dataSource);
    var store = new RetentionStore(dataSource);
    var policy = new RetentionOptions();
    var listing = rows.Select(_ => new Queue<PolledItem>()).ToList();
    var serial = 0L;
    var figures = new List<(int, long, long, long, TimeSpan)>();
    for (var day = 0; day < days; day++)
    {
        var now = start.AddDays(day);
        var polls = new List<PollToSave>();
        for (var f = 0; f < rows.Count; f++)
        {
            // Feed f adds from a fifth to nearly twice the average, about evenly spread over the day's polls.
            var rate = perDay * (0.2 + 1.6 * f / rows.Count);
            var fresh = (int)(rate * (day + 1)) - (int)(rate * day);
            var matches = new Dictionary<string, IReadOnlyList<WatchMatch>>();
            for (var i = 0; i < fresh; i++)
            {
                var text = texts[(int)(serial % texts.Count)];
                var item = new PolledItem($"i{serial}", text.Title, $"http://feeds.example/{f}/{serial}", text.Summary, now);
                if (serial % 200 == 0)
                    matches[item.Key] = [new WatchMatch("Afghanistan", 0.7, new WatchExplanation(0.7, 0.7, 0, [new TermHit("afghanistan", "Afghanistan", "title")], []))];
                listing[f].Enqueue(item);
                if (listing[f].Count > Listed) listing[f].Dequeue();
                serial++;
            }
            polls.Add(new PollToSave(rows[f], [.. listing[f]], matches, new FeedSuccess(rows[f].Id, null, null, 200, null, null, now, now.AddHours(1))));
        }
        foreach (var batch in polls.Chunk(50))
            await items.SavePollsAsync(batch);

        var cleanup = TimeSpan.Zero;
        if (retention)
        {
            var watch = Stopwatch.StartNew();
            await store.ApplyAsync(policy, now.AddHours(21), FeedWatcher.Scheduling.LearnTermsOnStart.Items);
            cleanup = watch.Elapsed;
        }
        if ((day + 1) % 30 == 0 || day == days - 1)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var (count, withText, bytes) = await connection.QuerySingleAsync<(long, long, long)>(
                "SELECT count(*), count(*) FILTER (WHERE text_dropped_at IS NULL), pg_database_size(current_database()) FROM items");
            figures.Add((day + 1, count, withText, bytes, cleanup));
            Console.Error.WriteLine($"{name} day {day + 1}: {count:N0} items ({withText:N0} with text), {Mb(bytes)}, cleanup {cleanup.TotalSeconds:0.0} s");
        }
    }
    return figures;
}

// Titles and summaries of the items of the feed set, as FeedWatcher stores them.
static List<(string Title, string Summary)> Texts(string directory)
{
    var texts = new List<(string, string)>();
    foreach (var file in Directory.EnumerateFiles(directory).Where(f => !f.EndsWith(".gz", StringComparison.Ordinal)).Order().Take(1500))
    {
        try
        {
            foreach (var entry in FeedParser.Parse(File.ReadAllBytes(file)).Entries)
            {
                var item = PolledItem.From(entry);
                if (item.Title.Length + item.Summary.Length > 0) texts.Add((item.Title, item.Summary));
            }
        }
        catch (FeedParseException) { }
    }
    return texts;
}
