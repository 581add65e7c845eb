using FeedWatcher.Matching;
using FeedWatcher.Storage;

namespace FeedWatcher.Scheduling;

/// <summary>Learns term statistics from the most recent stored items before the first poll, so that seed
/// similarity weighs words by how common they are in the feeds from the start (registered after migration).</summary>
public sealed class LearnTermsOnStart(ItemStore items, IWatchMatcher matcher, ILogger<LearnTermsOnStart> logger) : IHostedService
{
    /// <summary>How many recent items are read.</summary>
    public const int Items = 20_000;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var recent = await items.RecentTextsAsync(Items, cancellationToken);
        foreach (var (text, isKeywordHit) in recent)
        {
            var item = matcher.Analyze(text);
            item.IsKeywordHit = isKeywordHit;
            matcher.Learn(item);
        }
        matcher.Publish();
        logger.LogDebug("Term statistics learnt from {Items} recent items", recent.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
