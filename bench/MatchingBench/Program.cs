// Watch matching speed: items per second on one core for 1, 10, 100 and 1,000 watches, FeedWatcher's
// compiled watch set (analysis once per item, one pass through an inverted index, seed similarity included)
// beside a naive matcher that runs one Regex per keyword. Items: the 823 news items of ../shared/eval
// (title and summary). Watches: generated from those items' words, each with three keywords (one of two
// words) and, for FeedWatcher, a seed item.
//   dotnet run -c Release --project bench/MatchingBench [-- --filter '*']
using System.Text.Json;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using FeedWatcher.Configuration;
using FeedWatcher.Matching;

BenchmarkSwitcher.FromAssembly(typeof(MatchingBenchmarks).Assembly).Run(args.Contains("--filter") ? args : [.. args, "--filter", "*"]);

[MemoryDiagnoser]
public class MatchingBenchmarks
{
    [Params(1, 10, 100, 1000)]
    public int Watches { get; set; }

    ItemText[] _items = [];
    WatchSet _set = null!;
    (string Name, Regex[] Keywords)[] _naive = [];

    const int ItemCount = 823;

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(FindShared(), "eval", "items.jsonl");
        _items = [.. File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => new ItemText(e.GetProperty("title").GetString() ?? "", e.GetProperty("summary").GetString() ?? ""))];
        var random = new Random(7);
        // Keywords are words that occur in the items (capitalized ones, as people watch names and places).
        var words = _items.SelectMany(i => Regex.Matches(i.Title, @"\b[A-Z][a-z]{3,}\b").Select(m => m.Value)).Distinct().ToArray();
        var watches = Enumerable.Range(0, Watches).Select(i =>
        {
            var seed = _items[random.Next(_items.Length)];
            return new WatchOptions
            {
                Name = $"watch {i}",
                Keywords = [words[random.Next(words.Length)], words[random.Next(words.Length)], $"{words[random.Next(words.Length)]} {words[random.Next(words.Length)]}"],
                Seed = new SeedOptions { Title = seed.Title, Text = seed.Summary },
            };
        }).ToList();
        var statistics = new TermStatistics();
        var (set, problems) = WatchCompiler.Compile(new FeedWatcherOptions { Watches = watches }, statistics);
        _set = set ?? throw new InvalidOperationException(string.Join("; ", problems));
        // A warm worker has learnt its term statistics, and each watch from its confident hits.
        for (var i = 0; i < _items.Length; i++)
        {
            var item = _set.Analyze(_items[i]);
            _set.Match(item);
            _set.Learn(item);
            if (i % 100 == 99) _set.Publish();
        }
        _set.Publish();
        _naive = [.. watches.Select(w => (w.Name, w.Keywords.Select(k => new Regex($@"\b{Regex.Escape(k)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled)).ToArray()))];
        if (_items.Length != ItemCount) throw new InvalidOperationException($"expected {ItemCount} items");
    }

    [Benchmark(Description = "FeedWatcher", OperationsPerInvoke = ItemCount)]
    public int FeedWatcher()
    {
        var hits = 0;
        foreach (var item in _items)
            hits += _set.Match(_set.Analyze(item)).Count;
        return hits;
    }

    [Benchmark(Baseline = true, Description = "Regex per keyword", OperationsPerInvoke = ItemCount)]
    public int RegexPerKeyword()
    {
        var hits = 0;
        foreach (var item in _items)
        {
            foreach (var (_, keywords) in _naive)
            {
                foreach (var keyword in keywords)
                {
                    if (keyword.IsMatch(item.Title) || keyword.IsMatch(item.Summary)) { hits++; break; }
                }
            }
        }
        return hits;
    }

    static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var shared = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(shared, "eval"))) return shared;
        }
        throw new DirectoryNotFoundException("../shared/eval not found beside the checkout");
    }
}
