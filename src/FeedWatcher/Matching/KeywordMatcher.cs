using FeedWatcher.Configuration;

namespace FeedWatcher.Matching;

/// <summary>Matches whole words, case- and accent-insensitively, over title and summary: a keyword of
/// several words matches when all occur, a quoted one only as that exact phrase (within the title or
/// within the summary).</summary>
public sealed class KeywordMatcher : IWatchMatcher
{
    readonly (string Name, Keyword[] Keywords)[] _watches;

    public KeywordMatcher(IEnumerable<WatchOptions> watches) =>
        _watches = watches.Select(w => (w.Name.Trim(), w.Keywords.Select(Keyword.Parse).ToArray())).ToArray();

    public IReadOnlyList<WatchMatch> Match(ItemText item)
    {
        var title = TextFolding.Fold(item.Title);
        var summary = TextFolding.Fold(item.Summary);
        List<WatchMatch>? matches = null;
        foreach (var (name, keywords) in _watches)
        {
            List<string>? matched = null;
            foreach (var keyword in keywords)
            {
                if (keyword.IsIn(title, summary)) (matched ??= []).Add(keyword.Text);
            }
            if (matched is not null)
                (matches ??= []).Add(new WatchMatch(name, matched));
        }
        return matches ?? (IReadOnlyList<WatchMatch>)[];
    }
}
