// How fast the story page of a watch with many hits is served: a private PostgreSQL holding N hits (default
// 10,000) of one watch, spread over 20 feeds and a year, with real headlines from ../shared/eval when present; the
// worker's services with the web server on loopback; then the first page, and pages deep in the timeline, each
// requested over HTTP many times after a warm-up. Prints the median and 90th percentile in ms.
//   dotnet run -c Release --project bench/StoryPageBench [-- --hits N --requests N]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using FeedWatcher;
using FeedWatcher.Storage;
using FeedWatcher.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
var hitCount = int.Parse(Arg("--hits", "10000"), CultureInfo.InvariantCulture);
var requests = int.Parse(Arg("--requests", "100"), CultureInfo.InvariantCulture);
var root = Directory.CreateTempSubdirectory("fw-storypage").FullName;
try
{
    await using var postgres = await PrivatePostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance);
    var connectionString = await postgres.CreateDatabaseAsync("bench");
    var titles = Titles();
    await using (var dataSource = NpgsqlDataSource.Create(connectionString))
    {
        await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        await new FeedStore(dataSource).ImportAsync([.. Enumerable.Range(0, 20).Select(i => ($"http://127.0.0.1/feed{i}.xml", (string?)$"Outlet {i}"))], DateTime.UtcNow);
        await using var connection = await dataSource.OpenConnectionAsync();
        const string explanation = """{"score":0.7,"keywords":0.7,"seed":0.7,"matched":[{"term":"Afghanistan","found":"afghanistan","field":"title"}],"seed_terms":["taliban","kabul"]}""";
        await connection.ExecuteAsync("""
            INSERT INTO items (feed_id, item_key, title, link, summary, published_at, first_seen_at)
            SELECT (SELECT min(id) FROM feeds) + g % 20, 'k' || g, @Titles[1 + g % cardinality(@Titles)], 'http://127.0.0.1/item/' || g,
                   'A summary of the story as the outlet wrote it, a sentence or two long.', now() - g * interval '52 minutes', now() - g * interval '52 minutes'
            FROM generate_series(1, @Hits) g
            """, new { Titles = titles, Hits = hitCount });
        await connection.ExecuteAsync("""
            INSERT INTO hits (item_id, watch, matched, score, explanation, created_at)
            SELECT id, 'Afghanistan peace talks', '{Afghanistan}', 0.3 + (id % 70) / 100.0, @Explanation::jsonb, published_at FROM items
            """, new { Explanation = explanation });
        await connection.ExecuteAsync("VACUUM (ANALYZE) items, hits");
    }

    var builder = FeedWatcherServices.CreateBuilder([]);
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["FeedWatcher:Database:ConnectionString"] = connectionString,
        ["FeedWatcher:StateDirectory"] = Path.Combine(root, "state"),
        ["FeedWatcher:Web:Enabled"] = "true",
        ["FeedWatcher:Web:Listen"] = "http://127.0.0.1:0",
    });
    builder.AddFeedWatcher();
    using var host = builder.Build();
    await using var web = host.Services.GetRequiredService<WebServer>();
    await web.StartAsync(default);
    using var http = new HttpClient { BaseAddress = web.Address };
    var path = StoryPages.PathOf("Afghanistan peace talks");
    var deepest = (hitCount + StoryPages.PageSize - 1) / StoryPages.PageSize;

    async Task<double[]> MeasureAsync(Func<int, string> url)
    {
        for (var i = 0; i < 10; i++) (await http.GetAsync(url(i))).EnsureSuccessStatusCode();
        var times = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await http.GetAsync(url(i));
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }

    var first = await MeasureAsync(_ => path);
    var deep = await MeasureAsync(i => $"{path}?page={1 + (i * 37 % deepest)}");
    var list = await MeasureAsync(_ => "/watches");
    string Figures(double[] t) => string.Create(CultureInfo.InvariantCulture, $"median {t[t.Length / 2]:0.0} ms, p90 {t[t.Length * 9 / 10]:0.0} ms");
    Console.WriteLine($"{hitCount:N0} hits of one watch, {requests} requests each, {StoryPages.PageSize} hits a page:");
    Console.WriteLine($"  the watch's page (newest)       {Figures(first)}");
    Console.WriteLine($"  pages 1-{deepest} of its timeline     {Figures(deep)}");
    Console.WriteLine($"  /watches                        {Figures(list)}");
}
finally
{
    Directory.Delete(root, recursive: true);
}

// Headlines to show: the labelled news of ../shared/eval when present, else made-up ones.
static string[] Titles()
{
    foreach (var dir in new[] { "../shared/eval", "../../shared/eval" })
    {
        var file = Path.Combine(dir, "items.jsonl");
        if (File.Exists(file))
            return [.. File.ReadLines(file).Take(5000).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("title").GetString()!)];
    }
    return [.. Enumerable.Range(0, 500).Select(i => $"Afghanistan: talks on the region's security, day {i}")];
}
