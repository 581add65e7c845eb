using FeedWatcher.Configuration;

namespace FeedWatcher.Matching;

/// <summary>A watch ready to score items: its keywords, query and exclusions compiled, its seed analyzed,
/// and the terms that can make it match, for the one pass over an item's terms.</summary>
public sealed class CompiledWatch
{
    public required string Name { get; init; }
    public required IReadOnlyList<(string Text, QueryNode Node)> Keywords { get; init; }
    public QueryNode? Query { get; init; }
    public required IReadOnlyList<(string Text, QueryNode Node)> Excludes { get; init; }

    /// <summary>The seed's similarity terms and frequencies; null without a seed.</summary>
    public IReadOnlyDictionary<int, float>? Seed { get; init; }

    public required double MinScore { get; init; }

    /// <summary>Words always in the query as seed words are, and words never learnt (as configured).</summary>
    public IReadOnlyList<string> Pinned { get; init; } = [];
    public IReadOnlyList<string> Banned { get; init; } = [];

    /// <summary>Feed URLs the watch is limited to; null for all feeds.</summary>
    public IReadOnlySet<string>? FeedUrls { get; init; }

    /// <summary>Terms (by number) of which an item needs one for the keywords or query to match.</summary>
    public required IReadOnlySet<int> Terms { get; init; }

    /// <summary>The keywords or query can match through a prefix: evaluate the watch for every item.</summary>
    public required bool EvaluateAlways { get; init; }

    public bool InScope(string? feedUrl) => FeedUrls is null || feedUrl is null || FeedUrls.Contains(feedUrl);
}

/// <summary>Compiles the configured watches, reporting every problem with its configuration path.</summary>
public static class WatchCompiler
{
    /// <summary>Words of an unquoted keyword must occur within this many positions of each other.</summary>
    public const int KeywordWindow = 8;

