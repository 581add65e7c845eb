using FeedWatcher.Matching;
using FeedWatcher.Storage;

namespace FeedWatcher.Scheduling;

/// <summary>Before the first poll, the watches learn again what is on record: every confident hit and judgement (so a
/// restarted worker, or a second one on the same database, holds the same profiles), then they go through the most
/// recent stored items in the order they were seen, for the term statistics that weigh seed similarity and each
/// watch's usual similarity (registered after migration).</summary>
public sealed class LearnTermsOnStart(ItemStore items, IWatchMatcher matcher, WatchLearning learning, ILogger<LearnTermsOnStart> logger) : IHostedService
{
    /// <summary>How many recent items are read.</summary>
    public const int Items = 20_000;

    // Items taken together as one poll cycle: what they teach counts from the next batch on.
    const int Cycle = 500;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var learnt = await learning.ApplyNewAsync(cancellationToken);
        var recent = await items.RecentTextsAsync(Items, cancellationToken);
        for (var i = 0; i < recent.Count; i++)
        {
            var item = matcher.Analyze(recent[i]);
            matcher.Match(item);
            matcher.Learn(item);
            if ((i + 1) % Cycle == 0) matcher.Publish();
        }
        matcher.Publish();
        logger.LogDebug("Watches learnt from {Evidence} confident hits and judgements, and weighed words on {Items} recent items", learnt, recent.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
