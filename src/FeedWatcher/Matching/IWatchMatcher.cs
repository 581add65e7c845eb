namespace FeedWatcher.Matching;

/// <summary>The seam between the pipeline and the matching method: an item analyzed once, then scored
/// against every watch, and learnt from once it is known to be new.</summary>
public interface IWatchMatcher
{
    /// <summary>The item's text analyzed for matching.</summary>
    AnalyzedItem Analyze(ItemText item);

    /// <summary>The hits of the item: the watches it scores at least their minimum score for.</summary>
    IReadOnlyList<WatchMatch> Match(AnalyzedItem item, string? feedUrl = null);

    /// <summary>Counts a new item in the term statistics that weigh seed similarity, from the next
    /// <see cref="Publish"/> on.</summary>
    void Learn(AnalyzedItem item);

    /// <summary>Makes what was learnt since the last call count in scores: called between poll cycles, so that the
    /// items of one cycle are scored alike whatever order their feeds answer in.</summary>
    void Publish();
}

/// <summary>The text of an item that watches look at.</summary>
public sealed record ItemText(string Title, string Summary);
