using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Feeds;

/// <summary>One pass over the feeds, configured and imported: the ones that are due are refreshed, several at a time.</summary>
public sealed class PollCycle(
    FeedStore feeds,
    FeedRefresher refresher,
    Matching.IWatchMatcher matcher,
    Matching.WatchLearning learning,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    Observability.FeedWatcherMetrics metrics,
    ILogger<PollCycle> logger)
{
    const int NotModifiedBatch = 500;

    public async Task<IReadOnlyList<RefreshOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var current = options.CurrentValue;
        var configured = current.Feeds.ToDictionary(f => f.Url, StringComparer.Ordinal);
        var now = clock.GetUtcNow().UtcDateTime;
        await feeds.SyncAsync(current.Feeds, now, cancellationToken);
        var due = await feeds.DueAsync(configured.Keys.ToList(), now, cancellationToken);
        if (due.Count == 0)
            return [];
        await learning.ApplyNewAsync(cancellationToken); // hits and judgements since the last cycle, of every instance

        var outcomes = new RefreshOutcome[due.Count];
        var notModified = new List<FeedSuccess>();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, due.Count),
                new ParallelOptions { MaxDegreeOfParallelism = current.Polling.MaxConcurrency, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    outcomes[i] = await refresher.RefreshAsync(due[i], configured.GetValueOrDefault(due[i].Url), ct);
                    if (outcomes[i].NotModifiedRecord is not { } record) return;
                    List<FeedSuccess>? batch = null;
                    lock (notModified)
                    {
                        notModified.Add(record);
                        if (notModified.Count >= NotModifiedBatch) { batch = [.. notModified]; notModified.Clear(); }
                    }
                    if (batch is not null) await feeds.RecordNotModifiedAsync(batch, ct);
                });
        }
        finally
        {
            // What this cycle's new items taught counts from the next cycle on, so that all of them were scored alike.
            matcher.Publish();
        }
        // A crash before this loses nothing: those feeds are simply asked again, conditionally.
        await feeds.RecordNotModifiedAsync(notModified, cancellationToken);

        logger.LogInformation("Polled {Feeds} feeds: {NotModified} not modified, {Failed} failed, {NewItems} new items, {Hits} hits",
            due.Count, outcomes.Count(o => o.NotModified), outcomes.Count(o => !o.Succeeded),
            outcomes.Sum(o => o.NewItems), outcomes.Sum(o => o.Hits));
        metrics.Polled(outcomes, clock.GetElapsedTime(started));
        return outcomes;
    }
}
