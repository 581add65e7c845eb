namespace FeedWatcher.Matching;

/// <summary>The seam between the pipeline and the matching method: an item's text in, the watches it
/// matches (and why) out.</summary>
public interface IWatchMatcher
{
    IReadOnlyList<WatchMatch> Match(ItemText item);
}

/// <summary>The text of an item that watches look at.</summary>
public sealed record ItemText(string Title, string Summary);

/// <summary>An item matched a watch because of these keywords.</summary>
public sealed record WatchMatch(string Watch, IReadOnlyList<string> MatchedKeywords);
