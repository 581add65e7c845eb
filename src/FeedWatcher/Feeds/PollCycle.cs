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

    // Claims on their way at once: they take turns in the database, and their round trips overlap.
    const int MaxClaims = 2;

    public async Task<IReadOnlyList<RefreshOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var current = options.CurrentValue;
        var configured = current.Feeds.ToDictionary(f => f.Url, StringComparer.Ordinal);
        await feeds.SyncAsync(current.Feeds, clock.GetUtcNow().UtcDateTime, cancellationToken);
        var concurrency = current.Polling.MaxConcurrency;
        // Feeds claimed by an instance known to be dead (killed and restarted, say) are polled now, not when the claim lapses.
        var begun = clock.GetUtcNow().UtcDateTime;
        var dead = await workers.DeadAsync(await feeds.ClaimHoldersAsync(WorkerStore.Instance, begun, cancellationToken), begun, Scheduling.Heartbeat.Silence, cancellationToken);

        // Due feeds are claimed a batch at a time, no more than this instance fetches at once, so that other instances
        // on the database share them.
        Task<IReadOnlyList<FeedRow>> ClaimAsync(int count)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            return feeds.ClaimDueAsync(now, WorkerStore.Instance, count, now + current.Scheduler.FeedLease, current.Polling.MaxPerHost, dead, cancellationToken);
        }
        var waiting = new Queue<FeedRow>(await ClaimAsync(concurrency));
        if (waiting.Count == 0)
            return [];
        await learning.ApplyNewAsync(cancellationToken); // hits and judgements since the last cycle, of every instance

        var outcomes = new List<RefreshOutcome>();
        var notModified = new List<FeedSuccess>();
        var running = new List<Task<RefreshOutcome>>();
        // The next batch is claimed once every claimed feed is being fetched, and a second while the first is on its way
        // once a fetch has ended too, so that a claim's round trip never leaves the fetches idle. An instance whose
        // fetches are slow holds one batch beyond what it fetches, leaving the rest (and its hosts' caps) to the others;
        // one whose fetches end faster than a claim's round trip, at most two. A claim that found nothing is tried again
        // only after a fetch has ended (a host below its cap again), and the cycle ends when one finds nothing with none
        // running.
        var claims = new List<Task<IReadOnlyList<FeedRow>>>(MaxClaims);
        var worthClaiming = true;
        try
        {
            while (true)
            {
                while (running.Count < concurrency && waiting.TryDequeue(out var feed))
                    running.Add(RefreshAsync(feed));
                while (worthClaiming && claims.Count < MaxClaims && waiting.Count == 0 && (claims.Count == 0 || running.Count < concurrency))
                    claims.Add(ClaimAsync(concurrency));
                if (claims.Count == 0 && running.Count == 0) break;
                var next = await Task.WhenAny(running.Concat<Task>(claims));
                if (next is Task<IReadOnlyList<FeedRow>> claim && claims.Remove(claim))
                {
                    var more = await claim;
                    worthClaiming &= more.Count > 0;
                    foreach (var feed in more) waiting.Enqueue(feed);
                    continue;
                }
                var done = (Task<RefreshOutcome>)next;
                running.Remove(done);
                outcomes.Add(await done);
                worthClaiming = true;
            }
        }
        finally
        {
            if (running.Count > 0) await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
            if (claims.Count > 0) await Task.WhenAll(claims).ContinueWith(_ => { }, TaskScheduler.Default);
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
