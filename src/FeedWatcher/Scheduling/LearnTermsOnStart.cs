using FeedWatcher.Matching;
using FeedWatcher.Storage;

namespace FeedWatcher.Scheduling;

/// <summary>Before the first poll, the watches go through the most recent stored items again in the order they were
/// seen, matching and learning from them as the polls did: the term statistics that weigh seed similarity, each
/// watch's usual similarity, and what each watch learnt from its confident hits. So a restarted worker, or a second
/// one on the same database, starts from the same profile; then every reader's judgement is applied (registered after
/// migration).</summary>
public sealed class LearnTermsOnStart(ItemStore items, IWatchMatcher matcher, ReaderJudgements judgements, ILogger<LearnTermsOnStart> logger) : IHostedService
{
    /// <summary>How many recent items are read.</summary>
    public const int Items = 20_000;

    // Items taken together as one poll cycle: what they teach counts from the next batch on.
    const int Cycle = 500;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var recent = await items.RecentTextsAsync(Items, cancellationToken);
        for (var i = 0; i < recent.Count; i++)
        {
            var item = matcher.Analyze(recent[i]);
            matcher.Match(item);
            matcher.Learn(item);
            if ((i + 1) % Cycle == 0) matcher.Publish();
        }
        matcher.Publish();
        logger.LogDebug("Watches learnt from {Items} recent items", recent.Count);
        await judgements.ApplyNewAsync(cancellationToken); // every judgement ever given, however old its item

    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
