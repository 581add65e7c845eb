using FeedWatcher.Configuration;

namespace FeedWatcher.Matching;

/// <summary>Matches whole words, case- and accent-insensitively, over title and summary: a keyword of
/// several words matches when all occur, a quoted one only as that exact phrase.</summary>
public sealed class KeywordMatcher : IWatchMatcher
{
    readonly (string Name, Keyword[] Keywords)[] _watches;

    public KeywordMatcher(IEnumerable<WatchOptions> watches) =>
        _watches = watches.Select(w => (w.Name.Trim(), w.Keywords.Select(Keyword.Parse).ToArray())).ToArray();

    public IReadOnlyList<WatchMatch> Match(ItemText item)
    {
        var title = TextFolding.Words(item.Title);
        var summary = TextFolding.Words(item.Summary);
        var words = new HashSet<string>(title.Concat(summary), StringComparer.Ordinal);
        var matches = new List<WatchMatch>();
        foreach (var (name, keywords) in _watches)
        {
            var matched = keywords
                .Where(k => k.IsPhrase ? ContainsPhrase(title, k.Words) || ContainsPhrase(summary, k.Words) : k.Words.All(words.Contains))
                .Select(k => k.Text)
                .ToList();
            if (matched.Count > 0)
                matches.Add(new WatchMatch(name, matched));
        }
        return matches;
    }

    static bool ContainsPhrase(List<string> words, IReadOnlyList<string> phrase)
    {
        for (var start = 0; start + phrase.Count <= words.Count; start++)
        {
            var i = 0;
            while (i < phrase.Count && words[start + i] == phrase[i]) i++;
            if (i == phrase.Count) return true;
        }
        return false;
    }
}