    /// <summary>The compiled watches, or null and the problems (path: message) when any watch is unusable.</summary>
    public static (WatchSet? Watches, IReadOnlyList<string> Problems) Compile(FeedWatcherOptions options, TermStatistics statistics)
    {
        var problems = new List<string>();
        var groups = new List<IReadOnlyList<string>>();
        CheckAliases(options.Aliases, "FeedWatcher:Aliases", problems, groups);
        for (var i = 0; i < options.Watches.Count; i++)
            CheckAliases(options.Watches[i].Aliases, $"FeedWatcher:Watches:{i}:Aliases", problems, groups);
        var aliases = new AliasTable(groups);
        // Keywords also find a country's adjective and the other way round; seed similarity counts words as written.
        var keywordAliases = new AliasTable([.. groups, .. Demonyms.Groups]);

        var watches = new List<CompiledWatch>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Watches.Count; i++)
        {
            var watch = options.Watches[i];
            var path = $"FeedWatcher:Watches:{i}";
            var before = problems.Count;
            void Problem(string key, string message) => problems.Add($"{path}:{key}: {message}");
            if (string.IsNullOrWhiteSpace(watch.Name)) Problem("Name", "required");
            else if (!names.Add(watch.Name.Trim())) Problem("Name", $"another watch has the name '{watch.Name}'");

            var keywords = new List<(string, QueryNode)>();
            for (var k = 0; k < watch.Keywords.Count; k++)
            {
                if (Compile(() => QueryParser.Keyword(Unquoted(watch.Keywords[k]), keywordAliases, KeywordWindow), $"Keywords:{k}", Problem) is { } node)
                    keywords.Add((watch.Keywords[k].Trim().Trim('"'), node));
            }
            var query = string.IsNullOrWhiteSpace(watch.Query) ? null : Compile(() => QueryParser.Parse(watch.Query, keywordAliases), "Query", Problem);
            var excludes = new List<(string, QueryNode)>();
            for (var k = 0; k < watch.Exclude.Count; k++)
            {
                var text = watch.Exclude[k];
                if (Compile(() => LooksLikeQuery(text) ? QueryParser.Parse(text, keywordAliases) : QueryParser.Keyword(Unquoted(text), keywordAliases, KeywordWindow), $"Exclude:{k}", Problem) is { } node)
                    excludes.Add((text.Trim(), node));
            }
            var seed = ReadSeed(watch.Seed, Problem);
            if (watch.Keywords.Count == 0 && string.IsNullOrWhiteSpace(watch.Query) && watch.Seed is null)
                Problem("Keywords", "at least one keyword is required (or a Query or a Seed)");
            CheckWords(watch.Pin, "Pin", watch.Seed is not null, Problem);
            CheckWords(watch.Ban, "Ban", watch.Seed is not null, Problem);
            if (watch.MinScore is < 0 or > 1) Problem("MinScore", $"must be between 0 and 1, not {watch.MinScore}");
            var feedUrls = Scope(watch, options.Feeds, Problem);
            if (problems.Count > before) continue;

            var terms = new HashSet<int>();
            var always = false;
            foreach (var node in query is null ? keywords.Select(k => k.Item2) : [query])
                always |= !node.CollectTerms(terms);
            watches.Add(new CompiledWatch
            {
                Name = watch.Name.Trim(),
                Keywords = keywords,
                Query = query,
                Excludes = excludes,
                Seed = seed is null ? null : SeedTerms(seed.Value.Title, seed.Value.Text, aliases),
                MinScore = watch.MinScore ?? WatchOptions.DefaultMinScore,
                Pinned = watch.Pin,
                Banned = watch.Ban,
                FeedUrls = feedUrls,
                Terms = terms,
                EvaluateAlways = always,
            });
        }
        return problems.Count > 0 ? (null, problems) : (new WatchSet(watches, aliases, statistics), problems);
    }

    static Dictionary<int, float> SeedTerms(string title, string text, AliasTable aliases)
    {
        // Numbered first, so that the seed's words count even when the vocabulary is full.
        AliasTable.IdsOf(TextAnalyzer.Tokens($"{title}\n{text}").Select(t => t.Term));
        return new AnalyzedItem(title, text, aliases).Similarity.ToDictionary(t => t.Term, t => t.Frequency);
    }

    static void CheckWords(List<string> words, string key, bool seeded, Action<string, string> problem)
    {
        if (words.Count > 0 && !seeded) problem(key, "only a watch with a Seed learns words to pin or ban");
        for (var i = 0; i < words.Count; i++)
        {
            if (AliasTable.Analyze(words[i] ?? "").Length == 0) problem($"{key}:{i}", $"'{words[i]}' has no words");
        }
    }

    static QueryNode? Compile(Func<QueryNode> compile, string key, Action<string, string> problem)
    {
        try { return compile(); }
        catch (QueryException e) { problem(key, e.Message); return null; }
    }

    // A keyword is one "quoted phrase" or plain words; quotes anywhere else are a mistake worth reporting.
    static string Unquoted(string keyword)
    {
        var text = keyword.Trim();
        var quotes = text.Count(c => c == '"');
        if (quotes != 0 && !(quotes == 2 && text.Length >= 2 && text[0] == '"' && text[^1] == '"'))
            throw new QueryException($"quote the whole keyword or nothing: '{keyword}' (use Query for operators and several phrases)", 0);
        return text;
    }

    static bool LooksLikeQuery(string text) =>
        text.Contains(" OR ", StringComparison.Ordinal) || text.Contains(" AND ", StringComparison.Ordinal) || text.Contains("NOT ", StringComparison.Ordinal)
        || text.Contains("NEAR/", StringComparison.Ordinal) || text.Contains('(', StringComparison.Ordinal) || text.Contains("title:", StringComparison.Ordinal);

    static void CheckAliases(List<List<string>> groups, string path, List<string> problems, List<IReadOnlyList<string>> valid)
    {
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var ok = true;
            for (var m = 0; m < group.Count; m++)
            {
                if (AliasTable.Analyze(group[m] ?? "").Length == 0) { problems.Add($"{path}:{g}:{m}: '{group[m]}' has no words"); ok = false; }
            }
            if (group.Count < 2) { problems.Add($"{path}:{g}: a group needs at least two names"); ok = false; }
            if (ok) valid.Add(group);
        }
    }

    static (string Title, string Text)? ReadSeed(SeedOptions? seed, Action<string, string> problem)
    {
        if (seed is null) return null;
        var title = seed.Title ?? "";
        var text = seed.Text ?? "";
        if (!string.IsNullOrWhiteSpace(seed.File))
        {
            try
            {
                var lines = File.ReadAllLines(seed.File);
                if (string.IsNullOrWhiteSpace(seed.Title)) { title = lines.FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? ""; }
                text = string.Join('\n', lines.SkipWhile(l => string.IsNullOrWhiteSpace(l) || l == title)) + "\n" + text;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem("Seed:File", $"cannot read '{seed.File}': {e.Message}");
                return null;
            }
        }
        if (string.IsNullOrWhiteSpace(title) && string.IsNullOrWhiteSpace(text))
        {
            problem("Seed", "give the seed story a Title and Text, or a File");
            return null;
        }
        return (title, text);
    }

    static HashSet<string>? Scope(WatchOptions watch, List<FeedOptions> feeds, Action<string, string> problem)
    {
        if (watch.Feeds.Count == 0 && watch.Tags.Count == 0) return null;
        var urls = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (wanted, k) in watch.Feeds.Select((f, k) => (f.Trim(), k)))
        {
            var found = feeds.Where(f => string.Equals(f.Url.Trim(), wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(f.Name?.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (found.Count == 0) problem($"Feeds:{k}", $"no configured feed has the name or URL '{wanted}'");
            urls.UnionWith(found.Select(f => f.Url.Trim()));
        }
        foreach (var (tag, k) in watch.Tags.Select((t, k) => (t.Trim(), k)))
        {
            var found = feeds.Where(f => f.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase)).ToList();
            if (found.Count == 0) problem($"Tags:{k}", $"no configured feed has the tag '{tag}'");
            urls.UnionWith(found.Select(f => f.Url.Trim()));
        }
        return urls;
    }
}
