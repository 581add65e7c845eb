using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Feeds;

/// <summary>One pass over the feeds, configured and imported: the ones that are due are claimed and refreshed, several
/// at a time; other instances on the same database claim others.</summary>
public sealed class PollCycle(
    FeedStore feeds,
    WorkerStore workers,
    FeedRefresher refresher,
    Matching.IWatchMatcher matcher,
    Matching.WatchLearning learning,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    Observability.FeedWatcherMetrics metrics,
    ILogger<PollCycle> logger)
{
    // Not-modified polls are recorded this many to a statement; their claims hold until then.
    const int NotModifiedBatch = 64;

    public async Task<IReadOnlyList<RefreshOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var current = options.CurrentValue;
        var configured = current.Feeds.ToDictionary(f => f.Url, StringComparer.Ordinal);
        var urls = configured.Keys.ToList();
        await feeds.SyncAsync(current.Feeds, clock.GetUtcNow().UtcDateTime, cancellationToken);
        var concurrency = current.Polling.MaxConcurrency;
        // Feeds claimed by an instance known to be dead (killed and restarted, say) are polled now, not when the claim lapses.
        var begun = clock.GetUtcNow().UtcDateTime;
        var dead = await workers.DeadAsync(await feeds.ClaimHoldersAsync(WorkerStore.Instance, begun, cancellationToken), begun, Scheduling.Heartbeat.Silence, cancellationToken);

        // Due feeds are claimed a few at a time, no more than this instance fetches at once, so that other instances
        // on the database share them; more are claimed as fetches finish.
        Task<IReadOnlyList<FeedRow>> ClaimAsync(int count)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            return feeds.ClaimDueAsync(urls, now, WorkerStore.Instance, count, now + current.Scheduler.FeedLease, current.Polling.MaxPerHost, dead, cancellationToken);
        }
        var claimed = await ClaimAsync(concurrency);
        if (claimed.Count == 0)
            return [];
        await learning.ApplyNewAsync(cancellationToken); // hits and judgements since the last cycle, of every instance

        var outcomes = new List<RefreshOutcome>();
        var notModified = new List<FeedSuccess>();
        var running = new List<Task<RefreshOutcome>>();
        try
        {
            while (true)
            {
                foreach (var feed in claimed)
                    running.Add(RefreshAsync(feed));
                if (running.Count == 0) break;
                var done = await Task.WhenAny(running);
                running.Remove(done);
                outcomes.Add(await done);
                // More are claimed once half the slots are free; none left to claim and none running ends the cycle.
                claimed = running.Count <= concurrency / 2 ? await ClaimAsync(concurrency - running.Count) : [];
            }
        }
        finally
        {
            if (running.Count > 0) await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
            // What this cycle's new items taught counts from the next cycle on, so that all of them were scored alike.
            matcher.Publish();
        }

        async Task<RefreshOutcome> RefreshAsync(FeedRow feed)
        {
            await Task.Yield();
            var outcome = await refresher.RefreshAsync(feed, configured.GetValueOrDefault(feed.Url), cancellationToken);
            if (outcome.NotModifiedRecord is not { } record) return outcome;
            List<FeedSuccess>? batch = null;
            lock (notModified)
            {
                notModified.Add(record);
                if (notModified.Count >= NotModifiedBatch) { batch = [.. notModified]; notModified.Clear(); }
            }
            if (batch is not null) await feeds.RecordNotModifiedAsync(batch, cancellationToken);
            return outcome;
        }
        // A crash before this loses nothing: those feeds are simply asked again, conditionally.
        await feeds.RecordNotModifiedAsync(notModified, cancellationToken);

        logger.LogInformation("Polled {Feeds} feeds: {NotModified} not modified, {Failed} failed, {NewItems} new items, {Hits} hits",
            outcomes.Count, outcomes.Count(o => o.NotModified), outcomes.Count(o => !o.Succeeded),
            outcomes.Sum(o => o.NewItems), outcomes.Sum(o => o.Hits));
        metrics.Polled(outcomes, clock.GetElapsedTime(started));
        return outcomes;
    }
}
